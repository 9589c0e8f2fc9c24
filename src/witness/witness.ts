// A C2SP tlog-witness (c2sp.org/tlog-witness): for each log it knows (by
// origin and verifier key) it keeps the latest checkpoint it cosigned, and
// cosigns a new one (cosignature/v1) only if the log signed it and it is
// consistent with that one. It never cosigns two inconsistent checkpoints of
// one log, nor a smaller tree after a larger one, across restarts too (the
// state is durable before the cosignature leaves).
//
// add-checkpoint answers, in the order the spec checks them:
//   400  malformed body, note or checkpoint; old size above the checkpoint's
//        size; a proof sent with old size 0
//   404  unknown origin
//   403  no signature verifies with the log's key
//   409  old size is not the size we last cosigned (body: that size,
//        text/x.tlog.size); or the same size with another root hash
//   422  the consistency proof does not verify
//   200  the cosignature line(s)
// Everything in the request is attacker-controlled: anyone can POST.
import type { Result } from '../basics/result.js';
import { err, ok } from '../basics/result.js';
import { parseAddCheckpoint, TLOG_SIZE_CONTENT_TYPE } from '../log/add-checkpoint.js';
import { concat, equal, toBase64, uint32be, utf8 } from '../log/bytes.js';
import { type Checkpoint, parseCheckpoint } from '../log/checkpoint.js';
import { type NoteSigner, type NoteVerifier, openNote, parseNote } from '../log/note.js';
import { checkConsistency } from '../log/proof.js';

/** A log the witness follows: its origin line and the keys that sign its checkpoints. */
export interface KnownLog {
  readonly origin: string;
  readonly verifiers: readonly NoteVerifier[];
}

/** Where the witness keeps the latest cosigned checkpoint per log (see state-dir.ts). */
export interface WitnessStore {
  /** The note of the latest checkpoint cosigned for `origin`, or null. */
  latest(origin: string): Promise<string | null>;
  /** Makes `note` the latest for `origin`; durable when it resolves. */
  save(origin: string, note: string): Promise<void>;
  /** Keeps a log-signed request that was refused as inconsistent (possible evidence of a fork). */
  keepEvidence(origin: string, body: Uint8Array, why: string): Promise<void>;
}

export interface WitnessResponse {
  status: 200 | 400 | 403 | 404 | 409 | 422;
  contentType: string;
  body: string;
}

const TEXT = 'text/plain; charset=utf-8';

function refuse(status: WitnessResponse['status'], why: string): WitnessResponse {
  return { status, contentType: TEXT, body: `${why}\n` };
}

function conflict(size: number): WitnessResponse {
  return { status: 409, contentType: TLOG_SIZE_CONTENT_TYPE, body: `${size}\n` };
}

/** `— <name> <base64(key ID || signature)>\n`, a note signature line. */
function signatureLine(name: string, keyId: number, signature: Uint8Array): string {
  return `\u2014 ${name} ${toBase64(concat(uint32be(keyId), signature))}\n`;
}

interface Verified {
  checkpoint: Checkpoint;
  text: string;
}

export class Witness {
  private readonly logs = new Map<string, KnownLog>();
  /** Per-origin queue: checking the old size and saving the new state happen as one step. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    /** The witness's cosignature/v1 signer (see cosigner() in src/log/cosignature.ts). */
    private readonly signer: NoteSigner,
    logs: readonly KnownLog[],
    private readonly store: WitnessStore,
    private readonly log: (msg: string) => void = () => {},
  ) {
    for (const l of logs) {
      if (this.logs.has(l.origin)) throw new Error(`log ${JSON.stringify(l.origin)} given twice`);
      if (l.verifiers.length === 0) throw new Error(`log ${JSON.stringify(l.origin)} has no key`);
      this.logs.set(l.origin, l);
    }
  }

  get name(): string {
    return this.signer.name;
  }

  origins(): string[] {
    return [...this.logs.keys()];
  }

  /** Handles one add-checkpoint request body. */
  async addCheckpoint(body: Uint8Array): Promise<WitnessResponse> {
    const req = parseAddCheckpoint(body);
    if (!req.ok) return refuse(400, `malformed request: ${req.error}`);
    const parsed = parseNote(req.value.note);
    if (!parsed.ok) return refuse(400, `malformed checkpoint note: ${parsed.error.message}`);
    const claimed = parseCheckpoint(parsed.value.text);
    if (!claimed.ok) return refuse(400, `malformed checkpoint: ${claimed.error.message}`);
    const known = this.logs.get(claimed.value.origin);
    if (!known) return refuse(404, `unknown log origin ${JSON.stringify(claimed.value.origin)}`);
    const verified = this.verify(req.value.note, known);
    if (!verified.ok) return refuse(403, verified.error);
    const { checkpoint, text } = verified.value;
    const { oldSize, proof } = req.value;
    if (oldSize > checkpoint.size)
      return refuse(400, `old size ${oldSize} is above the checkpoint's size ${checkpoint.size}`);
    if (oldSize === 0 && proof.length > 0)
      return refuse(400, 'a consistency proof was sent with old size 0');
    return this.serialised(checkpoint.origin, async () => {
      const stored = await this.store.latest(checkpoint.origin);
      const latest = stored === null ? null : storedCheckpoint(stored);
      const latestSize = latest?.size ?? 0;
      if (oldSize !== latestSize) return conflict(latestSize);
      if (latest && oldSize === checkpoint.size && !equal(latest.rootHash, checkpoint.rootHash)) {
        const why = `size ${checkpoint.size} was cosigned with another root hash`;
        await this.evidence(checkpoint.origin, body, why);
        return conflict(latestSize);
      }
      if (latest && oldSize > 0) {
        const c = checkConsistency(
          oldSize,
          checkpoint.size,
          proof,
          latest.rootHash,
          checkpoint.rootHash,
        );
        if (!c.ok) {
          const why = `not consistent with the checkpoint of size ${oldSize} cosigned before: ${c.error.message}`;
          await this.evidence(checkpoint.origin, body, why);
          return refuse(422, why);
        }
      }
      // Durable first: a cosignature that left before a crash must not be forgotten.
      await this.store.save(checkpoint.origin, req.value.note);
      const sig = this.signer.sign(utf8(text));
      return {
        status: 200,
        contentType: TEXT,
        body: signatureLine(this.signer.name, this.signer.keyId, sig),
      };
    });
  }

  /** Opens the note with the log's keys only: signatures by other keys are ignored. */
  private verify(note: string, known: KnownLog): Result<Verified, string> {
    const opened = openNote(note, known.verifiers);
    if (!opened.ok) {
      switch (opened.error.code) {
        case 'NOTE_UNVERIFIED':
          return err(`no signature by the key of log ${JSON.stringify(known.origin)}`);
        case 'NOTE_SIGNATURE_INVALID':
          return err(`invalid signature by the log's key: ${opened.error.message}`);
        default:
          return err(opened.error.message);
      }
    }
    const cp = parseCheckpoint(opened.value.text);
    if (!cp.ok) return err(cp.error.message); // unreachable: parsed above
    return ok({ checkpoint: cp.value, text: opened.value.text });
  }

  private async evidence(origin: string, body: Uint8Array, why: string): Promise<void> {
    this.log(`refused a checkpoint signed by log ${JSON.stringify(origin)}: ${why}`);
    try {
      await this.store.keepEvidence(origin, body, why);
    } catch (e) {
      this.log(`could not keep the refused checkpoint as evidence: ${(e as Error).message}`);
    }
  }

  private serialised<T>(origin: string, task: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(origin) ?? Promise.resolve();
    const run = prev.then(task, task);
    const tail = run.catch(() => {});
    this.queues.set(origin, tail);
    void tail.then(() => {
      if (this.queues.get(origin) === tail) this.queues.delete(origin);
    });
    return run;
  }
}

/** The checkpoint in a note the witness saved itself; unreadable state is a bug or damage, not input. */
function storedCheckpoint(note: string): Checkpoint {
  const parsed = parseNote(note);
  const cp = parsed.ok ? parseCheckpoint(parsed.value.text) : parsed;
  if (!cp.ok)
    throw new Error(`the witness state holds a malformed checkpoint: ${cp.error.message}`);
  return cp.value;
}

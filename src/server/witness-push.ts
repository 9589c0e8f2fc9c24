// Pushing the log's checkpoints to its witnesses (c2sp.org/tlog-witness) and
// serving them with the cosignatures collected.
//
// After each new signed checkpoint the sequencer calls notify(); a background
// loop sends the newest one (older ones not yet sent are skipped) to every
// witness with a consistency proof from the size that witness last cosigned
// (learned from its 409 answer when unknown), and merges the cosignatures
// into the note: the log's own signature lines first, then one line per
// witness. GET /log/checkpoint serves that merged note (see served()).
//
// Nothing here ever blocks sequencing or receipts: notify() returns at once,
// each request has a deadline, a failing witness is retried with exponential
// backoff, and every failure is logged and otherwise ignored. What a witness
// answers is attacker-controlled: a cosignature is kept only if it verifies
// with that witness's configured key.

import {
  formatAddCheckpoint,
  parseTlogSize,
  TLOG_SIZE_CONTENT_TYPE,
} from '../log/add-checkpoint.js';
import { concat, fromUtf8, toBase64, uint32be } from '../log/bytes.js';
import { parseCosignatureVerifierKey } from '../log/cosignature.js';
import { type NoteSignature, type NoteVerifier, openNote, parseNote } from '../log/note.js';
import { proveConsistencyFromTiles, type TileReader } from '../log/tiles.js';
import type { Reporter } from '../platform/reporter.js';
import type { StoredCheckpoint } from '../store/store.js';

export interface WitnessTarget {
  /** The witness's submission prefix (add-checkpoint is appended). */
  readonly url: string;
  /** Its cosignature/v1 verifier key. */
  readonly vkey: string;
}

/** Parses `URL=VKEY` (as given to `kura serve --witness`). A vkey never contains "=". */
export function parseWitnessTarget(arg: string): WitnessTarget {
  const at = arg.lastIndexOf('=');
  if (at < 0) throw new Error(`--witness ${arg}: want URL=VKEY`);
  const url = arg.slice(0, at);
  const vkey = arg.slice(at + 1);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--witness ${arg}: ${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`--witness ${arg}: the URL must be http or https`);
  const v = parseCosignatureVerifierKey(vkey);
  if (!v.ok)
    throw new Error(
      `--witness ${arg}: not a cosignature/v1 verifier key (${v.error.message}); \`kura witness --print-vkey\` prints it`,
    );
  return { url, vkey };
}

export interface WitnessPushOptions {
  witnesses: readonly WitnessTarget[];
  /** Reads the log's hash tiles, for consistency proofs. */
  readTile: TileReader;
  /** Stores a checkpoint note with its cosignatures (a later start or a reader serves it). */
  persist?: (cp: StoredCheckpoint) => Promise<void>;
  log?: Reporter;
  /** Deadline of one witness's exchange for one checkpoint (default 5 s). */
  timeoutMs?: number;
  /** First retry delay after a failure; doubles up to maxBackoffMs (default 1 s, 60 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

const MAX_ANSWER_BYTES = 64 * 1024;

interface WitnessState {
  readonly target: WitnessTarget;
  readonly verifier: NoteVerifier;
  readonly endpoint: string;
  /** The size this witness last cosigned, as far as we know (undefined: ask it). */
  knownSize: number | undefined;
  failures: number;
  retryAt: number;
}

/** The checkpoint text (what is signed): the note up to and including the blank line's first newline. */
function textOf(note: string): string {
  return note.slice(0, note.lastIndexOf('\n\n') + 1);
}

export class WitnessPusher {
  private readonly witnesses: WitnessState[];
  private latest: StoredCheckpoint | null = null;
  /** The last checkpoint text a round finished for, and the cosignatures it got. */
  private done: { text: string; size: number; note: string; lines: string[] } | null = null;
  /** The newest checkpoint with at least one cosignature, merged: served while a newer one is in flight. */
  private cosigned: StoredCheckpoint | null = null;
  private running: Promise<void> | null = null;
  /** Set when witnesses that failed are due again: push the latest checkpoint once more. */
  private retryDue = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly abort = new AbortController();
  /** The last answer of served(), valid while the log's note and the last round are the same. */
  private memo: { note: string; done: unknown; served: StoredCheckpoint } | null = null;

  constructor(private readonly opts: WitnessPushOptions) {
    this.witnesses = opts.witnesses.map((target) => {
      const v = parseCosignatureVerifierKey(target.vkey);
      if (!v.ok) throw new Error(`witness ${target.url}: ${v.error.message}`);
      return {
        target,
        verifier: v.value,
        endpoint: new URL(
          'add-checkpoint',
          target.url.endsWith('/') ? target.url : `${target.url}/`,
        ).href,
        knownSize: undefined,
        failures: 0,
        retryAt: 0,
      };
    });
    const names = new Set(this.witnesses.map((w) => `${w.verifier.name}\n${w.verifier.keyId}`));
    if (names.size !== this.witnesses.length) throw new Error('a witness key is given twice');
  }

  /** A new checkpoint was signed (or re-signed): push it soon. Never blocks. */
  notify(cp: StoredCheckpoint): void {
    if (this.closed) return;
    this.latest = cp;
    this.kick();
  }

  /**
   * What GET /log/checkpoint serves, given the log's latest checkpoint: that
   * checkpoint with its cosignatures once its round is done (with none if no
   * witness answered); while its round is in flight, the newest checkpoint
   * already cosigned, if any (a verifier with a witness policy then sees a
   * checkpoint it can accept, one round behind at most).
   */
  served(current: StoredCheckpoint): StoredCheckpoint {
    if (this.memo && this.memo.note === current.note && this.memo.done === this.done)
      return this.memo.served;
    const text = textOf(current.note);
    let served = current;
    if (this.done && this.done.text === text) {
      served = { size: current.size, note: this.merge(current.note, this.done.lines) };
    } else if (this.cosigned && this.cosigned.size <= current.size) {
      served = this.cosigned;
    }
    this.memo = { note: current.note, done: this.done, served };
    return served;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.abort.abort();
    await this.running;
  }

  private kick(): void {
    if (this.running || this.closed) return;
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  private async loop(): Promise<void> {
    while (!this.closed && this.latest) {
      const cp = this.latest;
      const text = textOf(cp.note);
      const retry = this.done?.note === cp.note;
      if (retry && !this.retryDue) return;
      this.retryDue = false;
      const lines = await this.round(cp, text, retry);
      if (this.closed) return;
      this.done = { text, size: cp.size, note: cp.note, lines };
      if (lines.length > 0) {
        const merged = { size: cp.size, note: this.merge(cp.note, lines) };
        this.cosigned = merged;
        try {
          await this.opts.persist?.(merged);
        } catch (e) {
          this.say(
            `storing the cosigned checkpoint of size ${cp.size} failed: ${(e as Error).message}`,
          );
        }
      }
      this.scheduleRetry(lines);
    }
  }

  /**
   * Sends `cp` to every witness not backing off (on a retry, only to those
   * that have not cosigned it yet); the valid cosignature lines, one per
   * witness, in the configured order.
   */
  private async round(cp: StoredCheckpoint, text: string, retry: boolean): Promise<string[]> {
    const now = Date.now();
    // A cosignature is over the text: one given for this text stays valid on a re-signed note.
    const previous = this.done?.text === text ? this.done.lines : [];
    const had = (w: WitnessState) => previous.find((l) => lineIsBy(l, w.verifier));
    const due = this.witnesses.filter((w) => w.retryAt <= now && !(retry && had(w)));
    const got = await Promise.all(due.map((w) => this.pushOne(w, cp, text)));
    const lines: string[] = [];
    for (const w of this.witnesses) {
      const i = due.indexOf(w);
      const line = (i >= 0 ? got[i] : undefined) ?? had(w);
      if (line) lines.push(line);
    }
    return lines;
  }

  /** One witness's exchange for one checkpoint: its cosignature line, or undefined (logged). */
  private async pushOne(
    w: WitnessState,
    cp: StoredCheckpoint,
    text: string,
  ): Promise<string | undefined> {
    const signal = AbortSignal.any([
      this.abort.signal,
      AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
    ]);
    const fail = (why: string): undefined => {
      w.failures++;
      const base = this.opts.backoffMs ?? 1000;
      const delay = Math.min(this.opts.maxBackoffMs ?? 60_000, base * 2 ** (w.failures - 1));
      w.retryAt = Date.now() + delay;
      if (!this.closed)
        this.say(
          `witness ${w.verifier.name} (${w.target.url}): ${why}; retrying in ${Math.round(delay / 1000)} s`,
        );
      return undefined;
    };
    try {
      // One 409 teaches us the witness's size; a second one means it moved meanwhile: once more.
      for (let attempt = 0; attempt < 3; attempt++) {
        const old = w.knownSize ?? 0;
        if (old > cp.size)
          return fail(
            `it has cosigned a tree of size ${old}, larger than this checkpoint's ${cp.size} (a rolled-back or forked log?)`,
          );
        let proof: Uint8Array[] = [];
        if (old !== 0 && old !== cp.size) {
          const p = await proveConsistencyFromTiles(old, cp.size, this.opts.readTile);
          if (!p.ok) return fail(`cannot prove consistency from size ${old}: ${p.error.message}`);
          proof = p.value;
        }
        const body = formatAddCheckpoint({ oldSize: old, proof, note: cp.note });
        const res = await fetch(w.endpoint, {
          method: 'POST',
          body,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          signal,
        });
        const answer = await readAnswer(res);
        if (answer === undefined)
          return fail(`HTTP ${res.status} with an answer over 64 KiB or not UTF-8`);
        if (res.status === 409) {
          const size =
            res.headers.get('content-type')?.split(';')[0]?.trim() === TLOG_SIZE_CONTENT_TYPE
              ? parseTlogSize(answer)
              : undefined;
          if (size === undefined) return fail('409 without a text/x.tlog.size body');
          if (size === old)
            return fail(`409: it has cosigned another tree of size ${size} (a fork of this log?)`);
          w.knownSize = size;
          continue;
        }
        if (res.status !== 200) return fail(`HTTP ${res.status}: ${answer.trim().slice(0, 300)}`);
        const line = this.verifiedLine(w, text, answer);
        if (!line) return fail('200 without a valid cosignature by its key');
        w.knownSize = cp.size;
        w.failures = 0;
        w.retryAt = 0;
        return line;
      }
      return fail('its size kept changing');
    } catch (e) {
      if (this.closed) return undefined;
      return fail((e as Error).name === 'TimeoutError' ? 'timed out' : (e as Error).message);
    }
  }

  /** The witness's cosignature line in its answer, if it verifies over `text`. */
  private verifiedLine(w: WitnessState, text: string, answer: string): string | undefined {
    if (answer === '' || !answer.endsWith('\n')) return undefined;
    const opened = openNote(`${text}\n${answer}`, [w.verifier]);
    if (!opened.ok) return undefined;
    const sig = opened.value.verified[0];
    return sig ? lineOf(sig) : undefined;
  }

  /** The log's note without any configured witness's lines, then `lines`. */
  private merge(note: string, lines: readonly string[]): string {
    const parsed = parseNote(note);
    if (!parsed.ok) return note;
    const own = parsed.value.signatures.filter(
      (s) =>
        !this.witnesses.some((w) => s.name === w.verifier.name && s.keyId === w.verifier.keyId),
    );
    return `${parsed.value.text}\n${own.map(lineOf).join('')}${lines.join('')}`;
  }

  /** Pushes the latest checkpoint again when the first witness without a cosignature on it is due. */
  private scheduleRetry(lines: readonly string[]): void {
    if (this.retryTimer || this.closed) return;
    const missing = this.witnesses.filter((w) => !lines.some((l) => lineIsBy(l, w.verifier)));
    if (missing.length === 0) return;
    const next = Math.min(...missing.map((w) => w.retryAt));
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        this.retryDue = true;
        this.kick();
      },
      Math.max(0, next - Date.now()),
    );
    this.retryTimer.unref();
  }

  private say(msg: string): void {
    this.opts.log?.warn(`witness push: ${msg}`);
  }
}

/** A witness's answer body as text: at most 64 KiB (what comes back is attacker-controlled). */
async function readAnswer(res: Response): Promise<string | undefined> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return fromUtf8(concat(...chunks));
}

function lineOf(sig: NoteSignature): string {
  return `\u2014 ${sig.name} ${toBase64(concat(uint32be(sig.keyId), sig.signature))}\n`;
}

function lineIsBy(line: string, v: NoteVerifier): boolean {
  const parsed = parseNote(`x\n\n${line}`);
  const s = parsed.ok ? parsed.value.signatures[0] : undefined;
  return s !== undefined && s.name === v.name && s.keyId === v.keyId;
}

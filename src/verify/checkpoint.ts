// Checkpoints: opening the served one against the pinned log key, and
// checking it against the one an earlier run verified (same tree, or an
// extension of it). Two validly signed checkpoints that cannot both be true
// are a fork, and a smaller tree than one verified before is a rollback: the
// evidence is both notes.
import type { Result } from '../basics/result.js';
import { err, ok } from '../basics/result.js';
import { equal, toBase64 } from '../log/bytes.js';
import { type Checkpoint, openCheckpoint, parseCheckpoint } from '../log/checkpoint.js';
import { cosignatureTimestamp, cosignatureVerifier } from '../log/cosignature.js';
import { decodeVerifierKey, type NoteVerifier, openNote, parseNote } from '../log/note.js';
import { checkConsistency } from '../log/proof.js';
import { proveConsistencyFromTiles, type TileReader, tilePath } from '../log/tiles.js';
import { evaluatePolicy, type PolicyOutcome, type WitnessPolicy } from '../log/tlog-policy.js';
import type { LogReader } from './log-reader.js';
import type { CheckpointInfo } from './report.js';
import type { StateDir } from './state.js';

export interface ServedCheckpoint {
  note: string;
  /** Parsed without checking any signature: only to learn the origin and pick the state dir. */
  claimed: Checkpoint;
}

export type FetchCheckpoint =
  | { ok: true; value: ServedCheckpoint }
  | { ok: false; why: string; fatal: boolean };

/** The latest checkpoint (GET /log/checkpoint), parsed (unverified). */
export async function fetchCheckpoint(reader: LogReader): Promise<FetchCheckpoint> {
  const res = await reader.checkpoint();
  if (!res.ok)
    return {
      ok: false,
      why: `GET ${reader.where('log/checkpoint')} answered HTTP ${res.error.status}: ${res.error.text}`,
      fatal: false,
    };
  const note = new TextDecoder().decode(res.value);
  const parsed = parseNote(note);
  if (!parsed.ok)
    return {
      ok: false,
      why: `the checkpoint is not a signed note: ${parsed.error.message}`,
      fatal: true,
    };
  const cp = parseCheckpoint(parsed.value.text);
  if (!cp.ok)
    return { ok: false, why: `the checkpoint is malformed: ${cp.error.message}`, fatal: true };
  return { ok: true, value: { note, claimed: cp.value } };
}

/** Opens the note against the pinned log key and origin. */
export function openServed(
  note: string,
  origin: string,
  logVerifier: NoteVerifier,
): Result<Checkpoint, string> {
  const opened = openCheckpoint(note, origin, [logVerifier]);
  if (!opened.ok) return err(opened.error.message);
  return ok(opened.value.checkpoint);
}

export function info(cp: Checkpoint, note: string): CheckpointInfo {
  return { size: cp.size, rootHash: toBase64(cp.rootHash), note };
}

/** Reads tiles from the log (at the served tree's widths). */
export function serverTileReader(reader: LogReader): TileReader {
  return async (level, index, width) => {
    const res = await reader.tile(level, index, width);
    if (!res.ok)
      throw new Error(`GET log/${tilePath({ level, index, width })}: HTTP ${res.error.status}`);
    return res.value;
  };
}

/** Reads tiles from the state directory's mirror (a wider tile's prefix is fine). */
export function stateTileReader(state: StateDir): TileReader {
  return async (level, index, width) => {
    const t = state.readTile('hash', level, index, width);
    if (!t || t.length < width * 32)
      throw new Error(`tile ${level}/${index} is not in the state directory`);
    return t.subarray(0, width * 32);
  };
}

/**
 * Checks that the tree of size `m` (root `mRoot`) is a prefix of the tree of
 * size `n` (root `nRoot`), with a consistency proof built from `read`'s tiles
 * of the larger tree. An error means the proof could not be built or did not
 * verify; whether that is a fork or broken tiles is for the caller to settle.
 */
export async function proveConsistent(
  m: number,
  mRoot: Uint8Array,
  n: number,
  nRoot: Uint8Array,
  read: TileReader,
): Promise<Result<void, string>> {
  let proof: Result<Uint8Array[], { message: string }>;
  try {
    proof = await proveConsistencyFromTiles(m, n, read);
  } catch (e) {
    return err((e as Error).message);
  }
  if (!proof.ok) return err(proof.error.message);
  const checked = checkConsistency(m, n, proof.value, mRoot, nRoot);
  return checked.ok ? ok(undefined) : err(checked.error.message);
}

/** The text printed (and saved) when two signed checkpoints disagree. */
export function forkEvidence(
  previous: { note: string; size: number },
  current: { note: string; size: number },
  server: string,
  why: string,
): string {
  return [
    `FORK: the log has signed two histories that cannot both be true. ${why}`,
    '',
    `Checkpoint verified earlier (size ${previous.size}):`,
    previous.note.trimEnd(),
    '',
    `Checkpoint served now by ${server} (size ${current.size}):`,
    current.note.trimEnd(),
    '',
    'Both notes carry valid signatures by the log key: together they prove that the log showed different entries to different observers (a split view). Keep them.',
  ].join('\n');
}

/**
 * When the log key says it signed this checkpoint: the timestamp of the log's
 * own cosignature/v1 line (§4.4), verified; undefined without a valid one.
 */
export function logSignedAt(note: string, logKey: string): number | undefined {
  const k = decodeVerifierKey(logKey);
  if (!k.ok) return undefined;
  const opened = openNote(note, [cosignatureVerifier(k.value.name, k.value.publicKey)]);
  const sig = opened.ok ? opened.value.verified[0] : undefined;
  return sig ? cosignatureTimestamp(sig) : undefined;
}

const when = (t: number | undefined) =>
  t === undefined ? '' : `, signed at ${new Date(t * 1000).toISOString()}`;

/**
 * The text printed (and saved) when the server shows a smaller tree than one
 * verified before. Both notes are signed by the log key; `signedAt` are their
 * log timestamps when known.
 */
export function rollbackEvidence(
  previous: { note: string; size: number; signedAt?: number },
  current: { note: string; size: number; signedAt?: number },
  server: string,
  why: string,
): string {
  const later =
    previous.signedAt !== undefined &&
    current.signedAt !== undefined &&
    current.signedAt > previous.signedAt;
  return [
    `ROLLBACK: the log has shrunk from ${previous.size} to ${current.size} entries. ${why}`,
    '',
    `Checkpoint verified earlier (size ${previous.size}${when(previous.signedAt)}):`,
    previous.note.trimEnd(),
    '',
    `Checkpoint served now by ${server} (size ${current.size}${when(current.signedAt)}):`,
    current.note.trimEnd(),
    '',
    `Both notes carry valid signatures by the log key. A log only grows: entries ${current.size}–${previous.size - 1}, which the log had signed (and any receipts given for them), are gone from what this server shows${later ? ', and the log key signed the smaller tree after the larger one' : ''}. Keep them.`,
  ].join('\n');
}

/**
 * Applies a witness policy to the served checkpoint note (already opened with
 * the log key). The log's own cosignature/v1 line (same key) is never a
 * witness: a policy naming the log key as a witness is a usage error, and so
 * is a policy whose log lines do not include the log key.
 */
export function checkWitnessPolicyOf(
  note: string,
  policy: WitnessPolicy,
  logKey: string,
): Result<PolicyOutcome, { usage: boolean; message: string }> {
  const log = decodeVerifierKey(logKey);
  if (!log.ok) return err({ usage: true, message: `bad log key ${logKey}` });
  const own = policy.witnesses.find((w) => equal(w.publicKey, log.value.publicKey));
  if (own)
    return err({
      usage: true,
      message: `the witness policy names the log's own key as witness ${own.name}: the log cannot witness itself`,
    });
  if (policy.logs.length && !policy.logs.some((l) => equal(l.publicKey, log.value.publicKey)))
    return err({
      usage: true,
      message: `the witness policy's log lines do not list the log key ${logKey}`,
    });
  const outcome = evaluatePolicy(policy, note);
  if (!outcome.satisfied)
    return err({
      usage: false,
      message: `the checkpoint does not meet the witness policy: ${outcome.summary}\n${note.trimEnd()}`,
    });
  return ok(outcome);
}

// C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the note text
//
//   <origin>\n<decimal size>\n<base64 root hash>\n[<extension line>\n]*
//
// and opening a signed checkpoint against the log's keys.
import type { Result } from '../basics/result.js';
import { ok } from '../basics/result.js';
import { fromBase64, parseDecimal, toBase64 } from './bytes.js';
import type { LogError } from './errors.js';
import { logErr } from './errors.js';
import { HASH_SIZE } from './merkle.js';
import type { NoteVerifier, OpenedNote } from './note.js';
import { openNote } from './note.js';

export interface Checkpoint {
  readonly origin: string;
  /** Number of leaves (a safe integer; larger sizes are rejected as malformed). */
  readonly size: number;
  /** 32-byte RFC 6962 root hash. */
  readonly rootHash: Uint8Array;
  /** Opaque extension lines (without newlines); usually none. */
  readonly extensions: readonly string[];
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}

/** The checkpoint note text. Invalid fields are programmer errors. */
export function formatCheckpoint(cp: Checkpoint): string {
  if (cp.origin === '' || hasControl(cp.origin)) throw new RangeError('invalid origin');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0)
    throw new RangeError(`invalid size ${cp.size}`);
  if (cp.rootHash.length !== HASH_SIZE) throw new RangeError('root hash must be 32 bytes');
  for (const e of cp.extensions) {
    if (e === '' || hasControl(e)) throw new RangeError('invalid extension line');
  }
  const lines = [cp.origin, String(cp.size), toBase64(cp.rootHash), ...cp.extensions];
  return `${lines.join('\n')}\n`;
}

/**
 * Parses a checkpoint note text (attacker-controlled). Strict: at least three
 * non-empty lines, each ending in newline and free of control characters; the
 * size in canonical decimal (no sign, no leading zeros, at most 2^53 - 1); the
 * root hash in canonical base64 of exactly 32 bytes; extension lines non-empty.
 * The origin is not otherwise constrained (the spec forbids assuming its form).
 */
export function parseCheckpoint(text: string): Result<Checkpoint, LogError> {
  const bad = (why: string) => logErr('CHECKPOINT_MALFORMED', why);
  if (!text.endsWith('\n')) return bad('checkpoint must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return bad('checkpoint needs origin, size and root hash lines');
  if (lines.some((l) => l === '')) return bad('empty line in checkpoint');
  if (lines.some(hasControl)) return bad('control character in checkpoint');
  const [origin, sizeText, rootText, ...extensions] = lines as [
    string,
    string,
    string,
    ...string[],
  ];
  const size = parseDecimal(sizeText);
  if (size === undefined) return bad('tree size is not a canonical decimal');
  const rootHash = fromBase64(rootText);
  if (!rootHash || rootHash.length !== HASH_SIZE)
    return bad('root hash is not 32 bytes of canonical base64');
  return ok({ origin, size, rootHash, extensions });
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
}

/**
 * Opens a signed checkpoint (attacker-controlled `noteText`): the note must
 * carry a valid signature by one of `logVerifiers` (a signature by a witness
 * alone is not enough), the text must be a well-formed checkpoint, and its
 * origin must be `origin`. `otherVerifiers` (e.g. witness cosigners) are
 * checked as well, so that note.verified lists the valid cosignatures for a
 * later checkWitnessPolicy; a known witness with a bad signature rejects the
 * checkpoint.
 */
export function openCheckpoint(
  noteText: string | Uint8Array,
  origin: string,
  logVerifiers: readonly NoteVerifier[],
  otherVerifiers: readonly NoteVerifier[] = [],
): Result<OpenedCheckpoint, LogError> {
  const opened = openNote(noteText, [...logVerifiers, ...otherVerifiers]);
  if (!opened.ok) return opened;
  const logSet = new Set<NoteVerifier>(logVerifiers);
  if (!opened.value.verified.some((s) => logSet.has(s.verifier))) {
    return logErr('CHECKPOINT_NOT_SIGNED_BY_LOG', 'no valid signature by the log key');
  }
  const cp = parseCheckpoint(opened.value.text);
  if (!cp.ok) return cp;
  if (cp.value.origin !== origin) {
    return logErr(
      'CHECKPOINT_ORIGIN_MISMATCH',
      `origin ${JSON.stringify(cp.value.origin)} is not ${JSON.stringify(origin)}`,
    );
  }
  return ok({ checkpoint: cp.value, note: opened.value });
}

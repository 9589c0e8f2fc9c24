// What the log status line shows, read from a signed checkpoint note: the
// tree size, when the log signed, which witnesses cosigned. In a chunk of its
// own (with the note and key code it needs, and so the signature code beside
// it): the live feed loads it when the first checkpoint arrives, so the first
// paint of the figures does not wait for it.
import { parseCheckpoint } from '../../src/log/checkpoint.js';
import { cosignatureTimestamp, SIG_TYPE_COSIGNATURE_V1 } from '../../src/log/cosignature.js';
import { computeKeyId, decodeVerifierKey, parseNote } from '../../src/log/note.js';

export interface LogStatus {
  origin: string;
  size: number;
  /** POSIX seconds of the log's own timestamped signature, if present. */
  signedAt: number | null;
  /** Cosigners other than the log itself, by name, with their timestamps. */
  witnesses: Array<{ name: string; keyId: number; time: number | null }>;
  /** The log key the server names now. */
  logKey: string;
  note: string;
}

/** Reads a checkpoint note's status; the note is untrusted here (Verify checks it). */
export function readStatus(note: string, logKey: string): LogStatus | null {
  const parsed = parseNote(note);
  if (!parsed.ok) return null;
  const cp = parseCheckpoint(parsed.value.text);
  if (!cp.ok) return null;
  const key = decodeVerifierKey(logKey);
  const logName = key.ok ? key.value.name : '';
  const logIds = key.ok
    ? new Set([
        key.value.keyId,
        computeKeyId(key.value.name, SIG_TYPE_COSIGNATURE_V1, key.value.publicKey),
      ])
    : new Set<number>();
  let signedAt: number | null = null;
  const witnesses: LogStatus['witnesses'] = [];
  for (const s of parsed.value.signatures) {
    const own = s.name === logName && logIds.has(s.keyId);
    const time = cosignatureTimestamp(s) ?? null;
    if (own) {
      if (time !== null) signedAt = time;
    } else witnesses.push({ name: s.name, keyId: s.keyId, time });
  }
  return { origin: cp.value.origin, size: cp.value.size, signedAt, witnesses, logKey, note };
}

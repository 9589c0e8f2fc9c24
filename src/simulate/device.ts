// What a presiding officer's device does: sign a station's result.
import { type ResultEntry, signingMessage, type Unsigned } from '../election/entries.js';
import { toBase64 } from '../log/bytes.js';
import { ed25519Sign } from '../log/crypto.js';

export function signResult(unsigned: Unsigned<ResultEntry>, deviceSeed: Uint8Array): ResultEntry {
  return { ...unsigned, sig: toBase64(ed25519Sign(deviceSeed, signingMessage(unsigned))) };
}

/** RFC 3339 UTC to the second, as result entries carry it. */
export function deviceTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

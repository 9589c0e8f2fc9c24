// The text of the QR code a station's device shows for a result it signed
// (FORMATS.md §16): "kura-result:" and the base64url (RFC 4648 §5, no padding)
// of the result entry's canonical bytes, exactly the bytes the log holds. An
// agent's phone decodes it, shows the figures, and hashes the bytes (SHA-256)
// into the `result` of its attestation or dissent.
import { err, ok, type Result } from '../basics/result.js';
import { fromBase64, toBase64, utf8 } from '../log/bytes.js';
import { encodeQr } from '../qr/qr-code.js';
import { qrSvg } from '../qr/qr-render.js';
import { decodeEntry, encodeEntry, type ResultEntry } from './entries.js';

export const RESULT_QR_PREFIX = 'kura-result:';

/** The QR text of a signed result entry. */
export function resultQrText(entry: ResultEntry): string {
  return RESULT_QR_PREFIX + toBase64Url(encodeEntry(entry));
}

/** The device's QR code of a signed result as an SVG (the portal's station and agent pages). */
export function resultQrSvg(
  entry: ResultEntry,
  o: { title?: string; sizePx?: number } = {},
): string {
  return qrSvg(encodeQr(utf8(resultQrText(entry))), o);
}

export interface DecodedResultQr {
  entry: ResultEntry;
  /** The entry's canonical bytes, as carried: what the log holds and the agent hashes. */
  bytes: Uint8Array;
}

/**
 * Reads a device's QR text. Refuses, saying why, anything but the prefix and
 * base64url without padding of the canonical bytes of a well-formed result
 * entry (its signature is checked by whoever knows the devices' keys).
 */
export function decodeResultQr(text: string): Result<DecodedResultQr, string> {
  if (!text.startsWith(RESULT_QR_PREFIX))
    return err(`does not start with "${RESULT_QR_PREFIX}": not a kura result's QR code`);
  const body = text.slice(RESULT_QR_PREFIX.length);
  if (body === '') return err(`has nothing after "${RESULT_QR_PREFIX}"`);
  const bad = /[^A-Za-z0-9_-]/.exec(body);
  if (bad)
    return err(
      `has ${JSON.stringify(bad[0])} at position ${RESULT_QR_PREFIX.length + bad.index}: only base64url characters (A-Z a-z 0-9 - _, no padding) may follow "${RESULT_QR_PREFIX}"`,
    );
  const bytes = fromBase64Url(body);
  if (!bytes)
    return err(
      'is not canonical base64url: its length leaves a lone character, or its last character has bits set that no byte uses',
    );
  const decoded = decodeEntry(bytes);
  if (!decoded.ok) {
    const first = decoded.error[0];
    return err(
      `does not carry a well-formed entry: ${first?.field ? `${first.field} ` : ''}${first?.reason ?? 'is malformed'}`,
    );
  }
  if (decoded.value.type !== 'result')
    return err(`carries a ${JSON.stringify(decoded.value.type)} entry, not a result`);
  return ok({ entry: decoded.value, bytes });
}

function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Strict: exactly one text per byte string (fromBase64 refuses unused bits set). */
function fromBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const padded =
    text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  return fromBase64(padded);
}

// What a presiding officer's device does: sign a station's result, and sign
// the upload of its scanned form.

import { toBase64 } from '../log/bytes.js';
import { ed25519Sign } from '../log/crypto.js';
import { type ResultEntry, signingMessage, type Unsigned } from './entries.js';
import { FORM_DEVICE_HEADER, FORM_SIGNATURE_HEADER, formUploadMessage } from './form-upload.js';

export function signResult(unsigned: Unsigned<ResultEntry>, deviceSeed: Uint8Array): ResultEntry {
  return { ...unsigned, sig: toBase64(ed25519Sign(deviceSeed, signingMessage(unsigned))) };
}

/** The headers that authorise a form upload: the device and its signature over the form's hash. */
export function formUploadHeaders(
  upload: { electionId: string; station: string; device: string; sha256: string },
  deviceSeed: Uint8Array,
): Record<string, string> {
  const message = formUploadMessage(upload.electionId, upload.station, upload.sha256);
  return {
    [FORM_DEVICE_HEADER]: upload.device,
    [FORM_SIGNATURE_HEADER]: toBase64(ed25519Sign(deviceSeed, message)),
  };
}

/** RFC 3339 UTC to the second, as result entries carry it. */
export function deviceTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

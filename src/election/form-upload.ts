// What a device signs to upload a scanned form (FORMATS.md §10.3). Only a
// device enrolled at a station may store a form, so nobody else can fill the
// server's disk. The message is plain text, so it can never be mistaken for a
// result entry (canonical JSON, which starts with "{").
import { utf8 } from '../log/bytes.js';

/** The device's id (as enrolled) goes in this header. */
export const FORM_DEVICE_HEADER = 'kura-device';
/** Base64 of the device's Ed25519 signature over formUploadMessage goes in this header. */
export const FORM_SIGNATURE_HEADER = 'kura-form-signature';

/** "kura form v1\n<electionId>\n<station>\n<sha256>\n", UTF-8. */
export function formUploadMessage(electionId: string, station: string, sha256: string): Uint8Array {
  return utf8(`kura form v1\n${electionId}\n${station}\n${sha256}\n`);
}

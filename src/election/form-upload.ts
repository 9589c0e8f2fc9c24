// What a device signs to upload a scanned form (FORMATS.md §10.3). Only a
// device enrolled at a station may store a form, so nobody else can fill the
// server's disk. The message is plain text, so it can never be mistaken for a
// result entry (canonical JSON, which starts with "{").
import { utf8 } from '../log/bytes.js';

/** The device's id (as enrolled) goes in this header. */
export const FORM_DEVICE_HEADER = 'kura-device';
/** A party agent uploading the photo of its copy (a dissent's form) names its party here... */
export const FORM_PARTY_HEADER = 'kura-party';
/** ...and its agent id here; it signs with the agent key, for the station it is enrolled at. */
export const FORM_AGENT_HEADER = 'kura-agent';
/** Base64 of the device's (or agent's) Ed25519 signature over formUploadMessage goes in this header. */
export const FORM_SIGNATURE_HEADER = 'kura-form-signature';

/** "kura form v1\n<electionId>\n<station>\n<sha256>\n", UTF-8. */
export function formUploadMessage(electionId: string, station: string, sha256: string): Uint8Array {
  return utf8(`kura form v1\n${electionId}\n${station}\n${sha256}\n`);
}

/** The scans a server keeps, recognised by their first bytes (sniffFormType). */
export const FORM_TYPES = ['image/jpeg', 'image/png', 'application/pdf'] as const;

/** The media type a file's first bytes show, if it is one we keep. */
export function sniffFormType(data: Uint8Array): (typeof FORM_TYPES)[number] | null {
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (
    data[0] === 0x89 &&
    data[1] === 0x50 &&
    data[2] === 0x4e &&
    data[3] === 0x47 &&
    data[4] === 0x0d &&
    data[5] === 0x0a
  )
    return 'image/png';
  if (
    data[0] === 0x25 &&
    data[1] === 0x50 &&
    data[2] === 0x44 &&
    data[3] === 0x46 &&
    data[4] === 0x2d
  )
    return 'application/pdf';
  return null;
}

// Demo device keys: derived from public strings so that a simulator can sign
// as any device without a key file. Anyone can derive them too, so they are
// for demonstrations and tests only; a real election enrols keys generated on
// the devices themselves.

import { toBase64, utf8 } from '../log/bytes.js';
import { ed25519PublicKey, sha256 } from '../log/crypto.js';

/** SHA-256("kura demo device key\n" + electionId + "\n" + deviceId): the device's Ed25519 seed. */
export function demoDeviceSeed(electionId: string, deviceId: string): Uint8Array {
  return sha256(utf8(`kura demo device key\n${electionId}\n${deviceId}`));
}

export function demoDevicePublicKey(electionId: string, deviceId: string): string {
  return toBase64(ed25519PublicKey(demoDeviceSeed(electionId, deviceId)));
}

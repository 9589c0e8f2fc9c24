// DEMO device keys. Every device's private key is derived from public facts,
// so anyone can sign as any device: fine for the demo and the simulator, never
// for a real election.
//
//   demoDeviceSeed(electionId, deviceId) = SHA-256(utf8("kura demo device key\n" + electionId + "\n" + deviceId))
//
// The seed is the RFC 8032 Ed25519 private key.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ed25519PublicKey, sha256 } from '../log/crypto.js';

const encoder = new TextEncoder();

/** The 32-byte Ed25519 seed (private key) of a demo device. */
export function demoDeviceSeed(electionId: string, deviceId: string): Uint8Array {
  return sha256(encoder.encode(`kura demo device key\n${electionId}\n${deviceId}`));
}

/** The 32-byte Ed25519 public key of a demo device. */
export function demoDevicePublicKey(electionId: string, deviceId: string): Uint8Array {
  return publicKeyOf(demoDeviceSeed(electionId, deviceId));
}

/** Standard base64 of the demo device's public key (the form a Device carries). */
export function demoDevicePublicKeyBase64(electionId: string, deviceId: string): string {
  return Buffer.from(demoDevicePublicKey(electionId, deviceId)).toString('base64');
}

// The fast path. ed25519PublicKey in log/crypto.ts imports the seed as PKCS#8
// DER, which costs about 0.5 ms in OpenSSL 3's decoder; 46,229 keys would take
// over 20 s. Importing the same seed as a JWK goes straight to the raw-key
// constructor (about 45 us). Node's JWK import insists on an `x` member but
// derives the public key from `d`; the placeholder `x` is not used. Whether
// that holds is checked once against the reference implementation, and on any
// doubt the slow path is used.
const PLACEHOLDER_X = Buffer.alloc(32).toString('base64url');
let fastPathOk: boolean | undefined;

function fastPublicKey(seed: Uint8Array): Uint8Array {
  const key: KeyObject = createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: Buffer.from(seed).toString('base64url'),
      x: PLACEHOLDER_X,
    },
    format: 'jwk',
  });
  const x = (key.export({ format: 'jwk' }) as { x?: string }).x;
  if (typeof x !== 'string') throw new Error('no x in exported JWK');
  const out = Buffer.from(x, 'base64url');
  if (out.length !== 32) throw new Error('bad public key length');
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function publicKeyOf(seed: Uint8Array): Uint8Array {
  if (fastPathOk === undefined) {
    try {
      const probe = sha256(encoder.encode('kura demo device key self-test'));
      const a = fastPublicKey(probe);
      const b = ed25519PublicKey(probe);
      fastPathOk = a.length === b.length && a.every((v, i) => v === b[i]);
    } catch {
      fastPathOk = false;
    }
  }
  if (fastPathOk) {
    try {
      return fastPublicKey(seed);
    } catch {
      // fall through to the reference implementation
    }
  }
  return ed25519PublicKey(seed);
}

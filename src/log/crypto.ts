// SHA-256 and Ed25519 for the pure core. In Node the native node:crypto is
// used (it is an order of magnitude faster, and the server verifies thousands
// of signatures a second); in a browser, where there is no node:crypto, the
// audited @noble implementations give the same answers. Both are synchronous.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

type NodeCrypto = typeof import('node:crypto');

// process.getBuiltinModule exists from Node 20.16; absent in browsers.
const nodeCrypto: NodeCrypto | undefined = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;

// DER prefixes that wrap a raw 32-byte Ed25519 key for node:crypto (RFC 8410).
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

export function sha256(data: Uint8Array): Uint8Array {
  if (nodeCrypto) {
    const d = nodeCrypto.createHash('sha256').update(data).digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  return nobleSha256(data);
}

function withPrefix(prefix: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + key.length);
  out.set(prefix, 0);
  out.set(key, prefix.length);
  return out;
}

// Parsed public keys are cached: the same few thousand device keys verify many times.
const publicKeyCache = new Map<string, import('node:crypto').KeyObject>();

function nodePublicKey(nc: NodeCrypto, publicKey: Uint8Array) {
  const id = String.fromCharCode(...publicKey);
  let key = publicKeyCache.get(id);
  if (!key) {
    key = nc.createPublicKey({
      key: Buffer.from(withPrefix(SPKI_PREFIX, publicKey)),
      format: 'der',
      type: 'spki',
    });
    if (publicKeyCache.size > 200_000) publicKeyCache.clear();
    publicKeyCache.set(id, key);
  }
  return key;
}

/** The 32-byte Ed25519 public key for a 32-byte seed (the RFC 8032 private key). */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  if (nodeCrypto) {
    const priv = nodeCrypto.createPrivateKey({
      key: Buffer.from(withPrefix(PKCS8_PREFIX, seed)),
      format: 'der',
      type: 'pkcs8',
    });
    const spki = nodeCrypto.createPublicKey(priv).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  }
  return ed25519.getPublicKey(seed);
}

export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  if (nodeCrypto) {
    const priv = nodeCrypto.createPrivateKey({
      key: Buffer.from(withPrefix(PKCS8_PREFIX, seed)),
      format: 'der',
      type: 'pkcs8',
    });
    return new Uint8Array(nodeCrypto.sign(null, message, priv));
  }
  return ed25519.sign(message, seed);
}

/**
 * Verifies an Ed25519 signature. All three inputs may be attacker-controlled:
 * wrong lengths and malformed keys give false, never an exception.
 */
export function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    if (nodeCrypto)
      return nodeCrypto.verify(null, message, nodePublicKey(nodeCrypto, publicKey), signature);
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** Cryptographically random bytes (for new keys). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

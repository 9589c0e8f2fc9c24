// SHA-256 and Ed25519 for the pure core. In Node the native node:crypto is
// used (it is an order of magnitude faster, and the server verifies thousands
// of signatures a second); in a browser, where there is no node:crypto, the
// audited @noble implementations give the same answers. Both are synchronous.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { toHex } from './bytes.js';

type NodeCrypto = typeof import('node:crypto');

// process.getBuiltinModule exists from Node 20.16; absent in browsers.
const nodeCrypto: NodeCrypto | undefined = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;

// The one-shot crypto.hash (Node 20.12+) makes no Hash object: about 2.5x less
// CPU than createHash().update().digest() for an entry-sized input, and kura
// hashes every entry twice (leaf, receipt) wherever the log is checked.
type OneShot<T> = (
  algorithm: string,
  data: Uint8Array,
  encoding: T,
) => T extends 'hex' ? string : Buffer;
const oneShotHash = (nodeCrypto as { hash?: OneShot<'buffer'> } | undefined)?.hash;
const oneShotHex = (nodeCrypto as { hash?: OneShot<'hex'> } | undefined)?.hash;

export function sha256(data: Uint8Array): Uint8Array {
  if (oneShotHash) {
    const d = oneShotHash('sha256', data, 'buffer');
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  if (nodeCrypto) {
    const d = nodeCrypto.createHash('sha256').update(data).digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  return nobleSha256(data);
}

/** SHA-256 as lowercase hex (the one-shot hash spells it out natively). */
export function sha256Hex(data: Uint8Array): string {
  return oneShotHex ? oneShotHex('sha256', data, 'hex') : toHex(sha256(data));
}

// Keys are handed to node:crypto as JWKs: OpenSSL 3's DER decoders cost about
// 100-500 us per key, the JWK path about 15-100 us, and a server sees tens of
// thousands of distinct device keys.
const b64url = (b: Uint8Array) =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

// Parsed keys are cached: the same device keys verify (and, in simulations, sign) many times.
// A parsed key holds about 1.3 KB of OpenSSL memory outside the JS heap, and a
// server's verifying threads each see every device: their caches are kept to
// the keys of recent results (a device sends its contests' results together).
const publicKeyCache = new Map<string, import('node:crypto').KeyObject>();
const privateKeyCache = new Map<string, import('node:crypto').KeyObject>();
/** Public keys cached at most: 4,096 keys, about 5 MB; a key parsed again costs 15-100 us. */
export const PUBLIC_KEY_CACHE_LIMIT = 4096;
const PRIVATE_KEY_CACHE_LIMIT = 200_000;

function cached(
  cache: Map<string, import('node:crypto').KeyObject>,
  limit: number,
  id: string,
  make: () => import('node:crypto').KeyObject,
) {
  let key = cache.get(id);
  if (!key) {
    key = make();
    if (cache.size >= limit) cache.clear();
    cache.set(id, key);
  }
  return key;
}

/** How many parsed public keys this thread holds (tests: the cache stays bounded). */
export function cachedPublicKeys(): number {
  return publicKeyCache.size;
}

function nodePublicKey(nc: NodeCrypto, publicKey: Uint8Array) {
  const x = b64url(publicKey);
  return cached(publicKeyCache, PUBLIC_KEY_CACHE_LIMIT, x, () =>
    nc.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }),
  );
}

// Node's JWK import requires an `x` member but derives the key pair from `d`
// alone; a placeholder `x` saves computing the public key first. That this
// holds is checked once against RFC 8032 test vector 1; if not, the real `x`
// (derived through the slow PKCS#8 path) is used.
const PLACEHOLDER_X = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
let placeholderWorks: boolean | undefined;

function nodePrivateKey(nc: NodeCrypto, seed: Uint8Array) {
  const d = b64url(seed);
  return cached(privateKeyCache, PRIVATE_KEY_CACHE_LIMIT, d, () => {
    if (placeholderWorks === undefined) placeholderWorks = checkPlaceholder(nc);
    if (placeholderWorks)
      return nc.createPrivateKey({
        key: { kty: 'OKP', crv: 'Ed25519', d, x: PLACEHOLDER_X },
        format: 'jwk',
      });
    const der = Buffer.concat([PKCS8_PREFIX, seed]);
    return nc.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  });
}

function checkPlaceholder(nc: NodeCrypto): boolean {
  // RFC 8032 section 7.1, TEST 1.
  const seed = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
  const pub = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
  try {
    const k = nc.createPrivateKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        d: Buffer.from(seed, 'hex').toString('base64url'),
        x: PLACEHOLDER_X,
      },
      format: 'jwk',
    });
    // Both the public key made from it and its own JWK (ed25519PublicKey) must say the real x.
    const x = (nc.createPublicKey(k).export({ format: 'jwk' }) as { x?: string }).x;
    const own = (k.export({ format: 'jwk' }) as { x?: string }).x;
    const hex = (b64: string | undefined) =>
      b64 === undefined ? undefined : Buffer.from(b64, 'base64url').toString('hex');
    return hex(x) === pub && hex(own) === pub;
  } catch {
    return false;
  }
}

/** The 32-byte Ed25519 public key for a 32-byte seed (the RFC 8032 private key). */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  if (nodeCrypto) {
    const jwk = publicKeyOfSeed(nodeCrypto, seed).export({ format: 'jwk' }) as { x: string };
    return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
  }
  return ed25519.getPublicKey(seed);
}

/**
 * A key whose JWK export has the seed's public key x. Importing the seed
 * computes the public key (the costly part: one scalar multiplication); the
 * private key's own JWK export then says it, so no public KeyObject is made
 * (checkPlaceholder checks that it says the real x), and the key is not
 * cached: kura verify derives tens of thousands of public demo keys once each
 * (demo-keys.ts), which would otherwise fill the cache of signing keys. DER
 * (PKCS#8 in, SPKI out) costs about ten times as much as this JWK path.
 */
function publicKeyOfSeed(nc: NodeCrypto, seed: Uint8Array): import('node:crypto').KeyObject {
  const d = b64url(seed);
  const signing = privateKeyCache.get(d);
  if (signing) return signing;
  if (placeholderWorks === undefined) placeholderWorks = checkPlaceholder(nc);
  if (placeholderWorks)
    return nc.createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d, x: PLACEHOLDER_X },
      format: 'jwk',
    });
  return nc.createPublicKey(nodePrivateKey(nc, seed));
}

export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  if (nodeCrypto)
    return new Uint8Array(nodeCrypto.sign(null, message, nodePrivateKey(nodeCrypto, seed)));
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
    // zip215: false gives RFC 8032 verification, as OpenSSL does, so browser and server agree.
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

// The encodings of Ed25519's eight small-order points, canonical and not
// (Chalkias et al., "Taming the many EdDSAs", 2020). Under such a public key a
// signature can be made without any private key, so none may be enrolled.
// test/log/crypto.test.ts checks each canonical one really has small order.
export const SMALL_ORDER_ENCODINGS: readonly string[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  // Non-canonical encodings of the same points (y >= p, or x = 0 with the sign bit set).
  '0100000000000000000000000000000000000000000000000000000000000080',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
];
const smallOrder = new Set(SMALL_ORDER_ENCODINGS);
/** Their first bytes: most keys differ there, and need no hex made of them. */
const smallOrderFirstBytes = new Set(
  SMALL_ORDER_ENCODINGS.map((h) => Number.parseInt(h.slice(0, 2), 16)),
);

/** True for a public key of small order (see SMALL_ORDER_ENCODINGS). A set lookup: cheap for 46,000 devices. */
export function isWeakEd25519Key(publicKey: Uint8Array): boolean {
  if (!smallOrderFirstBytes.has(publicKey[0] ?? -1)) return false;
  return smallOrder.has(toHex(publicKey));
}

/** Cryptographically random bytes (for new keys). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from '../../src/log/bytes.js';
import {
  cachedPublicKeys,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  isWeakEd25519Key,
  PUBLIC_KEY_CACHE_LIMIT,
  SMALL_ORDER_ENCODINGS,
  sha256,
  sha256Hex,
} from '../../src/log/crypto.js';

test('every listed canonical small-order encoding is a point of small order; real keys are not flagged', () => {
  let canonical = 0;
  for (const hex of SMALL_ORDER_ENCODINGS) {
    const bytes = fromHex(hex) as Uint8Array;
    assert.ok(isWeakEd25519Key(bytes), hex);
    let point: ReturnType<typeof ed25519.Point.fromBytes> | undefined;
    try {
      point = ed25519.Point.fromBytes(bytes);
    } catch {
      continue; // a non-canonical encoding the strict decoder refuses
    }
    if (point.toHex() === hex) canonical += 1;
    assert.ok(point.isSmallOrder(), `${hex} decodes to a point of small order`);
  }
  assert.equal(canonical, 8, 'all eight small-order points are listed in canonical form');
  for (let i = 0; i < 200; i++)
    assert.equal(isWeakEd25519Key(ed25519PublicKey(sha256(Uint8Array.of(i)))), false);
});

test('node:crypto and noble agree on honest signatures (RFC 8032 test 1)', () => {
  const seed = fromHex(
    '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  ) as Uint8Array;
  const pub = ed25519PublicKey(seed);
  assert.equal(
    Buffer.from(pub).toString('hex'),
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  );
  const sig = ed25519Sign(seed, new Uint8Array(0));
  assert.equal(Buffer.from(sig).toString('hex').slice(0, 32), 'e5564300c360ac729086e2cc806e828a');
  assert.ok(ed25519Verify(pub, new Uint8Array(0), sig));
  assert.ok(ed25519.verify(sig, new Uint8Array(0), pub, { zip215: false }));
  assert.equal(ed25519Verify(pub, Uint8Array.of(1), sig), false);
});

test('sha256 and sha256Hex (node:crypto one-shot) agree with noble, on views into a larger buffer too', () => {
  assert.equal(
    sha256Hex(new TextEncoder().encode('abc')),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  const big = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31 + 7) & 0xff);
  for (const [start, length] of [
    [0, 0],
    [0, 1],
    [5, 55],
    [9, 56],
    [1, 64],
    [100, 650],
    [17, 2983],
  ] as const) {
    const view = big.subarray(start, start + length);
    const want = nobleSha256(view);
    assert.deepEqual(sha256(view), want, `${start}+${length}`);
    assert.equal(sha256Hex(view), toHex(want), `${start}+${length}`);
  }
});

test('parsed public keys are cached up to a bound: a server sees every device of the night', () => {
  // Each parsed key holds about 1.3 KB outside the JS heap, per verifying thread:
  // the 46,229 Kenya devices would keep about 60 MB in each.
  const message = new TextEncoder().encode('a result');
  const seed = new Uint8Array(32);
  let most = 0;
  for (let i = 0; i < PUBLIC_KEY_CACHE_LIMIT + 500; i++) {
    new DataView(seed.buffer).setUint32(0, i);
    const pub = ed25519PublicKey(seed);
    const sig = ed25519Sign(seed, message);
    assert.ok(ed25519Verify(pub, message, sig));
    most = Math.max(most, cachedPublicKeys());
  }
  assert.ok(most <= PUBLIC_KEY_CACHE_LIMIT, `${most} public keys cached`);
  assert.ok(most >= PUBLIC_KEY_CACHE_LIMIT / 2, `${most} public keys cached`);
});

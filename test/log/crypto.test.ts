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

test('ed25519PublicKey: the RFC 8032 test vectors, noble for other seeds, and signing after it', () => {
  // RFC 8032 section 7.1: TEST 1, 2, 3, 1024 and SHA(abc).
  for (const [seed, pub] of [
    [
      '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    ],
    [
      '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    ],
    [
      'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
      'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    ],
    [
      'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
      '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
    ],
    [
      '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
      'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    ],
  ] as const)
    assert.equal(toHex(ed25519PublicKey(fromHex(seed) as Uint8Array)), pub, seed);
  const message = new TextEncoder().encode('a result');
  for (let i = 0; i < 50; i++) {
    const seed = nobleSha256(Uint8Array.of(7, i));
    const pub = ed25519PublicKey(seed);
    assert.deepEqual(pub, ed25519.getPublicKey(seed), `seed ${i}`);
    // Derived first, then signed with (and derived again once its signing key is cached).
    const sig = ed25519Sign(seed, message);
    assert.ok(ed25519.verify(sig, message, pub, { zip215: false }));
    assert.deepEqual(ed25519PublicKey(seed), pub);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import {
  concat,
  equal,
  fromBase64,
  fromHex,
  fromUtf8,
  isWellFormedString,
  parseDecimal,
  readUint32be,
  readUint64be,
  toBase64,
  toHex,
  uint32be,
  uint64be,
  utf8,
} from '../../src/log/bytes.js';

test('hex round-trips and matches Buffer', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      const h = toHex(b);
      assert.equal(h, Buffer.from(b).toString('hex'));
      assert.deepEqual(fromHex(h), b);
      assert.deepEqual(fromHex(h.toUpperCase()), b);
    }),
  );
});

test('a kept hex string costs about its characters, not a rope of one piece per byte', () => {
  // The writer keeps a hash's hex per counted result: built with +=, each cost
  // about 1.5 KB of heap (a rope node and a 2-character string per byte).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const n = 20_000;
  const bytes = new Uint8Array(32).map((_, i) => i * 37);
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = [];
  for (let i = 0; i < n; i++) {
    bytes[0] = i & 255;
    bytes[1] = i >> 8;
    kept.push(toHex(bytes));
  }
  gc();
  const each = (process.memoryUsage().heapUsed - before) / n;
  assert.equal(new Set(kept).size, n);
  assert.ok(each < 300, `${each.toFixed(0)} bytes of heap per kept 64-character hex string`);
});

test('hex rejects odd length and bad digits', () => {
  for (const bad of ['0', 'abc', 'zz', '0g', ' 00', '0x00', '+1'])
    assert.equal(fromHex(bad), undefined, bad);
  assert.deepEqual(fromHex(''), new Uint8Array(0));
});

test('base64 round-trips and matches Buffer', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      const s = toBase64(b);
      assert.equal(s, Buffer.from(b).toString('base64'));
      assert.deepEqual(fromBase64(s), b);
    }),
  );
});

test('base64 decoding is strict', () => {
  const bad = [
    'A', // length
    'AA', // missing padding
    'AAA',
    'AA=', // length 3
    'A===', // too much padding
    '====',
    'AA==AA==', // padding in the middle
    '=AAA',
    'AB==', // non-zero trailing bits ('B' leaves bits set)
    'AAB=', // non-zero trailing bits
    'AA-_', // URL alphabet
    'AA A', // whitespace
    'AAAA\n',
    'ÄAAA',
  ];
  for (const s of bad) assert.equal(fromBase64(s), undefined, JSON.stringify(s));
  assert.deepEqual(fromBase64(''), new Uint8Array(0));
  assert.deepEqual(fromBase64('AA=='), Uint8Array.of(0));
  assert.deepEqual(fromBase64('AAE='), Uint8Array.of(0, 1));
  assert.deepEqual(fromBase64('+/+/'), Uint8Array.of(0xfb, 0xff, 0xbf));
});

test('utf8 strict decoding', () => {
  assert.equal(fromUtf8(utf8('— é 😀')), '— é 😀');
  assert.equal(fromUtf8(Uint8Array.of(0xff)), undefined);
  assert.equal(fromUtf8(Uint8Array.of(0xc3)), undefined); // truncated
  assert.equal(fromUtf8(Uint8Array.of(0xed, 0xa0, 0x80)), undefined); // encoded surrogate
  assert.equal(isWellFormedString('a😀b'), true);
  assert.equal(isWellFormedString('a\uD800b'), false);
  assert.equal(isWellFormedString('\uDC00'), false);
});

test('concat, equal, integers, decimals', () => {
  assert.deepEqual(
    concat(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)),
    Uint8Array.of(1, 2, 3),
  );
  assert.equal(equal(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
  assert.equal(equal(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
  assert.equal(equal(Uint8Array.of(1), Uint8Array.of(1, 0)), false);
  assert.equal(readUint32be(uint32be(0xdeadbeef)), 0xdeadbeef);
  assert.deepEqual(uint32be(0x01020304), Uint8Array.of(1, 2, 3, 4));
  assert.equal(readUint64be(uint64be(2n ** 63n - 1n)), 2n ** 63n - 1n);
  assert.throws(() => uint32be(-1));
  assert.throws(() => uint64be(2n ** 64n));
  assert.equal(parseDecimal('0'), 0);
  assert.equal(parseDecimal('9007199254740991'), Number.MAX_SAFE_INTEGER);
  for (const bad of [
    '',
    '00',
    '01',
    '-1',
    '+1',
    '1.0',
    '1e3',
    ' 1',
    '9007199254740992',
    '0x10',
    '١',
  ]) {
    assert.equal(parseDecimal(bad), undefined, bad);
  }
});

// The ballot sampler's own SHA-256 (a shared prefix compressed once) against
// @noble/hashes, for every tail length it accepts and prefixes of 0-2 blocks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { PrefixedSha256 } from '../../src/audit/prefixed-sha256.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('equals SHA-256 of prefix + tail for tails of 0..119 bytes', () => {
  const out = new Int32Array(8);
  for (const blocks of [0, 1, 2]) {
    const prefix = Uint8Array.from({ length: 64 * blocks }, (_, i) => (i * 131 + 7) & 255);
    const hasher = new PrefixedSha256(prefix);
    for (let length = 0; length <= 119; length++) {
      const tail = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 255);
      hasher.digestInto(tail, length, out);
      const got = [...out].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
      assert.equal(got, hex(sha256(Uint8Array.from([...prefix, ...tail]))), `${blocks}+${length}`);
    }
  }
});

test('refuses a prefix of part of a block and a tail over 119 bytes', () => {
  assert.throws(() => new PrefixedSha256(new Uint8Array(63)), /not whole 64-byte blocks/);
  const hasher = new PrefixedSha256(new Uint8Array(64));
  assert.throws(() => hasher.digestInto(new Uint8Array(120), 120, new Int32Array(8)), /over 119/);
});

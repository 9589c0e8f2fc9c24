import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../../src/log/bytes.js';
import {
  consistencyProofRanges,
  emptyRoot,
  inclusionProofRanges,
  leafHash,
  MerkleTree,
  nodeHash,
  rootFromLeafHashes,
} from '../../src/log/merkle.js';
import { derived } from './vectors.js';

const hex = (s: string) => fromHex(s) as Uint8Array;

test('RFC 6962 hasher vectors', () => {
  const v = derived().rfc6962;
  const [empty, emptyLeaf, leafL, nodeN] = v.hasher;
  assert.equal(toHex(emptyRoot()), empty?.wantHex);
  assert.equal(toHex(leafHash(new Uint8Array(0))), emptyLeaf?.wantHex);
  assert.equal(toHex(leafHash(utf8('L123456'))), leafL?.wantHex);
  assert.equal(toHex(nodeHash(utf8('N123'), utf8('N456'))), nodeN?.wantHex);
});

test('leaf hashes and roots for sizes 0..8', () => {
  const v = derived().rfc6962;
  const leaves = v.leafInputsHex.map((h) => leafHash(hex(h)));
  assert.deepEqual(leaves.map(toHex), v.leafHashesHex);
  const tree = new MerkleTree(leaves);
  for (let n = 0; n <= 8; n++) {
    assert.equal(
      toHex(rootFromLeafHashes(leaves.slice(0, n))),
      v.rootHashesBySizeHex[n],
      `size ${n}`,
    );
    assert.equal(toHex(tree.root(n)), v.rootHashesBySizeHex[n], `tree size ${n}`);
  }
  assert.equal(toBase64(tree.root()), v.root8Base64);
  assert.deepEqual(fromBase64(v.root8Base64), tree.root(8));
});

/** The RFC 6962 definition, recursively, as an independent reference. */
function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return leaves[0] as Uint8Array;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function refPath(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k
    ? [...refPath(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...refPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

function refSubproof(m: number, leaves: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [mth(leaves)];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m <= k
    ? [...refSubproof(m, leaves.slice(0, k), b), mth(leaves.slice(k))]
    : [...refSubproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

const leavesFor = (n: number) => Array.from({ length: n }, (_, i) => leafHash(utf8(`leaf ${i}`)));

test('MerkleTree agrees with the recursive RFC definitions', () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 70 })
        .chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1), fc.integer({ min: 1, max: n }))),
      ([n, i, m]) => {
        const leaves = leavesFor(n);
        const tree = new MerkleTree(leaves);
        assert.deepEqual(tree.root(), mth(leaves));
        assert.deepEqual(rootFromLeafHashes(leaves), mth(leaves));
        assert.deepEqual(tree.inclusionProof(i), refPath(i, leaves));
        assert.deepEqual(tree.consistencyProof(m), refSubproof(m, leaves, true));
      },
    ),
    { numRuns: 200 },
  );
});

test('proof ranges reject bad arguments (programmer errors throw)', () => {
  assert.throws(() => inclusionProofRanges(3, 3), RangeError);
  assert.throws(() => inclusionProofRanges(-1, 3), RangeError);
  assert.throws(() => consistencyProofRanges(0, 3), RangeError);
  assert.throws(() => consistencyProofRanges(4, 3), RangeError);
  assert.deepEqual(consistencyProofRanges(3, 3), []);
  assert.deepEqual(inclusionProofRanges(0, 1), []);
  const t = new MerkleTree(leavesFor(3));
  assert.throws(() => t.root(4), RangeError);
  assert.throws(() => t.inclusionProof(0, 4), RangeError);
  assert.throws(() => t.append(new Uint8Array(31)), RangeError);
});

test('proof ranges work for sizes near 2^53', () => {
  const n = Number.MAX_SAFE_INTEGER;
  // Leaf 0 sits at depth ceil(log2 n) = 53; the last leaf of 53 one-bits at depth 52.
  assert.equal(inclusionProofRanges(0, n).length, 53);
  const r = inclusionProofRanges(n - 1, n);
  assert.equal(r.length, 52);
  const c = consistencyProofRanges(2 ** 52 + 1, n);
  assert.ok(c.length > 0 && c.length <= 106);
  for (const [lo, hi] of [...r, ...c])
    assert.ok(Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && lo < hi && hi <= n);
});

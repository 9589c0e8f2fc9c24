// Property tests: proofs from random trees verify, and every tampering fails.
//
// Changing the claimed tree size does not always break an RFC 6962 proof (the
// proof for leaf 0 of a 3-leaf tree has the same shape as one for a 4-leaf
// tree). So size changes are checked against an oracle built from the proof
// *generation* side: it writes each root as a symbolic expression over the
// proof elements, and a modified claim must verify exactly when its
// expressions equal the original ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { utf8 } from '../../src/log/bytes.js';
import type { LeafRange } from '../../src/log/merkle.js';
import {
  consistencyProofRanges,
  inclusionProofRanges,
  leafHash,
  MerkleTree,
  splitPoint,
} from '../../src/log/merkle.js';
import { verifyConsistency, verifyInclusion } from '../../src/log/proof.js';

function treeOf(n: number, salt: number): MerkleTree {
  return new MerkleTree(Array.from({ length: n }, (_, i) => leafHash(utf8(`${salt}/${i}`))));
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  const i = Math.floor(bit / 8) % c.length;
  c[i] = (c[i] as number) ^ (1 << (bit % 8));
  return c;
}

function withElement(
  list: readonly Uint8Array[],
  j: number,
  f: (b: Uint8Array) => Uint8Array,
): Uint8Array[] {
  return list.map((x, k) => (k === j ? f(x) : x));
}

function expr(lo: number, hi: number, labels: Map<string, string>): string | undefined {
  const l = labels.get(`${lo},${hi}`);
  if (l) return l;
  if (hi - lo <= 1) return undefined;
  const k = splitPoint(hi - lo);
  const a = expr(lo, lo + k, labels);
  const b = expr(lo + k, hi, labels);
  return a && b ? `H(${a},${b})` : undefined;
}

function labelRanges(ranges: readonly LeafRange[]): Map<string, string> {
  return new Map(ranges.map(([lo, hi], j) => [`${lo},${hi}`, `p${j}`]));
}

function inclusionOracle(index: number, size: number, proofLength: number): string | undefined {
  if (index < 0 || index >= size) return undefined;
  const ranges = inclusionProofRanges(index, size);
  if (ranges.length !== proofLength) return undefined;
  const labels = labelRanges(ranges);
  labels.set(`${index},${index + 1}`, 'L');
  return expr(0, size, labels);
}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

function consistencyOracle(m: number, n: number, proofLength: number): string | undefined {
  if (m < 1 || m >= n) return undefined; // m == n needs an empty proof; ours are never empty here
  const ranges = consistencyProofRanges(m, n);
  if (ranges.length !== proofLength) return undefined;
  const labels = labelRanges(ranges);
  if (isPow2(m)) labels.set(`0,${m}`, 'R1');
  const r1 = expr(0, m, labels);
  const r2 = expr(0, n, labels);
  return r1 && r2 ? `${r1} ${r2}` : undefined;
}

const treeAndIndex = fc
  .integer({ min: 1, max: 300 })
  .chain((n) => fc.record({ n: fc.constant(n), i: fc.nat(n - 1), salt: fc.nat() }));

test('inclusion proofs verify and any tampering fails', () => {
  fc.assert(
    fc.property(treeAndIndex, fc.nat(), fc.nat(), ({ n, i, salt }, pick, bit) => {
      const t = treeOf(n, salt);
      const leaf = t.subtreeHash({ height: 0, index: i });
      const proof = t.inclusionProof(i);
      const root = t.root();
      assert.ok(verifyInclusion(leaf, i, n, proof, root));
      assert.ok(!verifyInclusion(flipBit(leaf, bit), i, n, proof, root), 'leaf bit');
      assert.ok(!verifyInclusion(leaf, i, n, proof, flipBit(root, bit)), 'root bit');
      if (proof.length > 0) {
        const j = pick % proof.length;
        assert.ok(
          !verifyInclusion(
            leaf,
            i,
            n,
            withElement(proof, j, (x) => flipBit(x, bit)),
            root,
          ),
          'proof bit',
        );
        assert.ok(!verifyInclusion(leaf, i, n, proof.slice(0, -1), root), 'truncated');
        assert.ok(!verifyInclusion(leaf, i, n, proof.slice(1), root), 'first removed');
      }
      assert.ok(!verifyInclusion(leaf, i, n, [...proof, root], root), 'extended');
      assert.ok(!verifyInclusion(leaf, i, n, [root, ...proof], root), 'prefixed');
      // Another index, in or out of range.
      const other = (i + 1 + (pick % (n + 2))) % (n + 3);
      if (other !== i) assert.ok(!verifyInclusion(leaf, other, n, proof, root), `index ${other}`);
      // Other sizes: exactly when the oracle's expression matches.
      const want = inclusionOracle(i, n, proof.length);
      assert.ok(want);
      for (const s of [n - 1, n + 1, n * 2, Math.floor(n / 2), n + 1 + (pick % 50), 0]) {
        if (s === n) continue;
        const expected: boolean = inclusionOracle(i, s, proof.length) === want;
        assert.equal(verifyInclusion(leaf, i, s, proof, root), expected, `size ${n} -> ${s}`);
      }
    }),
    { numRuns: 300 },
  );
});

test('the size oracle is not vacuous (some size changes do verify)', () => {
  const t = treeOf(3, 1);
  const proof = t.inclusionProof(0);
  assert.ok(verifyInclusion(t.subtreeHash({ height: 0, index: 0 }), 0, 4, proof, t.root()));
});

const treeAndSizes = fc
  .integer({ min: 2, max: 300 })
  .chain((n) =>
    fc.record({ n: fc.constant(n), m: fc.integer({ min: 1, max: n - 1 }), salt: fc.nat() }),
  );

test('consistency proofs verify and any tampering fails', () => {
  fc.assert(
    fc.property(treeAndSizes, fc.nat(), fc.nat(), ({ n, m, salt }, pick, bit) => {
      const t = treeOf(n, salt);
      const proof = t.consistencyProof(m, n);
      const r1 = t.root(m);
      const r2 = t.root(n);
      assert.ok(verifyConsistency(m, n, proof, r1, r2));
      assert.ok(proof.length > 0);
      const j = pick % proof.length;
      assert.ok(
        !verifyConsistency(
          m,
          n,
          withElement(proof, j, (x) => flipBit(x, bit)),
          r1,
          r2,
        ),
        'proof bit',
      );
      assert.ok(!verifyConsistency(m, n, proof, flipBit(r1, bit), r2), 'root1 bit');
      assert.ok(!verifyConsistency(m, n, proof, r1, flipBit(r2, bit)), 'root2 bit');
      assert.ok(!verifyConsistency(m, n, proof, r2, r1), 'swapped roots');
      assert.ok(!verifyConsistency(m, n, proof.slice(0, -1), r1, r2), 'truncated');
      assert.ok(!verifyConsistency(m, n, [...proof, r2], r1, r2), 'extended');
      assert.ok(!verifyConsistency(m, n, [r1, ...proof], r1, r2), 'prefixed');
      assert.ok(!verifyConsistency(0, n, proof, r1, r2), 'size1 = 0');
      assert.ok(!verifyConsistency(n, m, proof, r1, r2), 'sizes swapped');
      const want = consistencyOracle(m, n, proof.length);
      assert.ok(want);
      const k = 1 + (pick % 40);
      for (const [a, b] of [
        [m - 1, n],
        [m + 1, n],
        [m, n - 1],
        [m, n + 1],
        [m + k, n + k],
        [m, n + k],
        [Math.max(1, m - k), n],
      ] as const) {
        if (a === m && b === n) continue;
        const expected: boolean = consistencyOracle(a, b, proof.length) === want;
        assert.equal(
          verifyConsistency(a, b, proof, r1, r2),
          expected,
          `sizes ${m},${n} -> ${a},${b}`,
        );
      }
    }),
    { numRuns: 300 },
  );
});

test('equal sizes: empty proof and equal roots', () => {
  const t = treeOf(5, 2);
  assert.ok(verifyConsistency(5, 5, [], t.root(), t.root()));
  assert.ok(!verifyConsistency(5, 5, [t.root()], t.root(), t.root()));
  assert.ok(!verifyConsistency(5, 5, [], t.root(), t.root(4)));
  assert.ok(!verifyConsistency(0, 0, [], t.root(0), t.root(0)));
});

test('hostile arguments give false, not exceptions', () => {
  const t = treeOf(8, 3);
  const leaf = t.subtreeHash({ height: 0, index: 1 });
  const proof = t.inclusionProof(1);
  const root = t.root();
  for (const [i, n] of [
    [Number.NaN, 8],
    [1, Number.POSITIVE_INFINITY],
    [1.5, 8],
    [-1, 8],
    [1, 2 ** 64],
  ]) {
    assert.equal(verifyInclusion(leaf, i as number, n as number, proof, root), false);
  }
  assert.equal(verifyInclusion(leaf.subarray(1), 1, 8, proof, root), false);
  assert.equal(verifyInclusion(leaf, 1, 8, [new Uint8Array(33), ...proof.slice(1)], root), false);
  assert.equal(verifyInclusion(leaf, 1, 8, Array(100).fill(root), root), false);
  assert.equal(verifyConsistency(Number.NaN, 8, t.consistencyProof(3), t.root(3), root), false);
  assert.equal(verifyConsistency(3, 8, [new Uint8Array(0)], t.root(3), root), false);
});

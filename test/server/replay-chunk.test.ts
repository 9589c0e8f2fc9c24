// The per-entry half of the start-up replay (replay-chunk.ts) and the compact
// ranges it hands back (compact-range.ts): the roots at the cut sizes, built
// from a frontier and a chunk's ranges, are the trees' real roots, for chunks
// that start anywhere; a changed byte and a stored hash of the wrong length
// are found at their entry; undecodable bytes are marked, not thrown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leafHash, rootFromLeafHashes } from '../../src/log/merkle.js';
import { CompactRange } from '../../src/server/compact-range.js';
import { checkEntryChunk, chunkOfPage } from '../../src/server/replay-chunk.js';
import type { StoredEntryPage } from '../../src/store/store.js';

const text = new TextEncoder();
const entries = Array.from({ length: 300 }, (_, i) =>
  text.encode(i % 50 === 7 ? `not json ${i}` : `{"n":${i}}`),
);
const leaves = entries.map((e) => leafHash(e));

function page(from: number, to: number): StoredEntryPage {
  const rows = entries.slice(from, to);
  const offsets = new Uint32Array(rows.length + 1);
  rows.forEach((r, k) => {
    offsets[k + 1] = (offsets[k] as number) + r.length;
  });
  const bytes = new Uint8Array(offsets[rows.length] as number);
  rows.forEach((r, k) => {
    bytes.set(r, offsets[k]);
  });
  const leafHashes = new Uint8Array(rows.length * 32);
  leaves.slice(from, to).forEach((h, k) => {
    leafHashes.set(h, k * 32);
  });
  return {
    indexes: rows.map((_, k) => from + k),
    bytes,
    offsets,
    leafHashes,
    kinds: rows.map(() => 'x'),
    contests: rows.map(() => null),
    stations: rows.map(() => null),
  };
}

test('the frontier and chunk ranges give the root at every cut, from any start', () => {
  for (const [begin, end] of [
    [0, 300],
    [1, 2],
    [5, 133],
    [127, 300],
    [256, 257],
    [0, 256],
  ] as const) {
    const frontier = new CompactRange(0);
    for (const h of leaves.slice(0, begin)) frontier.appendLeaf(h);
    assert.deepEqual(frontier.root(), rootFromLeafHashes(leaves.slice(0, begin)));
    const cuts = Array.from({ length: end - begin }, (_, k) => k + 1);
    const p = page(begin - (begin % 3), end);
    const first = begin % 3;
    const checked = checkEntryChunk(chunkOfPage(p, first, end - begin, begin, cuts));
    assert.equal(checked.firstBadHash, -1);
    checked.ranges.forEach((range, k) => {
      const size = begin + (cuts[k] as number);
      assert.deepEqual(
        frontier.rootWith(range),
        rootFromLeafHashes(leaves.slice(0, size)),
        `root at ${size} from ${begin}`,
      );
    });
    frontier.appendRange(checked.range);
    assert.equal(frontier.end, end);
    assert.deepEqual(frontier.root(), rootFromLeafHashes(leaves.slice(0, end)));
    assert.deepEqual(checked.hashes, new Uint8Array(Buffer.concat(leaves.slice(begin, end))));
    checked.decodes.forEach((d, k) => {
      const i = begin + k;
      assert.equal(d, 0, `entry ${i} is no kura entry`);
    });
    // The roots of the full tiles of leaves wholly in the chunk (none but tile 0 here).
    const firstTile = Math.ceil(begin / 256);
    const roots: Uint8Array[] = [];
    for (let t = firstTile; (t + 1) * 256 <= end; t++)
      roots.push(rootFromLeafHashes(leaves.slice(t * 256, (t + 1) * 256)));
    assert.equal(checked.firstTile, firstTile);
    assert.deepEqual(checked.tileRoots, new Uint8Array(Buffer.concat(roots)), `${begin}..${end}`);
    assert.equal(roots.length, begin === 0 && end >= 256 ? 1 : 0);
  }
});

test('a changed byte or a stored hash of another length is found at its entry', () => {
  const p = page(0, 300);
  const at = (p.offsets[200] as number) + 2;
  p.bytes[at] = (p.bytes[at] as number) ^ 1;
  assert.equal(checkEntryChunk(chunkOfPage(p, 150, 100, 150, [])).firstBadHash, 50);
  assert.equal(checkEntryChunk(chunkOfPage(p, 0, 150, 0, [])).firstBadHash, -1);
  const q = page(0, 10);
  q.leafHashes.fill(0, 3 * 32, 4 * 32);
  assert.equal(checkEntryChunk(chunkOfPage(q, 0, 10, 0, [])).firstBadHash, 3);
});

test('a chunk the store has hashed (no bytes): its leaf hashes taken as they are, the same ranges', () => {
  const p = page(0, 300);
  const cuts = [1, 56, 200];
  const fromBytes = checkEntryChunk(chunkOfPage(p, 40, 200, 40, cuts));
  const bare = {
    ...p,
    bytes: new Uint8Array(0),
    offsets: new Uint32Array(p.indexes.length + 1),
  };
  const hashed = checkEntryChunk(chunkOfPage(bare, 40, 200, 40, cuts, false, true));
  assert.deepEqual(hashed.hashes, fromBytes.hashes);
  assert.deepEqual(hashed.ranges, fromBytes.ranges);
  assert.deepEqual(hashed.range, fromBytes.range);
  assert.equal(hashed.firstBadHash, -1);
  assert.ok(hashed.decodes.every((d) => d === 0));
  // Taken as they are: a changed stored hash changes the ranges (the store has the finding).
  bare.leafHashes[41 * 32] = (bare.leafHashes[41 * 32] as number) ^ 1;
  const changed = checkEntryChunk(chunkOfPage(bare, 40, 200, 40, cuts, false, true));
  assert.equal(changed.firstBadHash, -1);
  assert.notDeepEqual(changed.range, fromBytes.range);
});

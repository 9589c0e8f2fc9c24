import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Result } from '../../src/basics/result.js';
import { fromBase64, toBase64, toHex, utf8 } from '../../src/log/bytes.js';
import { parseCheckpoint } from '../../src/log/checkpoint.js';
import { sha256 } from '../../src/log/crypto.js';
import type { LogErrorCode } from '../../src/log/errors.js';
import { leafHash, MerkleTree, rootFromLeafHashes } from '../../src/log/merkle.js';
import { parseNote } from '../../src/log/note.js';
import type { Tile, TileReader } from '../../src/log/tiles.js';
import {
  buildTiles,
  decodeEntryBundle,
  decodeEntryBundleViews,
  edgeTiles,
  encodeEntryBundle,
  encodeEntryBundleOf,
  entryBundlePath,
  formatTileIndex,
  newTiles,
  parseTilePath,
  proveConsistencyFromTiles,
  proveInclusionFromTiles,
  proveInclusionsFromTiles,
  TiledLogBuilder,
  tilePath,
  tilesForSize,
  treeRootFromTiles,
} from '../../src/log/tiles.js';
import { derived, readVectorBytes, readVectorText, SUNLIGHT_DIR } from './vectors.js';

function must<T>(r: Result<T, { message: string }>): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function code<T>(r: Result<T, { code: LogErrorCode }>): LogErrorCode | 'OK' {
  return r.ok ? 'OK' : r.error.code;
}

const leaves = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => leafHash(utf8(`entry ${from + i}`)));

// ------------------------------------------------------------------ paths

test('tile index encoding (spec vectors)', () => {
  const v = derived().tilePaths.indexEncoding;
  assert.ok(v.length >= 6);
  for (const { index, path } of v) {
    assert.equal(formatTileIndex(index), path);
    assert.deepEqual(must(parseTilePath(`tile/0/${path}`)), {
      kind: 'hash',
      level: 0,
      index,
      width: 256,
    });
    assert.deepEqual(must(parseTilePath(`tile/entries/${path}.p/7`)), {
      kind: 'entries',
      index,
      width: 7,
    });
  }
});

test('tile paths round-trip', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 63 }),
      fc.maxSafeNat(),
      fc.integer({ min: 1, max: 256 }),
      (level, index, width) => {
        const p = tilePath({ level, index, width });
        assert.deepEqual(must(parseTilePath(p)), { kind: 'hash', level, index, width });
        const e = entryBundlePath(index, width);
        assert.deepEqual(must(parseTilePath(e)), { kind: 'entries', index, width });
      },
    ),
  );
  assert.equal(tilePath({ level: 1, index: 1234067, width: 256 }), 'tile/1/x001/x234/067');
  assert.equal(tilePath({ level: 0, index: 273, width: 112 }), 'tile/0/273.p/112');
  assert.equal(entryBundlePath(1000, 3), 'tile/entries/x001/000.p/3');
});

test('malformed tile paths give TILE_PATH_MALFORMED', () => {
  const bad = [
    '',
    'tile',
    'tile/',
    'tile/0',
    'tile/0/',
    'tile/0/1',
    'tile/0/01',
    'tile/0/0001',
    'tile/00/000',
    'tile/01/000',
    'tile/64/000',
    'tile/-1/000',
    'tile/a/000',
    'tile/0/x000/001', // non-canonical (leading zero group)
    'tile/0/x001',
    'tile/0/001/000',
    'tile/0/y001/000',
    'tile/0/000.p/0',
    'tile/0/000.p/256',
    'tile/0/000.p/010',
    'tile/0/000.p/',
    'tile/0/000.p',
    'tile/0/000.p/1/',
    'tile/0/000/',
    '/tile/0/000',
    'tile/0/000?x',
    'tile/data/000',
    'tile/entries/',
    'tile/entries/1',
    'tile/0/x001/x002/x003/x004/x005/x006/007', // beyond 2^53
    ...derived().tilePaths.sumdbFormatNotC2SP.map((p) => p.path),
  ];
  for (const p of bad) assert.equal(code(parseTilePath(p)), 'TILE_PATH_MALFORMED', p);
});

// ------------------------------------------------------------------ layout

test('tiles of a tree of size 70,000 and 256 (spec example)', () => {
  const v = derived().tilePaths;
  for (const [size, want] of [
    [70_000, v.treeSize70000],
    [256, v.treeSize256],
  ] as const) {
    const tiles = tilesForSize(size);
    for (const w of want) {
      const atLevel = tiles.filter((t) => t.level === w.level);
      assert.equal(
        atLevel.filter((t) => t.width === 256).length,
        w.fullTiles,
        `size ${size} level ${w.level}`,
      );
      const partial = atLevel.filter((t) => t.width < 256).map(tilePath);
      assert.deepEqual(partial, w.partial ? [w.partial] : []);
    }
    assert.equal(new Set(tiles.map((t) => t.level)).size, want.length);
    assert.deepEqual(
      edgeTiles(size).map(tilePath),
      want.map(
        (w) => w.partial ?? tilePath({ level: w.level, index: w.fullTiles - 1, width: 256 }),
      ),
    );
  }
  assert.deepEqual(tilesForSize(0), []);
  assert.deepEqual(edgeTiles(0), []);
});

test('newTiles lists exactly the tiles whose contents differ', () => {
  fc.assert(
    fc.property(fc.nat(70_000), fc.nat(70_000), (a, b) => {
      const [o, n] = a <= b ? [a, b] : [b, a];
      const before = new Set(tilesForSize(o).map(tilePath));
      const expected = tilesForSize(n)
        .map(tilePath)
        .filter((p) => !before.has(p));
      assert.deepEqual(newTiles(o, n).map(tilePath).sort(), expected.sort());
    }),
    { numRuns: 200 },
  );
});

// ------------------------------------------------------------------ the skylight 300-leaf tree

const treeDir = () => `${SUNLIGHT_DIR}/mirror/${derived().cosignatureV1Ed25519.originSha256Hex}`;

test('skylight tree: rebuilt tiles match byte for byte, root matches the checkpoint', async () => {
  const v = derived().tiledTree300;
  assert.equal(toHex(sha256(utf8(v.origin))), derived().cosignatureV1Ed25519.originSha256Hex);
  const hashes = Array.from({ length: v.size }, (_, i) => leafHash(utf8(`record ${i}`)));
  const tiles = buildTiles(hashes);
  assert.deepEqual(tiles.map(tilePath), ['tile/0/000', 'tile/0/001.p/44', 'tile/1/000.p/1']);
  for (const t of tiles) {
    const want = readVectorBytes(treeDir(), tilePath(t));
    assert.equal(toHex(t.data), toHex(want), tilePath(t));
  }
  const root = new MerkleTree(hashes).root();
  assert.equal(toBase64(root), v.rootBase64);
  const cp = must(parseCheckpoint(must(parseNote(readVectorText(treeDir(), 'checkpoint'))).text));
  assert.equal(cp.size, 300);
  assert.deepEqual(cp.rootHash, root);
  // Root and proofs straight from the stored files.
  const read: TileReader = async (level, index, width) =>
    readVectorBytes(treeDir(), tilePath({ level, index, width })).subarray(0, width * 32);
  assert.deepEqual(must(await treeRootFromTiles(300, read)), fromBase64(v.rootBase64));
  const tree = new MerkleTree(hashes);
  assert.deepEqual(must(await proveInclusionFromTiles(299, 300, read)), tree.inclusionProof(299));
  // Built incrementally, in uneven batches, the same tiles come out.
  const b = TiledLogBuilder.empty();
  const latest = new Map<string, Tile>();
  for (const [lo, hi] of [
    [0, 1],
    [1, 255],
    [255, 256],
    [256, 299],
    [299, 300],
  ] as const) {
    for (const t of b.append(hashes.slice(lo, hi)).changedTiles)
      latest.set(`${t.level}/${t.index}`, t);
  }
  assert.deepEqual(b.root(), root);
  assert.deepEqual([...latest.values()].map(tilePath).sort(), tiles.map(tilePath).sort());
  for (const t of tiles) assert.deepEqual(latest.get(`${t.level}/${t.index}`)?.data, t.data);
});

// ------------------------------------------------------------------ entry bundles

test('an entry bundle written from entries held end to end is the bundle of those entries', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 256 }),
      fc.nat(40),
      (entries, lead) => {
        // As a store's page gives them: one buffer (here after `lead` other bytes), and offsets.
        const bytes = new Uint8Array(lead + entries.reduce((n, e) => n + e.length, 0)).fill(7);
        const offsets = new Uint32Array(entries.length + 1);
        offsets[0] = lead;
        entries.forEach((e, k) => {
          bytes.set(e, offsets[k] as number);
          offsets[k + 1] = (offsets[k] as number) + e.length;
        });
        assert.deepEqual(
          encodeEntryBundleOf(bytes, offsets, entries.length),
          encodeEntryBundle(entries),
        );
      },
    ),
    { numRuns: 100 },
  );
  const big = new Uint32Array([0, 65_536]);
  assert.throws(() => encodeEntryBundleOf(new Uint8Array(65_536), big, 1), RangeError);
  assert.throws(
    () => encodeEntryBundleOf(new Uint8Array(0), new Uint32Array(258), 257),
    RangeError,
  );
});

test('entry bundles round-trip; malformed ones are rejected', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 256 }), (entries) => {
      const b = encodeEntryBundle(entries);
      assert.deepEqual(must(decodeEntryBundle(b, entries.length)), entries);
    }),
    { numRuns: 50 },
  );
  const big = new Uint8Array(65_535).fill(1);
  assert.deepEqual(must(decodeEntryBundle(encodeEntryBundle([big]))), [big]);
  assert.throws(() => encodeEntryBundle([new Uint8Array(65_536)]), RangeError);
  assert.throws(() => encodeEntryBundle(Array(257).fill(new Uint8Array(0))), RangeError);
  const ok = encodeEntryBundle([utf8('abc'), utf8('de')]);
  assert.deepEqual(Array.from(ok), [0, 3, 97, 98, 99, 0, 2, 100, 101]);
  for (const [why, data, n] of [
    ['truncated entry', ok.subarray(0, ok.length - 1), undefined],
    ['truncated length', Uint8Array.of(0), undefined],
    ['trailing byte', Uint8Array.of(...ok, 0), undefined],
    ['wrong count', ok, 3],
    ['257 entries', new Uint8Array(257 * 2), undefined],
  ] as const) {
    assert.equal(code(decodeEntryBundle(data, n)), 'ENTRY_BUNDLE_MALFORMED', why);
    assert.equal(code(decodeEntryBundleViews(data, n)), 'ENTRY_BUNDLE_MALFORMED', why);
  }
  assert.deepEqual(must(decodeEntryBundle(new Uint8Array(0), 0)), []);
});

test('decodeEntryBundleViews gives the same entries as views into the bundle; decodeEntryBundle copies', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 256 }), (entries) => {
      const b = encodeEntryBundle(entries);
      const views = must(decodeEntryBundleViews(b, entries.length));
      assert.deepEqual(views, entries);
      for (const v of views) assert.equal(v.buffer, b.buffer);
      for (const c of must(decodeEntryBundle(b))) assert.notEqual(c.buffer, b.buffer);
    }),
    { numRuns: 50 },
  );
});

// ------------------------------------------------------------------ the builder

function keyOf(t: { level: number; index: number }): string {
  return `${t.level}/${t.index}`;
}

test('TiledLogBuilder: roots of full tiles given from elsewhere are used, not computed again', () => {
  const all = leaves(0, 700);
  const roots = [0, 1].map((t) => rootFromLeafHashes(all.slice(t * 256, (t + 1) * 256)));
  const plain = TiledLogBuilder.empty().append(all);
  const given = TiledLogBuilder.empty().append(all, (t) => roots[t]);
  assert.deepEqual(given, plain);
  // A root given is taken as it is: a wrong one shows in the level-1 tile and the root.
  const wrong = TiledLogBuilder.empty().append(all, (t) =>
    t === 1 ? new Uint8Array(32) : undefined,
  );
  assert.notDeepEqual(wrong.root, plain.root);
  const level1 = wrong.changedTiles.find((t) => t.level === 1);
  assert.deepEqual(level1?.data.subarray(32, 64), new Uint8Array(32));
  assert.deepEqual(level1?.data.subarray(0, 32), roots[0]);
});

test('TiledLogBuilder: random batches give the same tiles and roots as building from scratch', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 12 }),
      (batches) => {
        const total = batches.reduce((a, b) => a + b, 0);
        const all = leaves(0, total);
        const tree = new MerkleTree();
        const b = TiledLogBuilder.empty();
        const store = new Map<string, Tile>();
        let size = 0;
        for (const n of batches) {
          const batch = all.slice(size, size + n);
          const r = b.append(batch);
          for (const h of batch) tree.append(h);
          // Exactly the tiles newTiles predicts, at their new widths.
          assert.deepEqual(
            r.changedTiles.map(tilePath).sort(),
            newTiles(size, size + n)
              .map(tilePath)
              .sort(),
          );
          size += n;
          assert.equal(r.size, size);
          assert.deepEqual(r.root, tree.root());
          for (const t of r.changedTiles) store.set(keyOf(t), t);
          // The stored tiles are exactly the tiles of the tree built from scratch.
          const scratch = buildTiles(all.slice(0, size));
          assert.equal(store.size, scratch.length);
          for (const t of scratch) assert.deepEqual(store.get(keyOf(t)), t);
          // Resuming from the stored edge tiles continues identically.
          const edge = edgeTiles(size).map((e) => store.get(keyOf(e)) as Tile);
          const resumed = must(TiledLogBuilder.fromEdge(size, edge, r.root));
          assert.deepEqual(resumed.root(), r.root);
          const more = leaves(100_000, 100_003);
          const c1 = new MerkleTree([...all.slice(0, size), ...more]).root();
          assert.deepEqual(resumed.append(more).root, c1);
        }
      },
    ),
    { numRuns: 40 },
  );
});

/** A 66,000-leaf tree (crosses the level-2 boundary at 65,536), built once for the tests below. */
let bigTree: { all: Uint8Array[]; tree: MerkleTree; tiles: Tile[] } | undefined;
function big() {
  if (!bigTree) {
    const all = leaves(0, 66_000);
    bigTree = { all, tree: new MerkleTree(all), tiles: buildTiles(all) };
  }
  return bigTree;
}

test('TiledLogBuilder across level-2 boundaries (65,536 leaves) and wide stored tiles', () => {
  const { all, tree, tiles: scratch } = big();
  const b = TiledLogBuilder.empty();
  const store = new Map<string, Tile>();
  const sizes = [1, 255, 256, 257, 65_535, 65_536, 65_537, 65_792, 66_000];
  let size = 0;
  for (const s of sizes) {
    const r = b.append(all.slice(size, s));
    size = s;
    assert.deepEqual(r.root, tree.root(size), `size ${size}`);
    for (const t of r.changedTiles) store.set(keyOf(t), t);
  }
  assert.equal(store.size, scratch.length);
  for (const t of scratch) assert.deepEqual(store.get(keyOf(t)), t, tilePath(t));
  assert.deepEqual(
    b.partialTiles().map(tilePath),
    edgeTiles(66_000)
      .filter((t) => t.width < 256)
      .map(tilePath),
  );
  // Resume at an older size from tiles that have since grown (the stored tiles are wider).
  const old = 65_600;
  const edge = edgeTiles(old).map((e) => store.get(keyOf(e)) as Tile);
  assert.ok(edge.some((t, i) => t.width > (edgeTiles(old)[i] as Tile).width));
  const resumed = must(TiledLogBuilder.fromEdge(old, edge, tree.root(old)));
  assert.deepEqual(resumed.append(all.slice(old, 66_000)).root, tree.root());
});

test('TiledLogBuilder.fromEdge rejects inconsistent state', () => {
  const all = leaves(0, 600);
  const tiles = buildTiles(all);
  const root = new MerkleTree(all).root();
  const edge = edgeTiles(600).map((e) => tiles.find((t) => keyOf(t) === keyOf(e)) as Tile);
  assert.ok(TiledLogBuilder.fromEdge(600, edge, root).ok);
  const l0 = edge[0] as Tile;
  const cases: [string, number, Tile[], Uint8Array | undefined][] = [
    ['missing partial tile', 600, edge.slice(1), undefined],
    ['tile too narrow', 601, edge, undefined],
    ['not an edge tile', 600, [...edge, tiles[0] as Tile], undefined],
    ['duplicate level', 600, [...edge, l0], undefined],
    ['data length', 600, [{ ...l0, data: l0.data.subarray(1) }, ...edge.slice(1)], undefined],
    ['wrong root', 600, edge, new Uint8Array(32)],
    [
      'corrupted hash',
      600,
      [{ ...l0, data: l0.data.map((b, i) => (i === 0 ? b ^ 1 : b)) }, ...edge.slice(1)],
      root,
    ],
    ['bad size', -1, [], undefined],
  ];
  for (const [why, size, t, r] of cases)
    assert.equal(code(TiledLogBuilder.fromEdge(size, t, r)), 'TREE_STATE_INVALID', why);
  assert.ok(TiledLogBuilder.fromEdge(0, [], new MerkleTree().root()).ok);
  assert.throws(() => TiledLogBuilder.empty().append([new Uint8Array(31)]), RangeError);
});

// ------------------------------------------------------------------ proofs from tiles

/** A tile store holding the tiles of the largest tree; the reader returns prefixes. */
function storeReader(tiles: readonly Tile[], log?: string[]): TileReader {
  const m = new Map(tiles.map((t) => [keyOf(t), t]));
  return async (level, index, width) => {
    log?.push(tilePath({ level, index, width }));
    const t = m.get(`${level}/${index}`);
    if (!t || t.width < width) throw new Error(`no tile ${level}/${index} of width ${width}`);
    return t.data.subarray(0, width * 32);
  };
}

test('tile-based proofs and roots equal the in-memory ones (older sizes read tile prefixes)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 1500 }).chain((stored) =>
        fc.integer({ min: 1, max: stored }).chain((n) =>
          fc.record({
            stored: fc.constant(stored),
            n: fc.constant(n),
            i: fc.nat(n - 1),
            m: fc.integer({ min: 1, max: n }),
          }),
        ),
      ),
      async ({ stored, n, i, m }) => {
        const all = leaves(0, stored);
        const tree = new MerkleTree(all);
        const read = storeReader(buildTiles(all));
        assert.deepEqual(must(await treeRootFromTiles(n, read)), tree.root(n));
        assert.deepEqual(
          must(await proveInclusionFromTiles(i, n, read)),
          tree.inclusionProof(i, n),
        );
        assert.deepEqual(
          must(await proveConsistencyFromTiles(m, n, read)),
          tree.consistencyProof(m, n),
        );
      },
    ),
    { numRuns: 80 },
  );
});

test('a batch of proofs from tiles equals the in-memory proof of each leaf (shared ranges folded once)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 1500 }).chain((n) =>
        fc.record({
          n: fc.constant(n),
          // A sequencer's batch: the last leaves of the tree, as many as it holds.
          batch: fc.integer({ min: 1, max: n }),
        }),
      ),
      async ({ n, batch }) => {
        const all = leaves(0, n);
        const tree = new MerkleTree(all);
        const indexes = Array.from({ length: batch }, (_, k) => n - batch + k);
        const proofs = must(
          await proveInclusionsFromTiles(indexes, n, storeReader(buildTiles(all))),
        );
        assert.equal(proofs.length, indexes.length);
        for (const [k, i] of indexes.entries())
          assert.deepEqual(proofs[k], tree.inclusionProof(i, n), `leaf ${i}`);
      },
    ),
    { numRuns: 60 },
  );
});

test('tile-based proofs at 66,000 leaves read few tiles, once each', async () => {
  const { tree, tiles } = big();
  for (const [i, n, m] of [
    [0, 66_000, 1],
    [65_535, 65_536, 65_535],
    [12_345, 65_537, 300],
    [65_999, 66_000, 65_536],
  ] as const) {
    const log: string[] = [];
    const read = storeReader(tiles, log);
    assert.deepEqual(must(await proveInclusionFromTiles(i, n, read)), tree.inclusionProof(i, n));
    assert.equal(new Set(log).size, log.length, 'each tile read once');
    assert.ok(log.length <= 8, `${log.length} tiles read`);
    assert.deepEqual(
      must(await proveConsistencyFromTiles(m, n, read)),
      tree.consistencyProof(m, n),
    );
    assert.deepEqual(must(await treeRootFromTiles(n, read)), tree.root(n));
  }
  assert.deepEqual(must(await treeRootFromTiles(0, storeReader([]))), new MerkleTree().root());
});

test('a reader returning the wrong amount of data gives TILE_MALFORMED', async () => {
  const tiles = buildTiles(leaves(0, 10));
  const short: TileReader = async (l, i, w) => (await storeReader(tiles)(l, i, w)).subarray(32);
  assert.equal(code(await proveInclusionFromTiles(3, 10, short)), 'TILE_MALFORMED');
  assert.equal(code(await treeRootFromTiles(10, async () => new Uint8Array(0))), 'TILE_MALFORMED');
  await assert.rejects(
    proveInclusionFromTiles(3, 10, async () => Promise.reject(new Error('offline'))),
    /offline/,
  );
  // Programmer errors reject the promise.
  await assert.rejects(proveInclusionFromTiles(10, 10, short), RangeError);
});

// C2SP tlog-tiles (c2sp.org/tlog-tiles) with tile height 8: a tile holds up to
// 256 consecutive 32-byte hashes of one level. Tile n at level l holds
//   MTH(D[(n*256 + i) * 256^l : (n*256 + i + 1) * 256^l])   for i in 0..255,
// level 0 holds leaf hashes, and level l+1 holds the roots of the full tiles of
// level l. The rightmost tile of a level may be partial (width 1..255).
//
// This file has: tile paths (format and strict parse), which tiles a tree has,
// entry bundles, tile contents for a whole tree, the sequencer's incremental
// TiledLogBuilder, and async proof construction from tiles for stateless
// readers.
import type { Result } from '../basics/result.js';
import { ok } from '../basics/result.js';
import { concat, equal } from './bytes.js';
import type { LogError } from './errors.js';
import { logErr } from './errors.js';
import type { Subtree } from './merkle.js';
import {
  consistencyProofRanges,
  emptyRoot,
  foldSubtreeHashes,
  HASH_SIZE,
  inclusionProofRanges,
  nodeHash,
  perfectSubtrees,
  rootFromLeafHashes,
} from './merkle.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** An entry bundle stores each entry's length as a uint16. */
export const MAX_ENTRY_SIZE = 65_535;
/** Tile levels allowed in paths (the spec's 0..63). */
export const MAX_TILE_LEVEL = 63;

/** A tile: `width` (1..256) hashes at `level`, tile `index` within the level. */
export interface TileId {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** A tile with its contents: `width` concatenated 32-byte hashes. */
export interface Tile extends TileId {
  readonly data: Uint8Array;
}

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

// ---------------------------------------------------------------- paths

/** Tile index as 3-digit path elements, all but the last prefixed by "x": 1234067 -> "x001/x234/067". */
export function formatTileIndex(n: number): string {
  if (!isIndex(n)) throw new RangeError(`bad tile index ${n}`);
  const groups: string[] = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function widthSuffix(width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH)
    throw new RangeError(`bad tile width ${width}`);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]` (without the log's URL prefix). */
export function tilePath(t: TileId): string {
  if (!Number.isInteger(t.level) || t.level < 0 || t.level > MAX_TILE_LEVEL) {
    throw new RangeError(`bad tile level ${t.level}`);
  }
  return `tile/${t.level}/${formatTileIndex(t.index)}${widthSuffix(t.width)}`;
}

/** `tile/entries/<N>[.p/<W>]`: the entry bundle for level-0 tile `index`. */
export function entryBundlePath(index: number, width: number): string {
  return `tile/entries/${formatTileIndex(index)}${widthSuffix(width)}`;
}

export type ParsedTilePath =
  | {
      readonly kind: 'hash';
      readonly level: number;
      readonly index: number;
      readonly width: number;
    }
  | { readonly kind: 'entries'; readonly index: number; readonly width: number };

/**
 * Parses a tile or entry-bundle path (attacker-controlled, e.g. an HTTP
 * request path with the prefix removed). Strict: only the canonical encoding
 * of each (level, index, width) is accepted: level 0..63 and width 1..255
 * without leading zeros, index in canonical x-groups, nothing else.
 */
export function parseTilePath(path: string): Result<ParsedTilePath, LogError> {
  const bad = (why: string) =>
    logErr('TILE_PATH_MALFORMED', `${why}: ${JSON.stringify(path.slice(0, 80))}`);
  if (path.length > 80 || !path.startsWith('tile/')) return bad('not a tile path');
  const slash = path.indexOf('/', 5);
  if (slash < 0) return bad('no tile index');
  const levelText = path.slice(5, slash);
  let rest = path.slice(slash + 1);
  let width = TILE_WIDTH;
  const p = rest.indexOf('.p/');
  if (p >= 0) {
    const w = rest.slice(p + 3);
    if (!/^[1-9][0-9]{0,2}$/.test(w) || Number(w) >= TILE_WIDTH) return bad('bad partial width');
    width = Number(w);
    rest = rest.slice(0, p);
  }
  const segs = rest.split('/');
  if (segs.length > 6) return bad('tile index too large');
  for (let i = 0; i < segs.length; i++) {
    const re = i < segs.length - 1 ? /^x[0-9]{3}$/ : /^[0-9]{3}$/;
    if (!re.test(segs[i] as string)) return bad('bad tile index element');
  }
  const index = Number(segs.map((s) => s.replace('x', '')).join(''));
  if (!isIndex(index) || formatTileIndex(index) !== rest) return bad('non-canonical tile index');
  if (levelText === 'entries') return ok({ kind: 'entries', index, width });
  if (!/^(0|[1-9][0-9]?)$/.test(levelText) || Number(levelText) > MAX_TILE_LEVEL)
    return bad('bad tile level');
  return ok({ kind: 'hash', level: Number(levelText), index, width });
}

// ---------------------------------------------------------------- tree layout

/** Number of hashes at tile level `level` in a tree of `size` leaves: floor(size / 256^level). */
export function levelCount(size: number, level: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/** Width of tile (level, index) in a tree of `size` leaves; 0 if the tree has no such tile. */
export function tileWidthAt(size: number, level: number, index: number): number {
  return Math.max(0, Math.min(TILE_WIDTH, levelCount(size, level) - index * TILE_WIDTH));
}

/** Every tile (full and partial) of a tree of `size` leaves, level by level. */
export function tilesForSize(size: number): TileId[] {
  if (!isIndex(size)) throw new RangeError(`bad size ${size}`);
  const out: TileId[] = [];
  for (let level = 0; levelCount(size, level) > 0; level++) {
    const n = levelCount(size, level);
    for (let index = 0; index * TILE_WIDTH < n; index++) {
      out.push({ level, index, width: tileWidthAt(size, level, index) });
    }
  }
  return out;
}

/** The last tile of each level (partial or full) of a tree of `size` leaves. */
export function edgeTiles(size: number): TileId[] {
  if (!isIndex(size)) throw new RangeError(`bad size ${size}`);
  const out: TileId[] = [];
  for (let level = 0; levelCount(size, level) > 0; level++) {
    const index = Math.ceil(levelCount(size, level) / TILE_WIDTH) - 1;
    out.push({ level, index, width: tileWidthAt(size, level, index) });
  }
  return out;
}

/** The tiles that a tree of `newSize` has and a tree of `oldSize` lacks (new, grown or completed tiles). */
export function newTiles(oldSize: number, newSize: number): TileId[] {
  if (!isIndex(oldSize) || !isIndex(newSize) || oldSize > newSize) {
    throw new RangeError(`bad sizes ${oldSize} -> ${newSize}`);
  }
  const out: TileId[] = [];
  for (let level = 0; levelCount(newSize, level) > 0; level++) {
    const oldN = levelCount(oldSize, level);
    const newN = levelCount(newSize, level);
    if (newN === oldN) continue;
    for (let index = Math.floor(oldN / TILE_WIDTH); index * TILE_WIDTH < newN; index++) {
      out.push({ level, index, width: tileWidthAt(newSize, level, index) });
    }
  }
  return out;
}

// ---------------------------------------------------------------- contents

/** Splits tile data (attacker-controlled when fetched) into hashes; the length must be exactly width * 32. */
export function tileHashes(data: Uint8Array, width: number): Result<Uint8Array[], LogError> {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH)
    return logErr('TILE_MALFORMED', `bad width ${width}`);
  if (data.length !== width * HASH_SIZE) {
    return logErr(
      'TILE_MALFORMED',
      `tile of width ${width} must be ${width * HASH_SIZE} bytes, got ${data.length}`,
    );
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < width; i++) out.push(data.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return ok(out);
}

/** All tiles of the tree with these leaf hashes, level by level (for tests, audits and rebuilding storage). */
export function buildTiles(leafHashes: readonly Uint8Array[]): Tile[] {
  const out: Tile[] = [];
  let hashes = leafHashes;
  for (let level = 0; hashes.length > 0; level++) {
    const next: Uint8Array[] = [];
    for (let index = 0; index * TILE_WIDTH < hashes.length; index++) {
      const chunk = hashes.slice(index * TILE_WIDTH, (index + 1) * TILE_WIDTH);
      out.push({ level, index, width: chunk.length, data: concat(...chunk) });
      if (chunk.length === TILE_WIDTH) next.push(rootFromLeafHashes(chunk));
    }
    hashes = next;
  }
  return out;
}

/** Entry bundle: each entry as uint16 big-endian length || bytes. At most 256 entries of at most 65,535 bytes. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH)
    throw new RangeError('an entry bundle holds at most 256 entries');
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE)
      throw new RangeError(`entry of ${e.length} bytes exceeds ${MAX_ENTRY_SIZE}`);
    parts.push(Uint8Array.of(e.length >> 8, e.length & 0xff), e);
  }
  return concat(...parts);
}

/**
 * encodeEntryBundle of the `count` entries held end to end in `bytes`, entry k
 * at bytes[offsets[k] .. offsets[k+1]) (a store's page of entries), written
 * straight into the bundle: no array per entry.
 */
export function encodeEntryBundleOf(
  bytes: Uint8Array,
  offsets: Uint32Array,
  count: number,
): Uint8Array {
  if (count > TILE_WIDTH) throw new RangeError('an entry bundle holds at most 256 entries');
  const end = offsets[count] as number;
  const out = new Uint8Array(2 * count + end - (offsets[0] as number));
  let at = 0;
  for (let k = 0; k < count; k++) {
    const from = offsets[k] as number;
    const to = offsets[k + 1] as number;
    const n = to - from;
    if (n > MAX_ENTRY_SIZE) throw new RangeError(`entry of ${n} bytes exceeds ${MAX_ENTRY_SIZE}`);
    out[at] = n >> 8;
    out[at + 1] = n & 0xff;
    out.set(bytes.subarray(from, to), at + 2);
    at += 2 + n;
  }
  return out;
}

/**
 * Decodes an entry bundle (attacker-controlled). Truncated entries, trailing
 * bytes, more than 256 entries, or a count other than `expectedCount` (when
 * given: the bundle's width) are errors.
 */
export function decodeEntryBundle(
  data: Uint8Array,
  expectedCount?: number,
): Result<Uint8Array[], LogError> {
  return splitEntryBundle(data, expectedCount, (o, end) => data.slice(o, end));
}

/**
 * decodeEntryBundle, with each entry a view into `data` instead of a copy: a
 * reader that keeps the whole log (kura verify) then holds a few hundred
 * buffers, not one per entry for the garbage collector to track. The caller
 * must not write to the entries.
 */
export function decodeEntryBundleViews(
  data: Uint8Array,
  expectedCount?: number,
): Result<Uint8Array[], LogError> {
  return splitEntryBundle(data, expectedCount, (o, end) => data.subarray(o, end));
}

function splitEntryBundle(
  data: Uint8Array,
  expectedCount: number | undefined,
  cut: (start: number, end: number) => Uint8Array,
): Result<Uint8Array[], LogError> {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < data.length) {
    if (out.length === TILE_WIDTH) return logErr('ENTRY_BUNDLE_MALFORMED', 'more than 256 entries');
    if (o + 2 > data.length) return logErr('ENTRY_BUNDLE_MALFORMED', 'truncated length prefix');
    const n = ((data[o] as number) << 8) | (data[o + 1] as number);
    o += 2;
    if (o + n > data.length) return logErr('ENTRY_BUNDLE_MALFORMED', 'truncated entry');
    out.push(cut(o, o + n));
    o += n;
  }
  if (expectedCount !== undefined && out.length !== expectedCount) {
    return logErr('ENTRY_BUNDLE_MALFORMED', `expected ${expectedCount} entries, got ${out.length}`);
  }
  return ok(out);
}

/**
 * Root of a tree from its right edge: `rows[l]` holds the hashes of the
 * partial (rightmost, incomplete) tile at level l. Each row splits into
 * perfect subtrees by the binary digits of its width; folding them all,
 * highest level first, gives the RFC 6962 root.
 */
function rootFromEdge(rows: readonly (readonly Uint8Array[])[]): Uint8Array {
  const subtreeRoots: Uint8Array[] = [];
  for (let level = rows.length - 1; level >= 0; level--) {
    const row = rows[level] as readonly Uint8Array[];
    if (row.length === 0) continue;
    for (const t of perfectSubtrees(0, row.length)) {
      const k = 2 ** t.height;
      subtreeRoots.push(rootFromLeafHashes(row.slice(t.index * k, (t.index + 1) * k)));
    }
  }
  return subtreeRoots.length === 0 ? emptyRoot() : foldSubtreeHashes(subtreeRoots);
}

// ---------------------------------------------------------------- sequencer

export interface AppendResult {
  readonly size: number;
  readonly root: Uint8Array;
  /** Every tile whose content changed, at its new width: completed full tiles and the new partial tiles. */
  readonly changedTiles: Tile[];
}

/**
 * The sequencer's right edge of a tiled log. It keeps only the hashes of the
 * partial tile of each level (at most 255 per level), so appending costs
 * O(batch) hashing (amortized; plus O(255 per level) to recompute the root)
 * whatever the tree size. Inputs are our own trusted state.
 */
export class TiledLogBuilder {
  private constructor(
    private treeSize: number,
    // rows[l]: hashes of the current partial tile of level l; length = levelCount(size, l) % 256.
    private readonly rows: Uint8Array[][],
  ) {}

  private cachedRoot: Uint8Array | undefined;

  static empty(): TiledLogBuilder {
    return new TiledLogBuilder(0, []);
  }

  /**
   * Resumes from stored state: `tiles` are the edge tiles of the tree of
   * `size` (see edgeTiles): one per level whose hash count is not a multiple
   * of 256 is required; full edge tiles may be given and are ignored. A
   * stored tile may be wider than needed (written before a crash, say): its
   * first hashes are used. When `expectedRoot` (from the last checkpoint) is
   * given, the state must reproduce it (TREE_STATE_INVALID otherwise).
   */
  static fromEdge(
    size: number,
    tiles: readonly Tile[],
    expectedRoot?: Uint8Array,
  ): Result<TiledLogBuilder, LogError> {
    const bad = (why: string) => logErr('TREE_STATE_INVALID', why);
    if (!isIndex(size)) return bad(`bad size ${size}`);
    const edge = edgeTiles(size);
    const rows: Uint8Array[][] = edge.map(() => []);
    const given = new Set<number>();
    for (const t of tiles) {
      const want = edge[t.level];
      if (!want || t.index !== want.index)
        return bad(`tile ${t.level}/${t.index} is not an edge tile of size ${size}`);
      if (given.has(t.level)) return bad(`two edge tiles for level ${t.level}`);
      given.add(t.level);
      if (t.width < want.width)
        return bad(`tile ${t.level}/${t.index} has width ${t.width} < ${want.width}`);
      const hashes = tileHashes(t.data, t.width);
      if (!hashes.ok) return bad(hashes.error.message);
      if (want.width < TILE_WIDTH) rows[t.level] = hashes.value.slice(0, want.width);
    }
    for (const want of edge) {
      if (want.width < TILE_WIDTH && !given.has(want.level)) {
        return bad(`missing partial tile ${tilePath(want)}`);
      }
    }
    const b = new TiledLogBuilder(size, rows);
    if (expectedRoot && !equal(b.root(), expectedRoot))
      return bad('edge tiles do not reproduce the expected root');
    return ok(b);
  }

  get size(): number {
    return this.treeSize;
  }

  root(): Uint8Array {
    this.cachedRoot ??= rootFromEdge(this.rows);
    return this.cachedRoot;
  }

  /** The current partial tiles (the state fromEdge needs, minus full tiles). */
  partialTiles(): Tile[] {
    const out: Tile[] = [];
    this.rows.forEach((row, level) => {
      if (row.length > 0) {
        const index = Math.floor(levelCount(this.treeSize, level) / TILE_WIDTH);
        out.push({ level, index, width: row.length, data: concat(...row) });
      }
    });
    return out;
  }

  /**
   * Appends leaf hashes (already RFC 6962 leaf hashes, 32 bytes each).
   * `tileRoot(index)` may give the root of the full level-0 tile `index`
   * (its level-1 hash), computed elsewhere from the same leaf hashes (the
   * start-up replay's workers); undefined: it is computed here.
   */
  append(
    leafHashes: readonly Uint8Array[],
    tileRoot?: (index: number) => Uint8Array | undefined,
  ): AppendResult {
    for (const h of leafHashes) {
      if (h.length !== HASH_SIZE) throw new RangeError('leaf hash must be 32 bytes');
    }
    const oldSize = this.treeSize;
    const changed: Tile[] = [];
    for (const leaf of leafHashes) {
      const newSize = this.treeSize + 1;
      let node = leaf;
      for (let level = 0; ; level++) {
        const row = this.rows[level] ?? [];
        this.rows[level] = row;
        row.push(node);
        if (row.length < TILE_WIDTH) break;
        // The tile is complete: publish it and carry its root up one level.
        const index = levelCount(newSize, level) / TILE_WIDTH - 1;
        changed.push({ level, index, width: TILE_WIDTH, data: concat(...row) });
        node = (level === 0 ? tileRoot?.(index) : undefined) ?? rootFromLeafHashes(row);
        this.rows[level] = [];
      }
      this.treeSize = newSize;
    }
    this.cachedRoot = undefined;
    this.rows.forEach((row, level) => {
      if (row.length > 0 && levelCount(this.treeSize, level) > levelCount(oldSize, level)) {
        const index = Math.floor(levelCount(this.treeSize, level) / TILE_WIDTH);
        changed.push({ level, index, width: row.length, data: concat(...row) });
      }
    });
    changed.sort((a, b) => a.level - b.level || a.index - b.index);
    return { size: this.treeSize, root: this.root(), changedTiles: changed };
  }
}

// ---------------------------------------------------------------- reading proofs from tiles

/**
 * Reads tile (level, index) and returns its first `width` hashes
 * (width * 32 bytes). A stored tile may be wider than the width a proof for an
 * older tree size asks for; the reader returns the prefix. Rejections
 * (network errors) propagate to the caller.
 */
export type TileReader = (level: number, index: number, width: number) => Promise<Uint8Array>;

/**
 * Resolves perfect-subtree hashes of the tree of `size` leaves from its tiles.
 * Subtree of height h = 8L + r is 2^r consecutive hashes of a level-L tile
 * hashed together (r < 8, so they never straddle tiles). Tiles are fetched in
 * parallel, once each.
 */
class TileHashes {
  private readonly tiles = new Map<string, Uint8Array[]>();

  constructor(
    private readonly size: number,
    private readonly read: TileReader,
  ) {}

  private locate(t: Subtree): { level: number; tile: number; offset: number; count: number } {
    const level = Math.floor(t.height / TILE_HEIGHT);
    const count = 2 ** (t.height - level * TILE_HEIGHT);
    const start = t.index * count;
    return { level, tile: Math.floor(start / TILE_WIDTH), offset: start % TILE_WIDTH, count };
  }

  async load(subtrees: readonly Subtree[]): Promise<Result<void, LogError>> {
    const wanted = new Map<string, { level: number; tile: number; width: number }>();
    for (const t of subtrees) {
      const { level, tile } = this.locate(t);
      wanted.set(`${level}/${tile}`, { level, tile, width: tileWidthAt(this.size, level, tile) });
    }
    const entries = [...wanted.entries()].filter(([k]) => !this.tiles.has(k));
    const datas = await Promise.all(entries.map(([, w]) => this.read(w.level, w.tile, w.width)));
    for (let i = 0; i < entries.length; i++) {
      const [key, w] = entries[i] as [string, { level: number; tile: number; width: number }];
      const hashes = tileHashes(datas[i] as Uint8Array, w.width);
      if (!hashes.ok)
        return logErr(
          'TILE_MALFORMED',
          `tile ${tilePath({ level: w.level, index: w.tile, width: w.width })}: ${hashes.error.message}`,
        );
      this.tiles.set(key, hashes.value);
    }
    return ok(undefined);
  }

  // Subtree hashes already computed: proofs for neighbouring leaves share most of them.
  private readonly memo = new Map<string, Uint8Array>();

  /** After load(): the hash of a perfect subtree (from its halves, memoised). */
  hash(t: Subtree): Uint8Array {
    const { level, tile, offset, count } = this.locate(t);
    const hashes = this.tiles.get(`${level}/${tile}`);
    if (!hashes || offset + count > hashes.length)
      throw new Error('TileHashes: subtree not loaded');
    if (count === 1) return hashes[offset] as Uint8Array;
    const key = `${t.height}/${t.index}`;
    let h = this.memo.get(key);
    if (!h) {
      const child = t.height - 1;
      h = nodeHash(
        this.hash({ height: child, index: 2 * t.index }),
        this.hash({ height: child, index: 2 * t.index + 1 }),
      );
      this.memo.set(key, h);
    }
    return h;
  }
}

async function rangeHashesFromTiles(
  size: number,
  ranges: readonly (readonly [number, number])[],
  read: TileReader,
): Promise<Result<Uint8Array[], LogError>> {
  const src = new TileHashes(size, read);
  const plans = ranges.map(([lo, hi]) => perfectSubtrees(lo, hi));
  const loaded = await src.load(plans.flat());
  if (!loaded.ok) return loaded;
  return ok(plans.map((p) => foldSubtreeHashes(p.map((t) => src.hash(t)))));
}

/**
 * The root of the tree of `size` leaves from its tiles (one edge tile per
 * level). Tiles come from an untrusted server: compare the result with a
 * signed checkpoint before relying on it.
 */
export async function treeRootFromTiles(
  size: number,
  read: TileReader,
): Promise<Result<Uint8Array, LogError>> {
  if (!isIndex(size)) throw new RangeError(`bad size ${size}`);
  if (size === 0) return ok(emptyRoot());
  const r = await rangeHashesFromTiles(size, [[0, size]], read);
  return r.ok ? ok(r.value[0] as Uint8Array) : r;
}

/** An RFC 9162 inclusion proof for leaf `index` in the tree of `size` leaves, from tiles (verify it before use). */
export async function proveInclusionFromTiles(
  index: number,
  size: number,
  read: TileReader,
): Promise<Result<Uint8Array[], LogError>> {
  return rangeHashesFromTiles(size, inclusionProofRanges(index, size), read);
}

/**
 * Inclusion proofs for many leaves of one tree (a sequencer's receipts for a
 * batch): tiles are read once and subtree hashes computed once for all.
 */
export async function proveInclusionsFromTiles(
  indexes: readonly number[],
  size: number,
  read: TileReader,
): Promise<Result<Uint8Array[][], LogError>> {
  const src = new TileHashes(size, read);
  // Neighbouring leaves' proofs share most ranges: each distinct range is
  // planned once, and one that is not a single perfect subtree (the range
  // ending at `size`, say) is folded once for every proof that has it.
  const planOf = new Map<string, Subtree[]>();
  const plans = indexes.map((i) =>
    inclusionProofRanges(i, size).map(([lo, hi]) => {
      const key = `${lo}:${hi}`;
      let plan = planOf.get(key);
      if (!plan) {
        plan = perfectSubtrees(lo, hi);
        planOf.set(key, plan);
      }
      return plan;
    }),
  );
  const loaded = await src.load([...planOf.values()].flat());
  if (!loaded.ok) return loaded;
  const folded = new Map<Subtree[], Uint8Array>();
  const rangeHash = (p: Subtree[]): Uint8Array => {
    if (p.length === 1) return src.hash(p[0] as Subtree);
    let h = folded.get(p);
    if (!h) {
      h = foldSubtreeHashes(p.map((t) => src.hash(t)));
      folded.set(p, h);
    }
    return h;
  };
  return ok(plans.map((ranges) => ranges.map(rangeHash)));
}

/** An RFC 9162 consistency proof from size m to size n (0 < m <= n), from the tiles of tree n. */
export async function proveConsistencyFromTiles(
  m: number,
  n: number,
  read: TileReader,
): Promise<Result<Uint8Array[], LogError>> {
  return rangeHashesFromTiles(n, consistencyProofRanges(m, n), read);
}

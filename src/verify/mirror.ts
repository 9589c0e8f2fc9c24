// Mirrors a kura log through its C2SP tlog-tiles (entry bundles and hash
// tiles), in parallel, into the state directory, and checks that the entries
// reproduce the signed checkpoint's root and the served hash tiles.
//
// When they do not, the served tiles tell what changed: if the hash tiles
// still reproduce the signed root, they are the log's real leaf hashes, and
// each entry the server now serves differently can be named (changed,
// deleted, reordered, missing). Failing that, the leaf hashes of the tree an
// earlier run verified (kept in the state directory) name what changed in
// that part of the log; a served hash tile that disagrees with them is named
// too.
//
// Nothing is written to the state directory unless the mirror verified: the
// tiles kept there stay those of the last verified tree.

import { decodeEntry } from '../election/entries.js';
import { equal, toHex } from '../log/bytes.js';
import { leafHash, rootFromLeafHashes } from '../log/merkle.js';
import {
  buildTiles,
  decodeEntryBundleViews,
  entryBundlePath,
  TILE_WIDTH,
  type TileId,
  tilePath,
  tilesForSize,
  treeRootFromTiles,
} from '../log/tiles.js';
import { forEachLimit } from './limit.js';
import type { LogReader } from './log-reader.js';
import type { Findings } from './report.js';
import type { StateDir } from './state.js';

export interface MirrorOptions {
  /** A server, a bundle or a store; what it returns is attacker-controlled. */
  source: LogReader;
  /** Where verified tiles are kept between runs; null mirrors in memory only. */
  state: StateDir | null;
  /** Read tiles already in the state directory (false: fetch everything again). */
  readCache: boolean;
  size: number;
  rootHash: Uint8Array;
  /**
   * A tree verified earlier, a prefix of this one (the caller proved it from
   * the two signed checkpoints): the served entries and tiles at its indexes
   * must still hash to its leaf hashes. `leaves` reads them (from the state
   * directory), and is called only when the served entries do not reproduce
   * the signed root: when they do, they are those leaves.
   */
  verifiedBefore?: { size: number; leaves: () => readonly Uint8Array[] | undefined };
  concurrency: number;
  findings: Findings;
  /**
   * Each bundle as it arrives (any order), before the tree is checked. It may
   * hash the entries elsewhere (kura verify's signature workers, which read
   * every entry anyway): it then resolves to their leaf hashes, which the
   * tree is built from; to undefined, or no promise, and the mirror hashes
   * them here.
   */
  onBundle?: (
    bundle: number,
    first: number,
    entries: Uint8Array[],
  ) => Promise<HashedBundle | undefined> | undefined;
  onProgress?: (entriesDone: number) => void;
}

/** A bundle's entries hashed: what the tree is built from. */
export interface HashedBundle {
  /** The leaf hash of each entry, 32 bytes each, in order. */
  leaves: Uint8Array;
  /** The root of the subtree of these leaves (of a full bundle: its level-1 hash). */
  root: Uint8Array;
}

export interface MirrorResult {
  /** True when the entries reproduce the signed root. */
  entriesVerified: boolean;
  entries: Uint8Array[];
  leafHashes: Uint8Array[];
  bundlesFetched: number;
  bundlesCached: number;
  tilesFetched: number;
  tilesCached: number;
  /** Whether any tile or bundle came from the state directory. */
  usedCache: boolean;
}

interface BundleJob {
  kind: 'entries';
  index: number;
  width: number;
}
interface TileJob {
  kind: 'hash';
  tile: TileId;
}

const key = (t: { level: number; index: number }) => `${t.level}/${t.index}`;

export async function mirrorLog(o: MirrorOptions): Promise<MirrorResult> {
  const n = o.size;
  const entries: Uint8Array[] = new Array(n);
  const leafHashes: (Uint8Array | undefined)[] = new Array(n);
  const served = new Map<string, Uint8Array>(); // hash tiles by level/index (exact width)
  const withheldTiles: TileId[] = [];
  const badBundles: Array<{ index: number; width: number; why: string }> = [];
  // Fetched tiles and bundles, written to the state directory once the mirror verified.
  const toWrite: Array<{
    kind: 'hash' | 'entries';
    level: number;
    index: number;
    width: number;
    data: Uint8Array;
  }> = [];
  const stats = { bundlesFetched: 0, bundlesCached: 0, tilesFetched: 0, tilesCached: 0 };
  let done = 0;
  // Each bundle's leaf hashes, end to end: its level-0 hash tile as the entries define it.
  const level0: Uint8Array[] = [];
  // The root of each full level-0 tile: the level-1 hashes.
  const tileRoots: Uint8Array[] = [];
  // Leaf hashes being computed elsewhere (onBundle); none of these rejects.
  const hashing: Promise<void>[] = [];
  const setLeaves = (
    bundle: number,
    first: number,
    list: Uint8Array[],
    given: HashedBundle | undefined,
  ) => {
    const ok = given?.leaves.length === 32 * list.length && given.root.length === 32;
    let tile = ok ? given.leaves : undefined;
    if (!tile) {
      tile = new Uint8Array(32 * list.length);
      for (let k = 0; k < list.length; k++) tile.set(leafHash(list[k] as Uint8Array), 32 * k);
    }
    const leaves: Uint8Array[] = new Array(list.length);
    for (let k = 0; k < list.length; k++) {
      leaves[k] = tile.subarray(32 * k, 32 * k + 32);
      leafHashes[first + k] = leaves[k];
    }
    level0[bundle] = tile;
    if (list.length === TILE_WIDTH)
      tileRoots[bundle] = ok ? given.root : rootFromLeafHashes(leaves);
  };

  const jobs: Array<BundleJob | TileJob> = [];
  for (let b = 0; b * TILE_WIDTH < n; b++)
    jobs.push({ kind: 'entries', index: b, width: Math.min(TILE_WIDTH, n - b * TILE_WIDTH) });
  for (const t of tilesForSize(n)) jobs.push({ kind: 'hash', tile: t });

  const cachedOnly = (
    kind: 'hash' | 'entries',
    level: number,
    index: number,
    width: number,
  ): { data: Uint8Array; cached: true } | undefined => {
    const c = o.state?.readTile(kind, level, index, width);
    return c ? { data: c, cached: true } : undefined;
  };
  const fetched = async (
    kind: 'hash' | 'entries',
    level: number,
    index: number,
    width: number,
  ): Promise<{ data: Uint8Array; cached: false } | { status: number }> => {
    const res =
      kind === 'entries'
        ? await o.source.entryBundle(index, width)
        : await o.source.tile(level, index, width);
    return res.ok ? { data: res.value, cached: false } : { status: res.error.status };
  };
  const fetchOrCache = async (
    kind: 'hash' | 'entries',
    level: number,
    index: number,
    width: number,
  ): Promise<{ data: Uint8Array; cached: boolean } | { status: number }> =>
    (o.readCache ? cachedOnly(kind, level, index, width) : undefined) ??
    fetched(kind, level, index, width);

  await forEachLimit(jobs, o.concurrency, async (job) => {
    if (job.kind === 'hash') {
      const t = job.tile;
      let got = await fetchOrCache('hash', t.level, t.index, t.width);
      if (!('status' in got) && got.cached && got.data.length < t.width * 32) {
        o.state?.dropTile('hash', t.level, t.index);
        got = await fetched('hash', t.level, t.index, t.width);
      }
      if (
        'status' in got ||
        (got.cached ? got.data.length < t.width * 32 : got.data.length !== t.width * 32)
      ) {
        withheldTiles.push(t);
        return;
      }
      const data = got.data.subarray(0, t.width * 32);
      served.set(key(t), data);
      if (got.cached) stats.tilesCached++;
      else {
        stats.tilesFetched++;
        if (o.state) toWrite.push({ kind: 'hash', ...t, data });
      }
      return;
    }
    const first = job.index * TILE_WIDTH;
    let list: Uint8Array[] | undefined;
    let why = '';
    // The cached bundle if it decodes to enough entries (else it is dropped), then the server's.
    for (const readCache of o.readCache ? [true, false] : [false]) {
      const got = readCache
        ? cachedOnly('entries', 0, job.index, job.width)
        : await fetched('entries', 0, job.index, job.width);
      if (!got) continue;
      if ('status' in got) {
        why = `HTTP ${got.status}`;
        break;
      }
      const decoded = decodeEntryBundleViews(got.data);
      const count = decoded.ok ? decoded.value.length : 0;
      if (decoded.ok && (readCache ? count >= job.width : count === job.width)) {
        list = decoded.value.slice(0, job.width);
        if (readCache) stats.bundlesCached++;
        else {
          stats.bundlesFetched++;
          if (o.state)
            toWrite.push({
              kind: 'entries',
              level: 0,
              index: job.index,
              width: job.width,
              data: got.data,
            });
        }
        break;
      }
      if (readCache) o.state?.dropTile('entries', 0, job.index);
      else why = decoded.ok ? `it holds ${count} entries, not ${job.width}` : decoded.error.message;
    }
    if (!list) {
      badBundles.push({ index: job.index, width: job.width, why });
      // Ask for the entries one by one: what the server still has tells what it removed.
      const probed = await probeEntries(o.source, first, job.width, n, o.concurrency);
      probed.forEach((e, k) => {
        if (e) {
          entries[first + k] = e;
          leafHashes[first + k] = leafHash(e);
        }
      });
      return;
    }
    for (let k = 0; k < list.length; k++) entries[first + k] = list[k] as Uint8Array;
    const hashed = o.onBundle?.(job.index, first, list);
    const bundle = job.index;
    if (hashed)
      hashing.push(
        hashed.then(
          (leaves) => setLeaves(bundle, first, list as Uint8Array[], leaves),
          () => setLeaves(bundle, first, list as Uint8Array[], undefined),
        ),
      );
    else setLeaves(bundle, first, list, undefined);
    done += list.length;
    o.onProgress?.(done);
  });
  await Promise.all(hashing);

  const usedCache = stats.bundlesCached + stats.tilesCached > 0;
  /** `tree`: the tiles the verified entries define, kept instead of served ones that differ. */
  const result = (entriesVerified: boolean, tree?: Map<string, Uint8Array>): MirrorResult => {
    if (entriesVerified && o.state)
      for (const w of toWrite) {
        const mine = w.kind === 'hash' ? tree?.get(key(w))?.subarray(0, w.width * 32) : undefined;
        o.state.writeTile(w.kind, w.level, w.index, w.width, mine ?? w.data);
      }
    return {
      entriesVerified,
      entries,
      leafHashes: leafHashes as Uint8Array[],
      usedCache,
      ...stats,
    };
  };

  // ------------------------------------------------------------ the tree
  const complete = badBundles.length === 0;
  let own: { tiles: Map<string, Uint8Array>; root: Uint8Array } | undefined;
  if (complete) {
    own = await tilesAndRoot(n, level0, tileRoots);
    if (equal(own.root, o.rootHash)) {
      // The entries are the log (so their first `verifiedBefore.size` leaves are those verified before). Every served hash tile must be the tree's.
      const m = Math.min(o.verifiedBefore?.size ?? 0, n);
      const changedTiles = tilesChangedSince(
        leafHashes.slice(0, m) as Uint8Array[],
        served,
        o.findings,
      );
      for (const t of withheldTiles)
        o.findings.error(
          'tile-mismatch',
          `hash tile ${tilePath(t)} is covered by the signed checkpoint but the server does not serve it whole`,
        );
      for (const [k, data] of served) {
        if (changedTiles.has(k)) continue;
        const mine = own.tiles.get(k);
        if (mine && !equal(mine.subarray(0, data.length), data)) {
          const [level, index] = k.split('/').map(Number) as [number, number];
          o.findings.error(
            'tile-mismatch',
            `hash tile ${tilePath({ level, index, width: data.length / 32 })} as served differs from the tree the entries and the signed checkpoint define`,
          );
        }
      }
      return result(true, own.tiles);
    }
  }

  // The entries do not reproduce the signed root. Are the served tiles the log's?
  for (const b of badBundles)
    o.findings.fatal(
      'entries-withheld',
      `entry bundle ${entryBundlePath(b.index, b.width)} (entries ${b.index * TILE_WIDTH}–${b.index * TILE_WIDTH + b.width - 1}) is covered by the signed checkpoint, but the server does not serve it whole: ${b.why}`,
    );
  const before = o.verifiedBefore?.leaves();
  if (before) tilesChangedSince(before, served, o.findings);
  const committed = await committedLeaves(n, served, o.rootHash);
  if (committed) {
    const count = o.findings.list.length;
    describeEntryChanges(leafHashes, entries, committed, o.findings);
    if (o.findings.list.length === count && complete)
      o.findings.fatal('root-mismatch', 'the entries served do not reproduce the signed root');
  } else if (before?.length) {
    // The served tiles are not the log's either: the tree verified before names what changed in its part.
    const m = before.length;
    const count = o.findings.list.length;
    describeEntryChanges(leafHashes.slice(0, m), entries.slice(0, m), before, o.findings);
    if (o.findings.list.length === count)
      o.findings.fatal(
        'root-mismatch',
        `the entries served do not reproduce the root of the signed checkpoint (size ${n}); entries 0–${m - 1} are those verified before, so the difference is in entries ${m}–${n - 1}, and the hash tiles served do not reproduce the signed root either`,
      );
  } else {
    o.findings.fatal(
      'root-mismatch',
      `neither the entries nor the hash tiles the server serves reproduce the root of its signed checkpoint (size ${n}); ${withheldTiles.length ? `${withheldTiles.length} hash tiles are not served; ` : ''}the log as served is not the log that was signed`,
    );
  }
  return result(false);
}

/**
 * Compares the served level-0 hash tiles with the leaf hashes of the tree
 * verified before: each index whose leaf hash the server now gives otherwise
 * is named (one finding per tile). Returns the keys of the tiles that differ.
 */
function tilesChangedSince(
  before: readonly Uint8Array[],
  served: Map<string, Uint8Array>,
  findings: Findings,
): Set<string> {
  const changed = new Set<string>();
  for (let b = 0; b * TILE_WIDTH < before.length; b++) {
    const tile = served.get(`0/${b}`);
    if (!tile) continue;
    const indexes: number[] = [];
    const upTo = Math.min(before.length, b * TILE_WIDTH + tile.length / 32);
    for (let i = b * TILE_WIDTH; i < upTo; i++) {
      const k = i - b * TILE_WIDTH;
      if (!equal(tile.subarray(k * 32, (k + 1) * 32), before[i] as Uint8Array)) indexes.push(i);
    }
    if (!indexes.length) continue;
    changed.add(`0/${b}`);
    const i = indexes[0] as number;
    findings.fatal(
      'tile-mismatch',
      `hash tile ${tilePath({ level: 0, index: b, width: tile.length / 32 })} as served now gives entry ${i} the leaf hash ${toHex(tile.subarray((i - b * TILE_WIDTH) * 32, (i - b * TILE_WIDTH + 1) * 32)).slice(0, 16)}…, but the log verified before has ${toHex(before[i] as Uint8Array).slice(0, 16)}… at index ${i}${indexes.length > 1 ? ` (and ${indexes.length - 1} more changed leaf hashes in this tile: ${indexes.slice(1, 9).join(', ')}${indexes.length > 9 ? ', …' : ''})` : ''}`,
      { entryIndex: i },
    );
  }
  return changed;
}

/**
 * The tiles of the tree (by level/index) and its root, from its level-0 tiles
 * (each bundle's leaf hashes, end to end) and the roots of the full ones: the
 * tiles above level 0 are those of a tree whose leaves are these roots.
 */
async function tilesAndRoot(
  n: number,
  level0: readonly Uint8Array[],
  tileRoots: readonly Uint8Array[],
): Promise<{ tiles: Map<string, Uint8Array>; root: Uint8Array }> {
  const tiles = new Map<string, Uint8Array>();
  for (const [index, data] of level0.entries()) tiles.set(`0/${index}`, data);
  for (const t of buildTiles(tileRoots)) tiles.set(`${t.level + 1}/${t.index}`, t.data);
  const root = await treeRootFromTiles(n, async (level, index, width) => {
    const d = tiles.get(`${level}/${index}`);
    if (!d) throw new Error(`tile ${level}/${index} was not built`);
    return d.subarray(0, width * 32);
  });
  if (!root.ok) throw new Error(`root from built tiles: ${root.error.message}`);
  return { tiles, root: root.value };
}

/**
 * The log's leaf hashes from the served level-0 tiles, if the served tiles
 * reproduce the signed root (then they are authentic); otherwise undefined.
 */
async function committedLeaves(
  n: number,
  served: Map<string, Uint8Array>,
  rootHash: Uint8Array,
): Promise<Uint8Array[] | undefined> {
  const leaves: Uint8Array[] = [];
  for (let b = 0; b * TILE_WIDTH < n; b++) {
    const width = Math.min(TILE_WIDTH, n - b * TILE_WIDTH);
    const t = served.get(`0/${b}`);
    if (!t || t.length !== width * 32) return undefined;
    for (let k = 0; k < width; k++) leaves.push(t.subarray(k * 32, (k + 1) * 32));
  }
  return equal(rootFromLeafHashes(leaves), rootHash) ? leaves : undefined;
}

/** Reads entries one by one (on a server, `/api/v1/entries/<i>?size=n`); null where there is none. */
async function probeEntries(
  reader: LogReader,
  first: number,
  width: number,
  size: number,
  concurrency: number,
): Promise<(Uint8Array | null)[]> {
  const out: (Uint8Array | null)[] = new Array(width).fill(null);
  const idx = Array.from({ length: width }, (_, k) => first + k);
  await forEachLimit(idx, concurrency, async (i) => {
    const res = await reader.entry(i, size);
    if (res.ok) out[i - first] = res.value;
  });
  return out;
}

function entryContext(bytes: Uint8Array | undefined): string {
  if (!bytes) return '';
  const d = decodeEntry(bytes);
  if (!d.ok) return '';
  return d.value.type === 'result'
    ? ` (a ${d.value.contest} result of station ${d.value.station})`
    : ' (the election entry)';
}

/**
 * Names each entry the server serves differently from the log it signed:
 * `own[i]` is the leaf hash of what it serves at index i (undefined: nothing),
 * `committed[i]` the log's. Shifted runs (a deletion or an insertion), swaps
 * and moves are recognised; anything else is a changed entry.
 */
export function describeEntryChanges(
  own: readonly (Uint8Array | undefined)[],
  entries: readonly (Uint8Array | undefined)[],
  committed: readonly Uint8Array[],
  findings: Findings,
): void {
  const n = committed.length;
  const same = (i: number) => {
    const a = own[i];
    return a !== undefined && equal(a, committed[i] as Uint8Array);
  };
  let where: Map<string, number> | undefined;
  const find = (h: Uint8Array): number | undefined => {
    if (!where) {
      where = new Map();
      for (let i = 0; i < committed.length; i++) where.set(toHex(committed[i] as Uint8Array), i);
    }
    return where.get(toHex(h));
  };
  const reported = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (same(i) || reported.has(i)) continue;
    const h = own[i];
    if (h === undefined) {
      findings.fatal(
        'entry-mismatch',
        `entry ${i} is covered by the signed checkpoint, but the server does not serve it (deleted from its store)`,
        { entryIndex: i },
      );
      continue;
    }
    const j = find(h);
    const swapped =
      j !== undefined && own[j] !== undefined && equal(own[j], committed[i] as Uint8Array);
    if (swapped && j !== undefined) {
      // Checked first: two adjacent entries swapped are a swap, not a removal plus an insertion.
      reported.add(j);
      const [lo, hi] = i < j ? [i, j] : [j, i];
      findings.fatal(
        'entry-mismatch',
        `entries ${lo} and ${hi} were swapped (reordered): the server serves the log's entry ${lo}${entryContext(entries[hi])} at index ${hi}, and its entry ${hi}${entryContext(entries[lo])} at index ${lo}`,
        { entryIndex: lo },
      );
      continue;
    }
    if (j === i + 1 || j === i - 1) {
      // A run served one place early (an entry was removed) or late (one was inserted).
      const step = j - i;
      let end = i;
      while (end + 1 < n) {
        const x = own[end + 1];
        if (x === undefined || find(x) !== end + 1 + step) break;
        end++;
      }
      for (let k = i; k <= end; k++) reported.add(k);
      if (step === 1) {
        let tail = '';
        if (end + 1 < n && own[end + 1] === undefined) {
          reported.add(end + 1);
          tail = `, and nothing at index ${end + 1}`;
        }
        findings.fatal(
          'entry-mismatch',
          `entry ${i}${entryContext(undefined)} was removed: the server serves the log's entries ${i + 1}–${end + 1} at indexes ${i}–${end}, one place early${tail}`,
          { entryIndex: i },
        );
      } else {
        findings.fatal(
          'entry-mismatch',
          `an entry was inserted at index ${i}${entryContext(entries[i])}: the server serves the log's entries ${i - 1}–${end - 1} at indexes ${i}–${end}, one place late`,
          { entryIndex: i },
        );
      }
      continue;
    }
    if (j !== undefined) {
      findings.fatal(
        'entry-mismatch',
        `entry ${i} is served with the bytes the log signed at index ${j} (entries reordered)${entryContext(entries[i])}`,
        { entryIndex: i },
      );
      continue;
    }
    findings.fatal(
      'entry-mismatch',
      `entry ${i}${entryContext(entries[i])} was changed: the bytes served hash to leaf ${toHex(h).slice(0, 16)}…, but the signed log has ${toHex(committed[i] as Uint8Array).slice(0, 16)}… at index ${i}`,
      { entryIndex: i },
    );
  }
}

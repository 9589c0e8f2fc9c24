// The per-entry half of the start-up replay (replay.ts), which needs nothing
// but the entry's own bytes, so a worker thread can do it while the main
// thread folds the chunk before (replay-worker.ts): each entry's leaf hash,
// compared with the stored one; whether its bytes decode (canonical JSON of a
// well-formed entry, the costly part; not for entries a kept fold already
// holds, kept-fold.ts); and the compact ranges the replay compares the stored
// checkpoints' roots with (compact-range.ts).

import { decodeEntry } from '../election/entries.js';
import { equal } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';
import { leafHash } from '../log/merkle.js';
import { TILE_HEIGHT, TILE_WIDTH } from '../log/tiles.js';
import type { StoredEntryPage } from '../store/store.js';
import { CompactRange, type RangeNodes } from './compact-range.js';

/**
 * Consecutive entries from index `begin`, in buffers that are moved, not
 * copied, to a worker: entry k's bytes are bytes[offsets[k] .. offsets[k+1]),
 * its stored leaf hash leafHashes[32k .. 32k+32).
 */
export interface EntryChunk {
  begin: number;
  bytes: Uint8Array;
  offsets: Uint32Array;
  leafHashes: Uint8Array;
  /** Entry counts k (ascending, 1..n) after which the range [begin, begin+k) is wanted: the stored checkpoints' sizes. */
  cuts: number[];
  /** false: hash only (the entries will not be folded); decodes and resultHashes are then all zeros. */
  decode: boolean;
  /**
   * true: the store has held each entry's bytes to its leaf hash
   * (Store.getLeafPage), and the chunk has no bytes: the leaf hashes are taken
   * as they are (firstBadHash is then -1: the caller has the store's finding).
   */
  hashed: boolean;
}

export interface CheckedChunk {
  /** Each entry's leaf hash, 32 bytes apiece. */
  hashes: Uint8Array;
  /** The first entry (counted from begin) whose bytes do not hash to its stored leaf hash; -1 if none. */
  firstBadHash: number;
  /** Per entry: 1 when its bytes decode (decodeEntry), 0 when not. */
  decodes: Uint8Array;
  /**
   * Per entry, 32 bytes apiece: the SHA-256 of a result's bytes, by which the
   * fold finds a counted result for the agents' words (zeros for other entries).
   */
  resultHashes: Uint8Array;
  /** The compact range [begin, begin+cut) for each cut. */
  ranges: RangeNodes[];
  /** The compact range of the whole chunk. */
  range: RangeNodes;
  /**
   * The roots of the full tiles of leaves (256 entries, aligned) wholly in
   * this chunk, 32 bytes apiece, in order, the first that of tile
   * `firstTile`: the level-1 hashes, which TiledLogBuilder.append then need
   * not compute again.
   */
  tileRoots: Uint8Array;
  firstTile: number;
}

export type ReplayJobs = {
  'check entries': { input: EntryChunk; output: CheckedChunk };
};

/** Rows first .. first+count-1 of a page, the entries from index begin, as a chunk of their own. */
export function chunkOfPage(
  page: StoredEntryPage,
  first: number,
  count: number,
  begin: number,
  cuts: number[],
  decode = true,
  hashed = false,
): EntryChunk {
  const from = page.offsets[first] as number;
  const offsets = page.offsets.slice(first, first + count + 1);
  for (let k = 0; k < offsets.length; k++) offsets[k] = (offsets[k] as number) - from;
  return {
    begin,
    bytes: page.bytes.slice(from, page.offsets[first + count]),
    offsets,
    leafHashes: page.leafHashes.slice(first * 32, (first + count) * 32),
    cuts,
    decode,
    hashed,
  };
}

export function checkEntryChunk(chunk: EntryChunk): CheckedChunk {
  const n = chunk.offsets.length - 1;
  const hashes = new Uint8Array(n * 32);
  const decodes = new Uint8Array(n);
  const resultHashes = new Uint8Array(n * 32);
  const firstTile = Math.ceil(chunk.begin / TILE_WIDTH);
  const tileRoots = new Uint8Array(
    32 * Math.max(0, Math.floor((chunk.begin + n) / TILE_WIDTH) - firstTile),
  );
  const range = new CompactRange(chunk.begin, {
    height: TILE_HEIGHT,
    node: (tile, hash) => tileRoots.set(hash, 32 * (tile - firstTile)),
  });
  const ranges: RangeNodes[] = [];
  let firstBadHash = -1;
  let cut = 0;
  for (let k = 0; k < n; k++) {
    const bytes = chunk.bytes.subarray(chunk.offsets[k], chunk.offsets[k + 1]);
    const hash = hashes.subarray(k * 32, k * 32 + 32);
    const stored = chunk.leafHashes.subarray(k * 32, k * 32 + 32);
    if (chunk.hashed) hash.set(stored);
    else {
      hash.set(leafHash(bytes));
      if (firstBadHash < 0 && !equal(hash, stored)) firstBadHash = k;
    }
    if (chunk.decode) {
      const decoded = decodeEntry(bytes);
      decodes[k] = decoded.ok ? 1 : 0;
      if (decoded.ok && decoded.value.type === 'result') resultHashes.set(sha256(bytes), k * 32);
    }
    range.appendLeaf(hash);
    for (; chunk.cuts[cut] === k + 1; cut++) ranges.push(range.nodes());
  }
  return {
    hashes,
    firstBadHash,
    decodes,
    resultHashes,
    ranges,
    range: range.nodes(),
    tileRoots,
    firstTile,
  };
}

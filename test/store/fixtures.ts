// Builders for store tests and the benchmark: entries with awkward bytes,
// batches, tiles.

import { createHash } from 'node:crypto';
import type { AppendBatch, HashTile, StoredEntry } from '../../src/store/store.js';

export function leafHash(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(Uint8Array.of(0)).update(data).digest());
}

/** Deterministic bytes that include 0x00, 0x5c ('\'), 0x22 ('"'), 0xff and invalid UTF-8. */
export function awkwardBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  const specials = [0x00, 0x5c, 0x22, 0xff, 0xc3, 0x27];
  for (let i = 0; i < Math.min(length, specials.length); i++) out[i] = specials[i] as number;
  return out;
}

export function entry(
  index: number,
  opts: { kind?: string; contest?: string | null; station?: string | null; size?: number } = {},
): StoredEntry {
  const kind = opts.kind ?? 'result';
  const data = awkwardBytes(index + 1, opts.size ?? 100 + (index % 7) * 13);
  return {
    index,
    data,
    leafHash: leafHash(data),
    kind,
    contest: opts.contest !== undefined ? opts.contest : kind === 'result' ? 'c1' : null,
    station: opts.station !== undefined ? opts.station : kind === 'result' ? `s${index}` : null,
  };
}

export function tile(level: number, index: number, width: number, seed = 0): HashTile {
  return { level, index, width, data: awkwardBytes(seed + level * 1000 + index, width * 32) };
}

/** `n` result entries for distinct stations, starting at `start`. */
export function batch(start: number, n: number, extra: Partial<AppendBatch> = {}): AppendBatch {
  const entries: StoredEntry[] = [];
  for (let i = 0; i < n; i++) entries.push(entry(start + i));
  return { startIndex: start, entries, tiles: [], stationResults: [], tallies: [], ...extra };
}

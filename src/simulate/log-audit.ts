// Checks a client can make of a log over HTTP, with nothing but the log's
// public key: the current checkpoint, that an older checkpoint is a prefix of
// a newer one (no fork), and that entries acknowledged earlier are still in
// the log at the same index with the same bytes (no loss).
import { err, ok, type Result } from '../basics/result.js';
import { equal, fromBase64 } from '../log/bytes.js';
import { type Checkpoint, openCheckpoint } from '../log/checkpoint.js';
import { leafHash } from '../log/merkle.js';
import { parseVerifierKey } from '../log/note.js';
import { checkConsistency, checkInclusion } from '../log/proof.js';
import { decodeEntryBundle, entryBundlePath, TILE_WIDTH } from '../log/tiles.js';
import type { HttpClient } from './replay.js';

export interface LogIdentity {
  /** The log's verifier key (the election's logKey). */
  logKey: string;
  origin: string;
}

export interface SeenCheckpoint {
  checkpoint: Checkpoint;
  note: string;
}

/** Opens a signed checkpoint note with the log's key. */
export function openLogCheckpoint(note: string, log: LogIdentity): Result<SeenCheckpoint, string> {
  const verifier = parseVerifierKey(log.logKey);
  if (!verifier.ok) return err(`bad log key: ${verifier.error.message}`);
  const opened = openCheckpoint(note, log.origin, [verifier.value]);
  if (!opened.ok) return err(opened.error.message);
  return ok({ checkpoint: opened.value.checkpoint, note });
}

/** GET /log/checkpoint, opened with the log's key. */
export async function fetchCheckpoint(
  client: HttpClient,
  log: LogIdentity,
): Promise<SeenCheckpoint> {
  const res = await client.request('GET', '/log/checkpoint');
  if (res.status !== 200) throw new Error(`GET /log/checkpoint: ${res.status}`);
  const opened = openLogCheckpoint(res.body.toString('utf8'), log);
  if (!opened.ok) throw new Error(`the server's checkpoint does not verify: ${opened.error}`);
  return opened.value;
}

/**
 * Fetches a consistency proof from `older` to `newer` and verifies it: the
 * tree `older` signed is a prefix of the tree `newer` signed.
 */
export async function checkNoFork(
  client: HttpClient,
  older: Checkpoint,
  newer: Checkpoint,
): Promise<Result<void, string>> {
  if (older.size > newer.size)
    return err(`the log shrank: size ${older.size} before, ${newer.size} after`);
  if (older.size === 0) return ok(undefined);
  let proof: Uint8Array[] = [];
  if (older.size < newer.size) {
    const res = await client.request(
      'GET',
      `/api/v1/proof/consistency?from=${older.size}&to=${newer.size}`,
    );
    if (res.status !== 200)
      return err(`GET /api/v1/proof/consistency: ${res.status} ${res.body.toString()}`);
    const body = JSON.parse(res.body.toString()) as { proof: string[] };
    proof = body.proof.map((h) => fromBase64(h) ?? new Uint8Array(0));
  }
  const checked = checkConsistency(older.size, newer.size, proof, older.rootHash, newer.rootHash);
  return checked.ok ? ok(undefined) : err(checked.error.message);
}

/** Entries acknowledged by the log: index and leaf hash, kept compactly (millions may be recorded). */
export class AckedEntries {
  private indexes: number[] = [];
  private hashes = new Uint8Array(32 * 1024);

  get size(): number {
    return this.indexes.length;
  }

  add(index: number, leaf: Uint8Array): void {
    const n = this.indexes.length;
    if ((n + 1) * 32 > this.hashes.length) {
      const bigger = new Uint8Array(this.hashes.length * 2);
      bigger.set(this.hashes);
      this.hashes = bigger;
    }
    this.hashes.set(leaf, n * 32);
    this.indexes.push(index);
  }

  *entries(): Generator<[index: number, leaf: Uint8Array]> {
    for (let i = 0; i < this.indexes.length; i++)
      yield [this.indexes[i] as number, this.hashes.subarray(i * 32, i * 32 + 32)];
  }
}

export interface NoLossReport {
  checked: number;
  missing: string[];
  /** Entries whose inclusion proof in the new tree was also fetched and verified. */
  proofsChecked: number;
}

/**
 * Checks that every acknowledged entry is in the tree of `checkpoint` at its
 * index with the same bytes: all of them through the entry bundles
 * (/log/tile/entries/...), and `proofSample` of them (spread out, and the
 * last one) through GET /api/v1/entries/<i> with an inclusion proof verified
 * against the checkpoint's root.
 */
export async function checkNoLoss(
  client: HttpClient,
  acked: AckedEntries,
  checkpoint: Checkpoint,
  proofSample = 64,
): Promise<NoLossReport> {
  const size = checkpoint.size;
  const missing: string[] = [];
  const byTile = new Map<number, Array<[number, Uint8Array]>>();
  for (const [index, leaf] of acked.entries()) {
    const t = Math.floor(index / TILE_WIDTH);
    let list = byTile.get(t);
    if (!list) {
      list = [];
      byTile.set(t, list);
    }
    list.push([index, leaf]);
  }
  const tiles = [...byTile.keys()].sort((a, b) => a - b);
  const checkTile = async (t: number) => {
    const list = byTile.get(t) ?? [];
    const width = Math.min(TILE_WIDTH, size - t * TILE_WIDTH);
    if (width <= 0) {
      for (const [i] of list) missing.push(`entry ${i}: beyond the tree (size ${size})`);
      return;
    }
    const res = await client.request('GET', `/log/${entryBundlePath(t, width)}`);
    const bundle =
      res.status === 200 ? decodeEntryBundle(new Uint8Array(res.body), width) : undefined;
    if (!bundle?.ok) {
      for (const [i] of list)
        missing.push(`entry ${i}: entry bundle ${t} unreadable (HTTP ${res.status})`);
      return;
    }
    for (const [i, leaf] of list) {
      const data = bundle.value[i - t * TILE_WIDTH];
      if (!data) missing.push(`entry ${i}: beyond the tree (size ${size})`);
      else if (!equal(leafHash(data), leaf)) missing.push(`entry ${i}: different bytes`);
    }
  };
  // A few requests at a time.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < tiles.length) await checkTile(tiles[next++] as number);
    }),
  );

  // Inclusion proofs in the new tree for a spread-out sample.
  const all = [...acked.entries()];
  const step = Math.max(1, Math.floor(all.length / proofSample));
  const sample = all.filter((_, k) => k % step === 0 || k === all.length - 1);
  let proofsChecked = 0;
  for (const [i, leaf] of sample) {
    if (i >= size) continue; // already reported above
    const res = await client.request('GET', `/api/v1/entries/${i}?size=${size}`);
    if (res.status !== 200) {
      missing.push(`entry ${i}: GET /api/v1/entries: ${res.status}`);
      continue;
    }
    const body = JSON.parse(res.body.toString()) as { entry: string; inclusionProof: string[] };
    const data = fromBase64(body.entry) ?? new Uint8Array(0);
    const proof = body.inclusionProof.map((h) => fromBase64(h) ?? new Uint8Array(0));
    const lh = leafHash(data);
    if (!equal(lh, leaf)) missing.push(`entry ${i}: different bytes (entries API)`);
    const incl = checkInclusion(lh, i, size, proof, checkpoint.rootHash);
    if (!incl.ok) missing.push(`entry ${i}: inclusion proof: ${incl.error.message}`);
    else proofsChecked++;
  }
  return { checked: acked.size, missing, proofsChecked };
}

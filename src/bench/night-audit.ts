// The audit after the failover of the public night: nothing acknowledged was
// lost and nothing forked. Every result that got a receipt must be in the
// final log at the index its receipt names (the same canonical bytes), its
// receipt's inclusion proof must hold, and every checkpoint seen during the
// run (sampled, or carried by a receipt) must be a prefix of the final tree,
// proved from the final tree's tiles. Pure: the tiles and entry bundles come
// from the readers it is given.
import { equal } from '../log/bytes.js';
import { type Checkpoint, openCheckpoint } from '../log/checkpoint.js';
import { leafHash } from '../log/merkle.js';
import type { NoteVerifier } from '../log/note.js';
import { checkInclusion } from '../log/proof.js';
import { parseReceipt } from '../log/receipt.js';
import { decodeEntryBundle, TILE_WIDTH, type TileReader } from '../log/tiles.js';
import { proveConsistent } from '../verify/checkpoint.js';

export interface AcknowledgedResult {
  /** The canonical bytes of the entry that was sent. */
  entry: Uint8Array;
  /** The receipt the writer answered with (c2sp.org/tlog-proof@v1). */
  receipt: string;
}

export interface NightAuditInput {
  origin: string;
  logKey: NoteVerifier;
  /** The final checkpoint (signed note), after the run. */
  finalNote: string;
  /** Checkpoints seen during the run (besides those in the receipts). */
  seenNotes: readonly string[];
  acknowledged: readonly AcknowledgedResult[];
  /** Hash tiles of the final tree (at its widths). */
  readTile: TileReader;
  /** The raw entry bundle of level-0 tile `index`, `width` entries, of the final tree. */
  readBundle: (index: number, width: number) => Promise<Uint8Array>;
}

export interface NightAudit {
  finalSize: number;
  acknowledged: number;
  /** Acknowledged results not in the final log at their receipt's index (or whose receipt is false). */
  lost: number;
  lostSamples: string[];
  /** Distinct checkpoints checked against the final one. */
  checkpoints: number;
  /** Checkpoints that are not a prefix of the final tree (or not signed by the log key). */
  forks: number;
  forkSamples: string[];
}

const MAX_SAMPLES = 5;

export async function auditNight(o: NightAuditInput): Promise<NightAudit> {
  const final = openCheckpoint(o.finalNote, o.origin, [o.logKey]);
  if (!final.ok) throw new Error(`the final checkpoint does not open: ${final.error.message}`);
  const last = final.value.checkpoint;
  const forkSamples: string[] = [];
  let forks = 0;
  const fork = (why: string) => {
    forks++;
    if (forkSamples.length < MAX_SAMPLES) forkSamples.push(why);
  };

  // Every distinct note once: its signature, then its place in the final tree.
  const opened = new Map<string, Checkpoint | null>();
  const open = (note: string): Checkpoint | null => {
    let cp = opened.get(note);
    if (cp !== undefined) return cp;
    const r = openCheckpoint(note, o.origin, [o.logKey]);
    cp = r.ok ? r.value.checkpoint : null;
    if (!r.ok) fork(`a checkpoint not signed by the log key: ${r.error.message}`);
    opened.set(note, cp);
    return cp;
  };
  const receipts = o.acknowledged.map((a) => parseReceipt(a.receipt));
  for (const note of o.seenNotes) open(note);
  for (const r of receipts) if (r.ok) open(r.value.checkpoint);

  const bySize = new Map<number, Checkpoint>();
  for (const cp of opened.values()) {
    if (!cp) continue;
    const other = bySize.get(cp.size);
    if (!other) bySize.set(cp.size, cp);
    else if (!equal(other.rootHash, cp.rootHash))
      fork(`two roots signed for size ${cp.size}: a split view`);
  }
  for (const cp of bySize.values()) {
    if (cp.size > last.size) fork(`size ${cp.size} was signed, the final log has ${last.size}`);
    else if (cp.size === last.size) {
      if (!equal(cp.rootHash, last.rootHash)) fork(`size ${cp.size}: not the final root`);
    } else {
      const proof = await proveConsistent(
        cp.size,
        cp.rootHash,
        last.size,
        last.rootHash,
        o.readTile,
      );
      if (!proof.ok)
        fork(`size ${cp.size} is not a prefix of the final ${last.size}: ${proof.error}`);
    }
  }

  // Each acknowledged result against the final log's entry at its receipt's index.
  const lostSamples: string[] = [];
  let lost = 0;
  const lose = (why: string) => {
    lost++;
    if (lostSamples.length < MAX_SAMPLES) lostSamples.push(why);
  };
  const bundles = new Map<number, Uint8Array[] | null>();
  const entryAt = async (index: number): Promise<Uint8Array | undefined> => {
    const b = Math.floor(index / TILE_WIDTH);
    let entries = bundles.get(b);
    if (entries === undefined) {
      const width = Math.min(TILE_WIDTH, last.size - b * TILE_WIDTH);
      const decoded = decodeEntryBundle(await o.readBundle(b, width), width);
      entries = decoded.ok ? decoded.value : null;
      bundles.set(b, entries);
    }
    return entries?.[index % TILE_WIDTH];
  };
  for (const [i, a] of o.acknowledged.entries()) {
    const r = receipts[i];
    if (!r?.ok) {
      lose(`a receipt that does not parse: ${r?.error.message}`);
      continue;
    }
    const { index, proof, checkpoint } = r.value;
    if (index >= last.size) {
      lose(`index ${index} is beyond the final log (${last.size} entries)`);
      continue;
    }
    const there = await entryAt(index);
    if (!there || !equal(there, a.entry)) {
      lose(`index ${index} holds another entry in the final log`);
      continue;
    }
    const cp = opened.get(checkpoint);
    if (!cp) {
      lose(`index ${index}: its receipt's checkpoint is not signed by the log key`);
      continue;
    }
    if (!checkInclusion(leafHash(a.entry), index, cp.size, proof, cp.rootHash).ok)
      lose(`index ${index}: its receipt's inclusion proof does not hold`);
  }

  return {
    finalSize: last.size,
    acknowledged: o.acknowledged.length,
    lost,
    lostSamples,
    checkpoints: opened.size,
    forks,
    forkSamples,
  };
}

/** Remembers the tiles read (consistency proofs of many checkpoints share most of them). */
export function memoTiles(read: TileReader): TileReader {
  const seen = new Map<string, Promise<Uint8Array>>();
  return (level, index, width) => {
    const key = `${level}/${index}/${width}`;
    let t = seen.get(key);
    if (!t) {
      t = read(level, index, width);
      seen.set(key, t);
    }
    return t;
  };
}

/**
 * The busiest `windowSeconds` of a list of times (seconds): how many fall in
 * the fullest window [t, t + windowSeconds), and where it starts.
 */
export function busiestWindow(
  times: readonly number[],
  windowSeconds: number,
): { count: number; start: number | null } {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let start: number | null = null;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    while ((t[i] as number) - (t[j] as number) >= windowSeconds) j++;
    if (i - j + 1 > best) {
      best = i - j + 1;
      start = t[j] as number;
    }
  }
  return { count: best, start };
}

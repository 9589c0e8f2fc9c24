// Loads an opened bundle into an empty store, so that a read-only server
// (startLog without a signer) can serve it: entries and tiles as the
// sequencer would have written them, the fold's station results and tallies,
// every checkpoint as stored in the bundle (cosignatures included), and the
// forms. Nothing is signed here: the mirror serves the log's own checkpoints.

import type { OpenedBundle } from '../bundle/read.js';
import type { ElectionIndex } from '../election/election-index.js';
import { decodeEntry } from '../election/entries.js';
import { TallyFold } from '../election/fold.js';
import { equal } from '../log/bytes.js';
import { leafHash } from '../log/merkle.js';
import { TiledLogBuilder } from '../log/tiles.js';
import type { Store, StoredEntry } from '../store/store.js';

/** Entries per appendBatch. */
const BATCH = 4096;

export interface LoadSummary {
  entries: number;
  checkpoints: number;
  forms: number;
  /** Forms left out because their bytes do not hash to their name. */
  formsRefused: string[];
}

/**
 * Appends entries 1 .. treeSize-1 of the bundle to a store that holds only
 * its entry 0 (written by startLog's genesis), then the checkpoints and forms.
 * Throws if the entries do not reproduce the bundle's signed root
 * (BundleIntegrityError, from OpenedBundle.entries()).
 */
export async function loadBundle(
  bundle: OpenedBundle,
  store: Store,
  index: ElectionIndex,
  onProgress?: (done: number, total: number) => void,
): Promise<LoadSummary> {
  const n = bundle.manifest.treeSize;
  if ((await store.treeSize()) !== 1)
    throw new Error('loadBundle needs a store holding only entry 0');
  const fold = new TallyFold(index);
  const builder = TiledLogBuilder.empty();
  let pending: Array<{ bytes: Uint8Array; index: number }> = [];

  const flush = async () => {
    if (pending.length === 0) return;
    const start = pending[0]?.index as number;
    const entries: StoredEntry[] = [];
    const stations = new Map<string, { contest: string; station: string }>();
    const units = new Map<string, { contest: string; unit: string }>();
    for (const { bytes, index: i } of pending) {
      const anomalies = fold.anomalies.length;
      const change = fold.applyBytes(i, bytes);
      for (const s of change.stations) stations.set(`${s.contest}\u0000${s.station}`, s);
      for (const u of change.units) units.set(`${u.contest}\u0000${u.unit}`, u);
      const decoded = decodeEntry(bytes);
      // An entry the fold did not count (a duplicate result, say) is stored
      // under its own kind, so the store's one-result-per-station rule holds.
      const counted = fold.anomalies.length === anomalies && decoded.ok;
      const result = counted && decoded.value.type === 'result' ? decoded.value : undefined;
      entries.push({
        index: i,
        data: bytes,
        leafHash: leafHash(bytes),
        kind: counted ? decoded.value.type : 'anomaly',
        contest: result?.contest ?? null,
        station: result?.station ?? null,
      });
    }
    const appended = builder.append(entries.map((e) => e.leafHash));
    await store.appendBatch({
      // Entry 0 is in the store already (its tiles are rewritten wider here, as a sequencer would).
      startIndex: Math.max(start, 1),
      entries: entries.filter((e) => e.index > 0),
      tiles: appended.changedTiles,
      stationResults: [...stations.values()].map(({ contest, station }) => {
        const r = fold.result(contest, station);
        if (!r) throw new Error('folded result vanished');
        return { contest, station, entryIndex: r.entryIndex, result: r };
      }),
      tallies: [...units.values()].map(({ contest, unit }) => ({
        contest,
        unit,
        tally: fold.tally(contest, unit),
      })),
    });
    onProgress?.(start + pending.length, n);
    pending = [];
  };

  let i = 0;
  for await (const bytes of bundle.entries()) {
    if (i === 0 && !equal(bytes, bundle.entry0Bytes))
      throw new Error('the first entry of the bundle is not its election/entry0.json');
    pending.push({ bytes, index: i });
    i++;
    if (pending.length >= BATCH) await flush();
  }
  await flush();
  if (i !== n) throw new Error(`the bundle holds ${i} entries, not ${n}`);

  for (const cp of bundle.checkpoints) await store.putCheckpoint(cp);
  const summary: LoadSummary = {
    entries: n,
    checkpoints: bundle.checkpoints.length,
    forms: 0,
    formsRefused: [],
  };
  for (const sha256 of bundle.formHashes) {
    const form = await bundle.form(sha256);
    if (!form) continue;
    try {
      await store.putBlob({ sha256, contentType: form.contentType, data: form.data });
      summary.forms++;
    } catch {
      summary.formsRefused.push(sha256);
    }
  }
  return summary;
}

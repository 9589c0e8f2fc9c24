// Loads an opened bundle into an empty store, so that a read-only server
// (startLog without a signer) can serve it: entries and tiles as the
// sequencer would have written them, the fold's station results and tallies,
// every checkpoint as stored in the bundle (cosignatures included), and the
// forms. Nothing is signed here: the mirror serves the log's own checkpoints.

import type { OpenedBundle } from '../bundle/read.js';
import type { ElectionIndex } from '../election/election-index.js';
import { decodeEntry } from '../election/entries.js';
import { type FoldChange, TallyFold } from '../election/fold.js';
import { equal } from '../log/bytes.js';
import { leafHash } from '../log/merkle.js';
import { TiledLogBuilder } from '../log/tiles.js';
import type { Store } from '../store/store.js';
import { type EntryToAppend, LogWriter } from './log-writer.js';

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
  // Entry 0 is in the store already: the fold and the tree start from it.
  fold.applyBytes(0, bundle.entry0Bytes);
  builder.append([leafHash(bundle.entry0Bytes)]);
  const writer = new LogWriter(store, builder, fold);
  let entries: EntryToAppend[] = [];
  let changes: FoldChange[] = [];

  const flush = async () => {
    if (entries.length === 0) return;
    await writer.append(entries, changes);
    onProgress?.(writer.size, n);
    entries = [];
    changes = [];
  };

  let i = 0;
  for await (const bytes of bundle.entries()) {
    if (i === 0) {
      if (!equal(bytes, bundle.entry0Bytes))
        throw new Error('the first entry of the bundle is not its election/entry0.json');
    } else {
      const anomalies = fold.anomalies.length;
      changes.push(fold.applyBytes(i, bytes));
      const decoded = decodeEntry(bytes);
      const counted = fold.anomalies.length === anomalies && decoded.ok;
      entries.push({ bytes, counted: counted ? decoded.value : undefined });
      if (entries.length >= BATCH) await flush();
    }
    i++;
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

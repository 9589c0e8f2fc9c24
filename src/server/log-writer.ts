// The one way entries reach a stored log: a batch of entries, the tiles they
// change, and the derived rows (station results, tallies) the fold changed
// with them, written in ONE transaction (Store.appendBatch, which checks the
// writer lease); a checkpoint is signed only over what that made durable.
// The sequencer, genesis and bundle loading all append through it, so the
// rows they write cannot drift apart.

import type { Entry } from '../election/entries.js';
import type { FoldChange, TallyFold, UnitTally } from '../election/fold.js';
import { leafHash } from '../log/merkle.js';
import type { TiledLogBuilder } from '../log/tiles.js';
import type {
  AppendBatch,
  HashTile,
  Store,
  StoredCheckpoint,
  StoredEntry,
  TallyRow,
} from '../store/store.js';

/** An entry to append: its canonical bytes, and the entry when the fold counts it. */
export interface EntryToAppend {
  bytes: Uint8Array;
  /**
   * The decoded entry, when the fold counted it. An entry the fold does not
   * count (a duplicate result, say) is stored as kind "anomaly", without
   * contest and station, so the store's one-result-per-station rule holds.
   */
  counted?: Entry;
}

/** The stored row of an entry: its indexed columns follow the fold's verdict. */
export function entryRow(index: number, e: EntryToAppend): StoredEntry {
  const result = e.counted?.type === 'result' ? e.counted : undefined;
  return {
    index,
    data: e.bytes,
    leafHash: leafHash(e.bytes),
    kind: e.counted?.type ?? 'anomaly',
    contest: result?.contest ?? null,
    station: result?.station ?? null,
  };
}

/** A tally row as the fold has it. */
export interface FoldedTally extends TallyRow {
  tally: UnitTally | undefined;
}

export interface Appended {
  /** The log's size after the batch. */
  size: number;
  root: Uint8Array;
  tiles: readonly HashTile[];
  /** The tallies the batch changed, as stored. */
  tallies: FoldedTally[];
}

export class LogWriter {
  /**
   * @param builder the tree edge of the stored log (advanced by each append)
   * @param fold the fold of the stored log, with the batch's entries already
   *   applied when append is called (null for genesis: no derived rows)
   */
  constructor(
    private readonly store: Store,
    private readonly builder: TiledLogBuilder,
    private readonly fold: TallyFold | null,
  ) {}

  get size(): number {
    return this.builder.size;
  }

  root(): Uint8Array {
    return this.builder.root();
  }

  /**
   * Appends the entries at the end of the log with the derived rows of the
   * fold changes given, in one durable transaction. If it throws, the tree
   * edge has moved past the store: the caller stops appending (the store is
   * the truth; a restart resumes from it).
   */
  async append(
    entries: readonly EntryToAppend[],
    changes: readonly FoldChange[],
    extra: Pick<AppendBatch, 'blobs' | 'meta' | 'beforeCommit'> & {
      /** A checkpoint over the log after this batch, committed with it (genesis). */
      checkpoint?: (size: number, root: Uint8Array) => StoredCheckpoint;
    } = {},
  ): Promise<Appended> {
    const start = this.builder.size;
    const rows = entries.map((e, i) => entryRow(start + i, e));
    const appended = this.builder.append(rows.map((r) => r.leafHash));
    const { stationResults, tallies } = this.derivedRows(changes);
    await this.store.appendBatch({
      startIndex: start,
      entries: rows,
      tiles: appended.changedTiles,
      stationResults,
      tallies,
      blobs: extra.blobs,
      meta: extra.meta,
      checkpoint: extra.checkpoint?.(appended.size, appended.root),
      beforeCommit: extra.beforeCommit,
    });
    return { size: appended.size, root: appended.root, tiles: appended.changedTiles, tallies };
  }

  /** The fold's current rows for every station and unit the changes name, each once. */
  private derivedRows(
    changes: readonly FoldChange[],
  ): Pick<AppendBatch, 'stationResults'> & { tallies: FoldedTally[] } {
    const fold = this.fold;
    if (!fold) return { stationResults: [], tallies: [] };
    const stations = new Map<string, { contest: string; station: string }>();
    const units = new Map<string, { contest: string; unit: string }>();
    for (const c of changes) {
      for (const s of c.stations) stations.set(`${s.contest}\u0000${s.station}`, s);
      for (const u of c.units) units.set(`${u.contest}\u0000${u.unit}`, u);
    }
    return {
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
    };
  }

  /** Signs a checkpoint over the durable log and stores it (only after an append resolved). */
  async checkpoint(sign: (size: number, root: Uint8Array) => string): Promise<StoredCheckpoint> {
    const cp = { size: this.builder.size, note: sign(this.builder.size, this.builder.root()) };
    await this.store.putCheckpoint(cp);
    return cp;
  }
}

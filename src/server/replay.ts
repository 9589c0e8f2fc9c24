// Start-up integrity. Before a server serves a store (writer or read-only), it
// replays the stored log and refuses the store unless everything it would
// serve follows from the entries and the log's own signatures:
//
//   - the entry rows are exactly 0 .. size-1, and each row's bytes hash to its
//     stored leaf hash;
//   - the tree recomputed from the entries equals every stored tile (tiles
//     are what proofs are served from) and the root of every stored checkpoint
//     (each verified against the election's log key), the last one included;
//     no checkpoint covers more entries than the store holds;
//   - the derived rows (station results, tallies, each result entry's indexed
//     contest and station) equal the fold of the entries.
//
// The first mismatch is a StoreIntegrityError naming the index. The replayed
// fold and tree edge are handed to the sequencer, so a writer reads the log
// once. Entries are read in large pages; worker threads hash and decode each
// chunk of a page while this thread folds the one before (replay-chunk.ts).
//
// A writer may start from the fold it kept when it last stopped (kept-fold.ts):
// the entries that fold holds are still read, hashed and held to every tile
// and checkpoint, and their indexed columns to the kept fold, but not decoded
// or folded again; the kept fold is used only if those entries reproduce its
// root. Anything amiss with it is a KeptFoldRejected, and the caller replays
// without it.

import { availableParallelism } from 'node:os';
import type { ElectionIndex } from '../election/election-index.js';
import type { Entry } from '../election/entries.js';
import { TallyFold } from '../election/fold.js';
import { loggedVerdict } from '../election/rules.js';
import { equal, toHex } from '../log/bytes.js';
import { openCheckpoint } from '../log/checkpoint.js';
import { leafHash } from '../log/merkle.js';
import { parseVerifierKey } from '../log/note.js';
import { formatTileIndex, TILE_WIDTH, type Tile, TiledLogBuilder } from '../log/tiles.js';
import { WorkerPool } from '../platform/worker-pool.js';
import type { Store, StoredCheckpoint, StoredEntryPage } from '../store/store.js';
import { CompactRange } from './compact-range.js';
import type { KeptFold } from './kept-fold.js';
import {
  type CheckedChunk,
  checkEntryChunk,
  chunkOfPage,
  type ReplayJobs,
} from './replay-chunk.js';

/** What a failed start-up check found. */
export type IntegrityProblem =
  | 'missing-entry'
  | 'entry-beyond-head'
  | 'entry-hash'
  | 'entry-columns'
  | 'tile'
  | 'checkpoint-signature'
  | 'checkpoint-root'
  | 'station-result'
  | 'tally'
  | 'definition';

export class StoreIntegrityError extends Error {
  constructor(
    readonly problem: IntegrityProblem,
    /** The first log index concerned, where there is one. */
    readonly index: number | null,
    detail: string,
  ) {
    super(
      `the store fails the start-up check (${problem}): ${detail}; refusing to serve it (recovery: docs/FORMATS.md §10.6)`,
    );
    this.name = 'StoreIntegrityError';
  }
}

/** The kept fold does not fit the stored log (not a finding about the store): replay without it. */
export class KeptFoldRejected extends Error {
  constructor(detail: string) {
    super(`the kept fold is not used: ${detail}`);
    this.name = 'KeptFoldRejected';
  }
}

export interface ReplayedLog {
  /** The fold of every stored entry. */
  fold: TallyFold;
  /** The tree's right edge after the last entry (the sequencer appends to it). */
  builder: TiledLogBuilder;
  size: number;
  /** The latest stored checkpoint, its signature and root checked; null when none is stored. */
  checkpoint: StoredCheckpoint | null;
  stats: {
    entries: number;
    /** Of entries: those the last step replayed (all on a cold start; a warm standby's tail on takeover). */
    tailEntries: number;
    /** Of entries: those whose fold was kept (kept-fold.ts) and not folded again; 0 without one. */
    keptEntries: number;
    /** The derived rows' digest was the one sealed with the kept fold: not compared again (kept-fold.ts). */
    derivedUnchanged: boolean;
    tiles: number;
    checkpoints: number;
    derivedRows: number;
    /** The last step's time: the whole check on a cold start, the tail and derived rows on a takeover. */
    ms: number;
    /** Of ms: reading, hashing and folding the entries. */
    entriesMs: number;
  };
}

export interface ReplayOptions {
  /** Entries per read (a multiple of 256 keeps tiles whole). */
  pageSize?: number;
  /** false: replay only (fold and tree), checking nothing; for tests of lying servers. */
  checkStore?: boolean;
  /**
   * Worker threads that hash and decode the entries while this thread folds
   * (default: one fewer than the cores, at least one, for replays of two
   * chunks or more; given, they are used for any replay; 0: none).
   */
  threads?: number;
  /** Told of progress after each page: phase, done, total. */
  onProgress?: (phase: 'entries' | 'derived', done: number, total: number) => void;
  /**
   * The fold the writer kept at its last stop (kept-fold.ts), its seal
   * checked: the first replay continues from it once the entries it holds
   * reproduce its root (else KeptFoldRejected). The fold is taken over, not copied.
   */
  kept?: KeptFold;
}

/** Entries per check on a worker: small enough that the fold starts soon after the first page. */
const CHUNK_SIZE = 4096;

const utf8Text = new TextDecoder();

const fail = (problem: IntegrityProblem, index: number | null, detail: string): never => {
  throw new StoreIntegrityError(problem, index, detail);
};

/** Replays the stored log and checks the store against it; throws StoreIntegrityError. */
export async function replayStoredLog(
  store: Store,
  index: ElectionIndex,
  opts: ReplayOptions = {},
): Promise<ReplayedLog> {
  const replay = new LogReplay(index, opts);
  await replay.advance(store);
  return replay.finish(store);
}

type CheckedCheckpoint = StoredCheckpoint & { root: Uint8Array };

/**
 * A page of entries read: with their bytes, or (firstBadHash given) without,
 * the database having hashed them (Store.getLeafPage; bytes empty, offsets 0).
 */
type ReadPage = StoredEntryPage & { firstBadHash?: number };

/** A leaf page (Store.getLeafPage) in the shape of an entry page whose bytes are all empty. */
async function readLeafPage(store: Store, start: number, end: number): Promise<ReadPage> {
  const page = await store.getLeafPage(start, end);
  return { ...page, bytes: new Uint8Array(0), offsets: new Uint32Array(page.indexes.length + 1) };
}

/** A chunk of entries read and checked, ready to fold. */
interface PreparedChunk {
  start: number;
  end: number;
  /** The page read; the chunk's entries are its rows first .. first+count-1. */
  page: ReadPage;
  first: number;
  /** The entries present in order from start, up to the first missing one. */
  count: number;
  /** The first missing index, or -1. */
  missing: number;
  checked: CheckedChunk;
}

/**
 * The replay in steps, so a standby can follow the log while it waits for the
 * lease (warm-standby.ts) and check only the tail when it takes over. Each
 * advance replays and checks the entries stored since the last one; finish
 * checks the derived rows, which the writer rewrites as it goes, in full.
 */
export class LogReplay {
  /** The fold so far: a fresh one, or the kept one once the replay has reached its size. */
  private current: TallyFold;
  /** The kept fold not yet reached (null: none, or taken over). */
  private kept: KeptFold | null;
  /** The entries the kept fold taken over holds; 0 when none was. */
  private keptEntries = 0;
  /** Entries below the kept fold's size indexed as counted results, each one the kept fold counts. */
  private keptResultRows = 0;
  /**
   * The derived rows compared with a kept fold of the whole log, while the
   * entries are read and hashed (they must still reproduce its root, or the
   * comparison counts for nothing): the rows it compared.
   */
  private derivedEarly: Promise<number> | null = null;
  /** The derived rows' digest was the one sealed with the kept fold: they were not compared again. */
  private derivedUnchanged = false;
  readonly builder = TiledLogBuilder.empty();
  /** The tree's frontier (compact-range.ts): the checkpoints' roots are computed from it. */
  private readonly frontier = new CompactRange(0);
  /** Entries replayed and checked so far. */
  private size = 0;
  /** Every stored checkpoint seen, oldest first, each signature checked. */
  private readonly checkpoints: CheckedCheckpoint[] = [];
  /** The first of checkpoints whose root the replay has not yet compared. */
  private nextCheckpoint = 0;
  private readonly tilesChecked = new Set<string>();
  private readonly strict: boolean;
  private readonly pageSize: number;
  private readonly verifier: ReturnType<typeof parseVerifierKey> & { ok: true };
  /** When the last advance started, and how many entries it replayed, in how long. */
  private last = { started: 0, entries: 0, ms: 0 };

  constructor(
    private readonly index: ElectionIndex,
    private readonly opts: ReplayOptions = {},
  ) {
    this.kept = opts.kept && opts.kept.size > 0 ? opts.kept : null;
    this.current = this.kept ? new TallyFold(index, { blank: true }) : new TallyFold(index);
    this.strict = opts.checkStore !== false;
    this.pageSize = opts.pageSize ?? 16_384;
    const verifier = parseVerifierKey(index.definition.logKey);
    if (!verifier.ok)
      throw new Error(`the election's log key does not parse: ${index.definition.logKey}`);
    this.verifier = verifier;
  }

  /** The fold of the entries replayed so far. */
  get fold(): TallyFold {
    return this.current;
  }

  /** How many entries have been replayed and checked. */
  get replayed(): number {
    return this.size;
  }

  /**
   * Replays and checks the entries stored beyond those already replayed: up to
   * the log head, or (upTo "checkpoint", a standby's warm replay) only up to the
   * latest signed checkpoint, since a checkpoint the writer signs later may
   * cover entries the head already has, and its root must then still be
   * comparable. Throws StoreIntegrityError.
   */
  async advance(store: Store, upTo: 'head' | 'checkpoint' = 'head'): Promise<void> {
    const started = Date.now();
    const from = this.size;
    const { strict } = this;
    const size = await store.treeSize();
    const extent = await store.entryRowExtent();
    if (strict && extent.maxIndex >= size)
      fail(
        'entry-beyond-head',
        size,
        `entry rows run to index ${extent.maxIndex} but the log head says ${size} entries`,
      );
    if (size < from)
      fail(
        'missing-entry',
        size,
        `the log head says ${size} entries, but ${from} were already replayed from this store`,
      );
    // The workers start while the checkpoints' signatures are checked here; if
    // they cannot start, this thread checks the entries itself.
    const starting = this.startPool(size - from).catch(() => null);
    try {
      await this.replayTo(store, from, size, upTo, starting);
    } finally {
      await (await starting)?.close();
    }
    this.last = { started, entries: this.size - from, ms: Date.now() - started };
  }

  /** advance, once the head is known and the pool is starting. */
  private async replayTo(
    store: Store,
    from: number,
    size: number,
    upTo: 'head' | 'checkpoint',
    starting: Promise<WorkerPool<ReplayJobs> | null>,
  ): Promise<void> {
    const { strict } = this;
    if (strict) await this.loadCheckpoints(store);
    const latest = this.checkpoints.at(-1) ?? null;
    if (latest && latest.size > size)
      fail(
        'missing-entry',
        size,
        `the last signed checkpoint covers ${latest.size} entries but the store holds ${size}: entries ${size}..${latest.size - 1} are missing`,
      );
    const target = upTo === 'head' ? size : Math.max(from, latest?.size ?? 0);
    this.checkRootsUpTo(from);
    const { kept } = this;
    if (kept && (from > 0 || kept.size > target))
      throw new KeptFoldRejected(
        `it folds ${kept.size} entries, and this replay covers entries ${from}..${target - 1}`,
      );
    // A kept fold of the whole log (a clean stop, nothing appended since) is
    // already the fold finish compares the derived rows with: compare them now,
    // beside the entries' reading and hashing, which leave this thread idle.
    // If the rows' digest is the one sealed with the fold, they are the very
    // rows the writer found equal to it when it stopped (kept-fold.ts), and
    // the database's digest, on its own core, stands for the comparison.
    if (kept && kept.size === size && upTo === 'head' && strict) {
      this.derivedEarly = (async () => {
        if (kept.derivedSha256 !== undefined) {
          const digest = await store.derivedRowsDigest();
          if (digest.sha256 === kept.derivedSha256) {
            this.derivedUnchanged = true;
            return digest.rows;
          }
        }
        return checkDerivedRows(store, kept.fold, this.opts);
      })();
      this.derivedEarly.catch(() => {}); // awaited by finish; a replay that fails first must not leave it unhandled
    }

    const pool = await starting;
    // Chunks are read and checked (on the pool, when there is one) ahead of
    // the fold: up to two pages beyond the one being folded.
    const chunkSize = Math.min(this.pageSize, CHUNK_SIZE);
    const ahead: Promise<PreparedChunk>[] = [];
    let readTo = from;
    const readPage = () => {
      const start = readTo;
      let end = Math.min(target, start + this.pageSize);
      // A page ends where the kept fold does: its entries are hashed, not decoded.
      if (kept && start < kept.size && end > kept.size) end = kept.size;
      readTo = end;
      // Entries the kept fold holds are hashed by a PostgreSQL server, on its
      // own core: their bytes stay there. (The embedded engine would hash them
      // on this thread, slower than the workers do.)
      const page =
        kept && end <= kept.size && store.backend === 'postgres'
          ? readLeafPage(store, start, end)
          : store.getEntryPage(start, end);
      for (let c = start; c < end; c += chunkSize) {
        const chunkEnd = Math.min(end, c + chunkSize);
        const prepared = page.then((p) => this.prepareChunk(p, start, c, chunkEnd, pool));
        prepared.catch(() => {}); // awaited in order; a replay that fails first must not leave it unhandled
        ahead.push(prepared);
      }
    };
    for (let start = from; start < target; ) {
      while (readTo < target && readTo < start + 2 * this.pageSize) readPage();
      const chunk = await (ahead.shift() as Promise<PreparedChunk>);
      await this.replayChunk(store, chunk, size, latest);
      start = chunk.end;
      this.opts.onProgress?.('entries', chunk.end, target);
    }
  }

  /** A pool of replay workers for a replay of `count` entries, or null to check them on this thread. */
  private async startPool(count: number): Promise<WorkerPool<ReplayJobs> | null> {
    const threads = this.opts.threads ?? Math.max(1, availableParallelism() - 1);
    const worthIt = this.opts.threads !== undefined ? count > 0 : count >= 2 * CHUNK_SIZE;
    if (threads === 0 || !worthIt) return null;
    return WorkerPool.start<ReplayJobs>(new URL('./replay-worker.js', import.meta.url), {
      threads,
    });
  }

  /** Checks the chunk [start, end) of a page read from pageStart: its rows in order, up to the first missing one. */
  private async prepareChunk(
    page: ReadPage,
    pageStart: number,
    start: number,
    end: number,
    pool: WorkerPool<ReplayJobs> | null,
  ): Promise<PreparedChunk> {
    const first = start - pageStart;
    let missing = start;
    while (missing < end && page.indexes[missing - pageStart] === missing) missing++;
    const count = missing - start;
    const cuts = this.checkpoints
      .filter((cp) => cp.size > start && cp.size <= missing)
      .map((cp) => cp.size - start);
    // Entries the kept fold holds are not folded again, so not decoded either;
    // the database has hashed them (readLeafPage): only the ranges are made here.
    const hashed = page.firstBadHash !== undefined;
    const decode = !(this.kept && end <= this.kept.size);
    const chunk = chunkOfPage(page, first, count, start, cuts, decode, hashed);
    const checked = pool
      ? await pool.run('check entries', chunk, [
          chunk.bytes.buffer as ArrayBuffer,
          chunk.offsets.buffer as ArrayBuffer,
          chunk.leafHashes.buffer as ArrayBuffer,
        ])
      : checkEntryChunk(chunk);
    if (hashed) {
      const bad = page.firstBadHash as number;
      checked.firstBadHash = bad >= start && bad < start + count ? bad - start : -1;
    }
    return { start, end, page, first, count, missing: missing === end ? -1 : missing, checked };
  }

  /**
   * Checks and folds one chunk: its entries present and hashing to their leaf
   * hashes, then the tiles and the checkpoints' roots the chunk reaches, then
   * the fold and the indexed columns.
   */
  private async replayChunk(
    store: Store,
    chunk: PreparedChunk,
    size: number,
    latest: CheckedCheckpoint | null,
  ): Promise<void> {
    const { start, count, missing, checked } = chunk;
    const { strict } = this;
    const badHash = checked.firstBadHash;
    if (strict && badHash >= 0) {
      const i = start + badHash;
      const stored = await store.getEntry(i);
      fail(
        'entry-hash',
        i,
        `entry ${i}'s bytes hash to ${toHex(leafHash(stored?.data ?? new Uint8Array(0)))}, not to its stored leaf hash ${toHex(stored?.leafHash ?? new Uint8Array(0))}`,
      );
    }
    if (missing >= 0)
      fail(
        'missing-entry',
        missing,
        `entry ${missing} is missing from the store (the log head says ${size} entries${latest && latest.size > missing ? `, and the checkpoint of size ${latest.size} signed it` : ''})`,
      );
    const hashes: Uint8Array[] = [];
    for (let k = 0; k < count; k++) hashes.push(checked.hashes.subarray(k * 32, k * 32 + 32));
    const { tileRoots, firstTile } = checked;
    const appended = this.builder.append(hashes, (tile) => {
      const k = tile - firstTile;
      return k >= 0 && 32 * k < tileRoots.length
        ? tileRoots.subarray(32 * k, 32 * k + 32)
        : undefined;
    });
    if (strict) await this.compareTiles(store, appended.changedTiles);
    for (const range of checked.ranges) {
      const cp = this.checkpoints[this.nextCheckpoint++] as CheckedCheckpoint;
      this.checkRoot(cp, this.frontier.rootWith(range));
    }
    this.frontier.appendRange(checked.range);
    const { kept } = this;
    if (kept && chunk.end <= kept.size) {
      this.holdColumnsToKept(chunk, kept.fold);
      this.size = chunk.end;
      if (chunk.end === kept.size) this.takeOverKept(kept);
    } else {
      this.foldChunk(chunk);
      this.size = chunk.end;
    }
  }

  /**
   * For entries the kept fold holds: the indexed columns that foldChunk
   * checks against each entry's own fold, held to the kept fold instead. A
   * row indexed as a result must be a result the kept fold counts, from that
   * very entry; that every counted result has such a row is checked when the
   * kept fold is taken over (the rows are as many as the counted results).
   */
  private holdColumnsToKept({ start, page, first, count }: PreparedChunk, fold: TallyFold): void {
    const { kinds, contests, stations } = page;
    for (let k = 0; k < count; k++) {
      const row = first + k;
      if (kinds[row] !== 'result') continue;
      const [contest, station] = [contests[row], stations[row]];
      const counted =
        contest == null || station == null
          ? undefined
          : fold.results.get(contest)?.entryIndexOf(station);
      if (counted !== start + k)
        throw new KeptFoldRejected(
          `entry ${start + k} is indexed as the ${JSON.stringify(contest)} result of station ${JSON.stringify(station)}, which the kept fold does not count from it`,
        );
      this.keptResultRows++;
    }
  }

  /** At the kept fold's size: its root and counted results must be the log's, and the replay goes on from it. */
  private takeOverKept(kept: KeptFold): void {
    if (!equal(this.frontier.root(), kept.root))
      throw new KeptFoldRejected(
        `the entries do not reproduce the root it was kept with at size ${kept.size}`,
      );
    let counted = 0;
    for (const table of kept.fold.results.values()) counted += table.size;
    if (counted !== this.keptResultRows)
      throw new KeptFoldRejected(
        `it counts ${counted} results, and ${this.keptResultRows} of the first ${kept.size} entries are indexed as results`,
      );
    this.current = kept.fold;
    this.kept = null;
    this.keptEntries = kept.size;
  }

  /** Checks the derived rows against the fold and returns the replayed log. */
  async finish(store: Store): Promise<ReplayedLog> {
    const early = this.derivedEarly && this.keptEntries === this.size ? this.derivedEarly : null;
    const derivedRows = this.strict
      ? await (early ?? checkDerivedRows(store, this.fold, this.opts))
      : 0;
    const latest = this.checkpoints.at(-1) ?? null;
    return {
      fold: this.fold,
      builder: this.builder,
      size: this.size,
      checkpoint: this.strict
        ? latest && { size: latest.size, note: latest.note }
        : await store.latestCheckpoint(),
      stats: {
        entries: this.size,
        tailEntries: this.last.entries,
        keptEntries: this.keptEntries,
        derivedUnchanged: early !== null && this.derivedUnchanged,
        tiles: this.tilesChecked.size,
        checkpoints: this.checkpoints.length,
        derivedRows,
        ms: Date.now() - this.last.started,
        entriesMs: this.last.ms,
      },
    };
  }

  /** Reads the checkpoints stored since the last read, each signature checked. */
  private async loadCheckpoints(store: Store): Promise<void> {
    const { logOrigin } = this.index.definition;
    for (let from = (this.checkpoints.at(-1)?.size ?? -1) + 1; ; ) {
      const page = await store.listCheckpoints(from, 1000);
      for (const cp of page) {
        const opened = openCheckpoint(cp.note, logOrigin, [this.verifier.value]);
        if (!opened.ok)
          fail(
            'checkpoint-signature',
            null,
            `the stored checkpoint of size ${cp.size} does not verify with the log key: ${opened.error.message}`,
          );
        else {
          if (opened.value.checkpoint.size !== cp.size)
            fail(
              'checkpoint-signature',
              null,
              `the checkpoint stored as size ${cp.size} signs size ${opened.value.checkpoint.size}`,
            );
          // Only a standby's later advance can meet this: the tree is past the
          // size, so its root can no longer be compared. Not a finding about
          // the store; the standby starts its replay again (warm-standby.ts).
          if (cp.size < this.size)
            throw new Error(
              `a checkpoint of size ${cp.size} was stored after ${this.size} entries were replayed: replay from the start`,
            );
          this.checkpoints.push({ ...cp, root: opened.value.checkpoint.rootHash });
        }
      }
      if (page.length < 1000) return;
      from = (page.at(-1)?.size ?? 0) + 1;
    }
  }

  /** Compares the root of every checkpoint up to size (the tree is at size). */
  private checkRootsUpTo(size: number): void {
    for (
      let cp = this.checkpoints[this.nextCheckpoint];
      cp && cp.size <= size;
      cp = this.checkpoints[++this.nextCheckpoint]
    )
      this.checkRoot(cp, this.frontier.root());
  }

  /** Compares a checkpoint's signed root with the tree's root at its size. */
  private checkRoot(cp: CheckedCheckpoint, root: Uint8Array): void {
    if (cp.size === 0 || equal(root, cp.root)) return;
    const before = this.checkpoints.filter((c) => c.size < cp.size).at(-1)?.size ?? 0;
    fail(
      'checkpoint-root',
      before,
      `the entries do not reproduce the root signed at size ${cp.size}: an entry in ${before}..${cp.size - 1} differs from what the log signed`,
    );
  }

  private async compareTiles(store: Store, computed: readonly Tile[]): Promise<void> {
    const byLevel = new Map<number, Tile[]>();
    for (const t of computed) byLevel.set(t.level, [...(byLevel.get(t.level) ?? []), t]);
    for (const [level, tiles] of byLevel) {
      const first = tiles[0]?.index ?? 0;
      const last = tiles.at(-1)?.index ?? 0;
      const stored = new Map(
        (await store.getTiles(level, first, last + 1)).map((t) => [t.index, t]),
      );
      for (const t of tiles) {
        const s = stored.get(t.index);
        const path = `${t.level}/${formatTileIndex(t.index)}`;
        if (!s || s.width < t.width) {
          fail(
            'tile',
            level === 0 ? t.index * TILE_WIDTH + (s?.width ?? 0) : null,
            `tile ${path} is ${s ? `only ${s.width} hashes wide` : 'missing'}; the entries need ${t.width}`,
          );
          return;
        }
        if (equal(s.data.subarray(0, t.data.length), t.data)) {
          this.tilesChecked.add(path);
          continue;
        }
        let at = 0;
        while (
          at < t.width &&
          equal(s.data.subarray(at * 32, at * 32 + 32), t.data.subarray(at * 32, at * 32 + 32))
        )
          at++;
        if (level === 0) {
          const i = t.index * TILE_WIDTH + at;
          fail(
            'tile',
            i,
            `entry ${i} hashes to ${toHex(t.data.subarray(at * 32, at * 32 + 32))} but tile ${path} holds ${toHex(s.data.subarray(at * 32, at * 32 + 32))}`,
          );
        }
        fail(
          'tile',
          null,
          `tile ${path} (hash ${at}) differs from the tree recomputed from the entries`,
        );
      }
    }
  }

  /** Folds a chunk's entries, each decoded or not as its check found (replay-chunk.ts). */
  private foldChunk({ start, page, first, count, checked }: PreparedChunk): void {
    const { fold, index } = this;
    for (let k = 0; k < count; k++) {
      const i = start + k;
      const row = first + k;
      const data = page.bytes.subarray(page.offsets[row], page.offsets[row + 1]);
      // Bytes that decode are canonical JSON of a well-formed entry: parsing them again gives it.
      const entry = checked.decodes[k] ? (JSON.parse(utf8Text.decode(data)) as Entry) : null;
      const anomalies = fold.anomalies.length;
      // A result's device signature was verified before it was logged, and its
      // bytes are now proven by the signed tree: only its flags are recomputed
      // (the device's standing is still checked; kura verify re-verifies all).
      if (entry?.type === 'result')
        fold.applyPrechecked(
          i,
          entry,
          loggedVerdict(index, entry),
          data,
          checked.resultHashes.subarray(k * 32, k * 32 + 32),
        );
      else if (entry) fold.apply(i, entry, data);
      else fold.applyBytes(i, data);
      const counted =
        entry?.type === 'result' && fold.anomalies.length === anomalies ? entry : undefined;
      // The indexed columns back exactly-once: a counted result has them, nothing else claims them.
      const [kind, contest, station] = [page.kinds[row], page.contests[row], page.stations[row]];
      const columnsRight = counted
        ? kind === 'result' && contest === counted.contest && station === counted.station
        : kind !== 'result';
      if (this.strict && !columnsRight)
        fail(
          'entry-columns',
          i,
          `entry ${i} is indexed as ${JSON.stringify([kind, contest, station])}, which its bytes do not say`,
        );
    }
  }
}

/** The station result and tally rows must be the fold's, no more and no fewer. */
export async function checkDerivedRows(
  store: Store,
  fold: TallyFold,
  opts: ReplayOptions,
): Promise<number> {
  const PAGE = 10_000;
  let expectedResults = 0;
  for (const byStation of fold.results.values()) expectedResults += byStation.size;
  let expectedTallies = 0;
  for (const units of fold.tallies.values())
    for (const t of units.values()) if (t.lastEntry >= 0) expectedTallies++;
  const total = expectedResults + expectedTallies;
  const resultPages = () =>
    pagesOf(
      (after: { contest: string; station: string } | null) =>
        store.listStationResultRows(after, PAGE),
      (r) => ({ contest: r.contest, station: r.station }),
      PAGE,
    );
  let seenResults = 0;
  for await (const rows of resultPages()) {
    for (const row of rows) {
      // The usual row, compared from the fold's packed row; anything else is made and compared in full.
      const table = fold.results.get(row.contest);
      if (
        table?.entryIndexOf(row.station) === row.entryIndex &&
        table.sameAsStored(row.station, row.result) === true
      ) {
        seenResults++;
        continue;
      }
      const want = fold.result(row.contest, row.station);
      const name = `the ${row.contest} result of station ${row.station}`;
      if (!want)
        fail(
          'station-result',
          row.entryIndex,
          `${name} is stored, but no entry of the log gives it`,
        );
      else {
        const diff =
          row.entryIndex === want.entryIndex
            ? differenceIfAny(row.result, want)
            : `entryIndex: stored ${row.entryIndex}, log says ${want.entryIndex}`;
        if (diff)
          fail(
            'station-result',
            want.entryIndex,
            `${name} (entry ${want.entryIndex}) differs from the fold of the log: ${diff}`,
          );
        seenResults++;
      }
    }
    opts.onProgress?.('derived', seenResults, total);
  }
  if (seenResults !== expectedResults) {
    const stored = new Set<string>();
    for await (const rows of resultPages())
      for (const r of rows) stored.add(`${r.contest}\u0000${r.station}`);
    const missing = [...fold.results.values()]
      .flatMap((m) => [...m.values()])
      .filter((r) => !stored.has(`${r.contest}\u0000${r.station}`))
      .sort((a, b) => a.entryIndex - b.entryIndex)[0];
    fail(
      'station-result',
      missing?.entryIndex ?? null,
      `the ${missing?.contest} result of station ${missing?.station} (entry ${missing?.entryIndex}) is missing from the stored station results`,
    );
  }
  let seenTallies = 0;
  const storedTallies = new Set<string>();
  const tallyPages = pagesOf(
    (after: { contest: string; unit: string } | null) => store.listTallyRows(after, PAGE),
    (r) => ({ contest: r.contest, unit: r.unit }),
    PAGE,
  );
  for await (const rows of tallyPages) {
    for (const row of rows) {
      const want = fold.tally(row.contest, row.unit);
      const name = `the ${row.contest} tally of ${row.unit === '' ? 'the nation' : `unit ${row.unit}`}`;
      if (!want) fail('tally', null, `${name} is stored, but the election has no such tally`);
      else {
        const diff = differenceIfAny(row.tally, want);
        if (diff)
          fail(
            'tally',
            want.lastEntry >= 0 ? want.lastEntry : null,
            `${name} differs from the fold of the log${want.lastEntry >= 0 ? ` (last changed by entry ${want.lastEntry})` : ''}: ${diff}`,
          );
        if (want.lastEntry >= 0) seenTallies++;
        storedTallies.add(`${row.contest}\u0000${row.unit}`);
      }
    }
    opts.onProgress?.('derived', seenResults + seenTallies, total);
  }
  if (seenTallies !== expectedTallies) {
    for (const [contest, units] of fold.tallies)
      for (const [unit, t] of units)
        if (t.lastEntry >= 0 && !storedTallies.has(`${contest}\u0000${unit}`))
          fail(
            'tally',
            t.lastEntry,
            `the ${contest} tally of ${unit === '' ? 'the nation' : `unit ${unit}`} (last changed by entry ${t.lastEntry}) is missing from the stored tallies`,
          );
  }
  return seenResults + storedTallies.size;
}

/**
 * The pages of a keyed listing, each read while the one before is compared:
 * `list(after)` gives up to `size` rows after the key `after` (null: from the
 * first), and `key` is a row's key.
 */
async function* pagesOf<R, K>(
  list: (after: K | null) => Promise<R[]>,
  key: (row: R) => K,
  size: number,
): AsyncGenerator<R[]> {
  for (let next: Promise<R[]> | null = list(null); next; ) {
    const rows: R[] = await next;
    const last = rows.at(-1);
    next = rows.length === size && last !== undefined ? list(key(last)) : null;
    next?.catch(() => {}); // awaited next; a comparison that fails first must not leave it unhandled
    yield rows;
  }
}

/** firstDifference, after a check that allocates nothing for the usual case, the same values. */
function differenceIfAny(stored: unknown, folded: unknown): string | null {
  return sameJson(stored, folded) ? null : firstDifference(stored, folded);
}

/** Whether firstDifference finds no difference. */
function sameJson(stored: unknown, folded: unknown): boolean {
  const b = folded === undefined ? null : folded;
  if (typeof b !== 'object' || b === null || typeof stored !== 'object' || stored === null)
    return stored === b;
  if (Array.isArray(b) !== Array.isArray(stored)) return false;
  const a = stored as Record<string, unknown>;
  const f = b as Record<string, unknown>;
  let defined = 0;
  for (const k in f) {
    const v = f[k];
    if (v === undefined) {
      if (Object.hasOwn(a, k)) return false;
    } else if (!Object.hasOwn(a, k) || !sameJson(a[k], v)) return false;
    else defined++;
  }
  // Every key of the stored value must be one of the folded value's defined ones.
  let keys = 0;
  for (const _ in a) keys++;
  return keys === defined;
}

/**
 * The first place where a stored JSON value differs from the fold's value
 * ("votes.alpha: stored 600, log says 100"), or null when they are the same
 * JSON (keys in any order; undefined members absent).
 */
export function firstDifference(stored: unknown, folded: unknown, path = ''): string | null {
  const here = path || '(the whole value)';
  if (folded === undefined) folded = null;
  if (
    typeof folded !== 'object' ||
    folded === null ||
    typeof stored !== 'object' ||
    stored === null
  ) {
    return stored === folded
      ? null
      : `${here}: stored ${JSON.stringify(stored)}, log says ${JSON.stringify(folded)}`;
  }
  if (Array.isArray(folded) !== Array.isArray(stored))
    return `${here}: stored ${JSON.stringify(stored)}, log says ${JSON.stringify(folded)}`;
  const a = stored as Record<string, unknown>;
  const b = folded as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b).filter((k) => b[k] !== undefined)]);
  for (const k of keys) {
    if (b[k] === undefined && Object.hasOwn(a, k))
      return `${path ? `${path}.` : ''}${k}: stored ${JSON.stringify(a[k])}, log has none`;
    const at = path ? `${path}.${k}` : k;
    if (!Object.hasOwn(a, k)) return `${at}: stored none, log says ${JSON.stringify(b[k])}`;
    const d = firstDifference(a[k], b[k], at);
    if (d) return d;
  }
  return null;
}

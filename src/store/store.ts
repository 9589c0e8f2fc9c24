// The persistence interface the server and sequencer use. One implementation
// (SqlStore, plain SQL through node-postgres' Pool) serves both PostgreSQL and
// the embedded PGlite; the same test suite runs against both.
import type { AccountStore } from './account-store.js';
import type { FormStore } from './form-store.js';
import type { LeaseRequest, WriterLease } from './writer-lease.js';

/** One log entry as appended: its canonical bytes and the columns indexed for lookups. */
export interface StoredEntry {
  index: number;
  data: Uint8Array;
  /** RFC 6962 leaf hash, SHA-256(0x00 || data). */
  leafHash: Uint8Array;
  /** Entry type ("election", "result", ...). */
  kind: string;
  /** For results: the contest and station, unique together (exactly-once). */
  contest: string | null;
  station: string | null;
}

/**
 * Entries as stored, packed for reading in bulk (the start-up check reads the
 * whole log): row k (of those found, ascending by index) is entry indexes[k].
 */
export interface StoredEntryPage {
  indexes: number[];
  /** Row k's bytes: bytes[offsets[k] .. offsets[k+1]). */
  bytes: Uint8Array;
  offsets: Uint32Array;
  /** Row k's stored leaf hash: leafHashes[32k .. 32k+32) (one not 32 bytes long reads as zeros). */
  leafHashes: Uint8Array;
  kinds: string[];
  contests: (string | null)[];
  stations: (string | null)[];
}

/**
 * Entries [start, end) as a tile of entries is made of: only their bytes,
 * end to end. `complete` is true when every index of the range is stored.
 */
export interface StoredEntryBytes {
  complete: boolean;
  /** Entry start + k's bytes: bytes[offsets[k] .. offsets[k+1]). */
  bytes: Uint8Array;
  offsets: Uint32Array;
}

/**
 * Entries as stored without their bytes, which the store has hashed itself
 * (a start-up check of entries a kept fold holds: their bytes are needed for
 * nothing else): row k is entry indexes[k].
 */
export interface StoredLeafPage {
  indexes: number[];
  /** Row k's stored leaf hash: leafHashes[32k .. 32k+32) (one not 32 bytes long reads as zeros). */
  leafHashes: Uint8Array;
  kinds: string[];
  contests: (string | null)[];
  stations: (string | null)[];
  /** The first index whose bytes do not hash to its stored leaf hash (SHA-256 of 0x00 || bytes), or -1. */
  firstBadHash: number;
}

/** A tlog-tiles hash tile as it now stands (width 1..256; 256 = full). */
export interface HashTile {
  level: number;
  index: number;
  width: number;
  data: Uint8Array;
}

/** Derived state rows written by the sequencer from the fold's output. */
export interface StationResultRow {
  contest: string;
  station: string;
  entryIndex: number;
  /** JSON-serialisable view of the station's current result (fold output). */
  result: unknown;
}

/** A station result row with its result as JSON text, not parsed (a page of station pages spliced). */
export interface StationResultTextRow {
  contest: string;
  station: string;
  entryIndex: number;
  /** The stored result as JSON text: the same value as StationResultRow.result, whitespace and key order aside. */
  json: string;
}

export interface TallyRow {
  contest: string;
  /** Unit code, or "" for the nation. */
  unit: string;
  tally: unknown;
}

export interface AppendBatch {
  /** Must equal the current tree size, or the append fails (guards against two sequencers). */
  startIndex: number;
  entries: readonly StoredEntry[];
  /** Every tile that changed, at its new width. */
  tiles: readonly HashTile[];
  stationResults: StationResultRow[];
  tallies: TallyRow[];
  /** Blobs committed with the entries (genesis: the election definition entry 0 commits to). */
  blobs?: readonly StoredBlob[];
  /** Meta rows committed with the entries (genesis: the definition's hash). */
  meta?: ReadonlyArray<{ key: string; value: string }>;
  /**
   * A checkpoint over the log as it stands after this batch, committed with it
   * (genesis). It must not be served before appendBatch resolves (durable).
   */
  checkpoint?: StoredCheckpoint;
  /** Crash tests only: runs inside the transaction, after every write, before COMMIT. */
  beforeCommit?: () => Promise<void>;
}

export interface StoredCheckpoint {
  size: number;
  /** The full signed note text. */
  note: string;
}

export interface StoredBlob {
  sha256: string;
  contentType: string;
  data: Uint8Array;
}

/** The writer's kept fold as stored: its sealed bytes (server/kept-fold.ts) and how many entries it folds. */
export interface KeptFoldRow {
  size: number;
  bytes: Uint8Array;
}

/** A blob without its content (for listings). */
export interface BlobInfo {
  sha256: string;
  contentType: string;
  /** Length in bytes. */
  size: number;
}

export class StoreConflictError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `log append conflict: batch starts at ${expected} but the tree holds ${actual} entries (is another sequencer running?)`,
    );
    this.name = 'StoreConflictError';
  }
}

/** Below this many entries the planner's guesses do no harm: no statistics are taken. */
export const STATISTICS_FROM = 1000;

/** What refreshStatistics did. */
export interface StatisticsRefresh {
  tables: readonly string[];
  /** The entries the statistics were of before: -1 when they had never been taken. */
  before: number;
  after: number;
}

export interface Store {
  /** "postgres" or "pglite": for messages and benchmarks. */
  readonly backend: 'postgres' | 'pglite';
  /** Opened for a read-only server (open.ts): it refuses every write. */
  readonly readOnly: boolean;
  /** Officials' credentials and sessions (never in the log). */
  readonly accounts: AccountStore;
  /** Uploaded forms with their uploader and time (quotas and expiry, FORMATS.md §10.3). */
  readonly forms: FormStore;

  /**
   * Takes the log's single-writer lease (writer-lease.ts), waiting or refusing
   * while another writer holds it. From then on every append and checkpoint of
   * this store checks the lease's fencing token in its own transaction and
   * fails with StoreFencedError once another writer has taken over. Without
   * the lease, appends and checkpoints are refused (LeaseHeldError) while any
   * writer holds it.
   */
  acquireWriterLease(req: LeaseRequest): Promise<WriterLease>;

  /** Runs fn over one consistent, read-only snapshot of this store (a reader's start-up check). */
  snapshot<T>(fn: (view: Store) => Promise<T>): Promise<T>;

  treeSize(): Promise<number>;
  /**
   * Appends the batch and updates derived state in ONE transaction, then makes
   * it durable (fsync where the engine does not), and only then resolves: a
   * checkpoint may be signed over it afterwards. Throws StoreConflictError when
   * startIndex is not the current size; nothing is written then.
   */
  appendBatch(batch: AppendBatch): Promise<void>;
  /** Entries [start, end) in order (fewer if the log is shorter). */
  getEntries(start: number, end: number): Promise<StoredEntry[]>;
  /** The same rows, packed: one row read from the database, not one per entry. */
  getEntryPage(start: number, end: number): Promise<StoredEntryPage>;
  /** Only the same rows' bytes (an entry bundle: half the database's work of getEntryPage). */
  getEntryBytes(start: number, end: number): Promise<StoredEntryBytes>;
  /** The same rows without their bytes, each one's bytes hashed by the database and held to its leaf hash. */
  getLeafPage(start: number, end: number): Promise<StoredLeafPage>;
  getEntry(index: number): Promise<StoredEntry | null>;
  /** The result entry already logged for this contest and station, if any. */
  findResult(contest: string, station: string): Promise<StoredEntry | null>;
  /** The tile as stored (its widest version), or null. */
  getTile(level: number, index: number): Promise<HashTile | null>;
  /** The right-edge tiles (the last tile of each level), for the sequencer to resume. */
  getEdgeTiles(): Promise<HashTile[]>;

  putCheckpoint(cp: StoredCheckpoint): Promise<void>;
  latestCheckpoint(): Promise<StoredCheckpoint | null>;
  /**
   * The stored checkpoints (the latest note per size) of size >= fromSize, by
   * size, at most `limit`: the log's signed history, page by page (exports).
   */
  listCheckpoints(fromSize: number, limit: number): Promise<StoredCheckpoint[]>;

  /** Stores content by hash; storing the same hash again is a no-op. */
  putBlob(blob: StoredBlob): Promise<void>;
  getBlob(sha256: string): Promise<StoredBlob | null>;
  hasBlob(sha256: string): Promise<boolean>;
  /** Blobs whose hash sorts after `after` ("" for the first page), by hash, at most `limit`. */
  listBlobs(after: string, limit: number): Promise<BlobInfo[]>;
  /**
   * As listBlobs without the sizes, read from the key's index alone (a page of
   * GET /api/v1/forms: no blob's bytes are touched). Keys are lower-case hex,
   * which every collation sorts as bytes.
   */
  listBlobKeys(
    after: string,
    limit: number,
  ): Promise<Array<{ sha256: string; contentType: string }>>;

  getTally(contest: string, unit: string): Promise<TallyRow | null>;
  listTallies(contest: string, units: string[]): Promise<TallyRow[]>;
  getStationResults(station: string): Promise<StationResultRow[]>;
  /**
   * The result rows of all these stations at once, by (station, contest), each
   * result as JSON text (no parse on the way out: GET /api/v1/station-pages
   * splices it into its body).
   */
  getStationResultTextsOf(stations: readonly string[]): Promise<StationResultTextRow[]>;

  /**
   * Tiles of one level with index in [start, end), by index (start-up
   * integrity: every stored tile is compared with the recomputed tree).
   */
  getTiles(level: number, start: number, end: number): Promise<HashTile[]>;
  /** How many entry rows there are and the highest index (-1 when none): rows must be 0 .. size-1. */
  entryRowExtent(): Promise<{ count: number; maxIndex: number }>;
  /** Every stored station result row, by (contest, station), after the given key, at most `limit`. */
  listStationResultRows(
    after: { contest: string; station: string } | null,
    limit: number,
  ): Promise<StationResultRow[]>;
  /** Every stored tally row, by (contest, unit), after the given key, at most `limit`. */
  listTallyRows(
    after: { contest: string; unit: string } | null,
    limit: number,
  ): Promise<TallyRow[]>;

  /**
   * A SHA-256 of every derived row as the database holds it (station results
   * and tallies, each row's key columns and JSON), and how many rows: equal
   * digests mean no derived row was changed, added or removed in between
   * (server/kept-fold.ts). Computed by the database, in one snapshot.
   */
  derivedRowsDigest(): Promise<{ sha256: string; rows: number }>;
  /** The fold the writer kept at its last stop (server/kept-fold.ts), or null when none is kept. */
  getKeptFold(): Promise<KeptFoldRow | null>;
  /**
   * Keeps a writer's fold of entries 0 .. size-1, replacing the one kept
   * unless that one is of more entries. A writer's own write: with the lease,
   * its fencing token is checked in the same transaction (StoreFencedError).
   */
  putKeptFold(kept: KeptFoldRow): Promise<void>;

  /**
   * Takes the query planner's statistics of the log's growing tables (ANALYZE)
   * when the log holds at least STATISTICS_FROM entries and more than a fifth
   * more than when they were last taken (or they never were). PostgreSQL's
   * autovacuum does this on its own schedule, or not at all where it is
   * switched off, and the embedded engine has none: without them the planner
   * reads a whole table for a page of stations. `logSize` is the writer's
   * count of entries. Returns what it did, or null when the statistics were
   * fresh enough. The writer's (a read-only store refuses).
   */
  refreshStatistics(logSize: number): Promise<StatisticsRefresh | null>;

  /** Small key/value facts (e.g. the definition's hash). */
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  close(): Promise<void>;
}

/**
 * A batch carried a result for a (contest, station) that already has one in the
 * log (or twice in the batch). The database refused it; nothing was written.
 */
export class StoreDuplicateResultError extends Error {
  constructor(
    readonly contest: string,
    readonly station: string,
    options?: { cause?: unknown },
  ) {
    super(
      `duplicate result: contest ${JSON.stringify(contest)} station ${JSON.stringify(station)} already has a result entry in the log`,
      options,
    );
    this.name = 'StoreDuplicateResultError';
  }
}

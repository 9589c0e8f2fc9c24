// SqlStore: the Store over plain SQL through a node-postgres Pool. The same
// code serves PostgreSQL and PGlite (through its node-postgres adapter); the
// only engine-specific part is the Durability passed in.
//
// Hot path (appendBatch): one transaction that locks the log_head row, checks
// the batch starts at the current size, inserts all entries with ONE statement
// (columns passed as arrays and unnest()ed; the entries' bytes travel as one
// concatenated bytea parameter, sent in binary, and are cut with substring()),
// upserts tiles the same way, upserts station results and tallies from one
// JSON parameter each, advances log_head, commits, and then waits for the
// Durability. A handful of statements per batch regardless of its size, and
// far below PostgreSQL's 65,535-parameter limit.

import { createHash } from 'node:crypto';
import type pg from 'pg';
import { type AccountStore, SqlAccountStore } from './account-store.js';
import { type Db, type Queryable, sqlState } from './db.js';
import type { Durability } from './durability.js';
import { type FormStore, SqlFormStore } from './form-store.js';
import {
  type AppendBatch,
  type BlobInfo,
  type HashTile,
  type KeptFoldRow,
  STATISTICS_FROM,
  type StationResultRow,
  type StationResultTextRow,
  type StatisticsRefresh,
  type Store,
  StoreConflictError,
  StoreDuplicateResultError,
  type StoredBlob,
  type StoredCheckpoint,
  type StoredEntry,
  type StoredEntryBytes,
  type StoredEntryPage,
  type StoredLeafPage,
  type TallyRow,
} from './store.js';
import {
  acquireEmbeddedLease,
  acquirePostgresLease,
  heldBy,
  LeaseHeldError,
  type LeaseRequest,
  StoreFencedError,
  WRITER_LEASE_KEY_SQL,
  type WriterLease,
} from './writer-lease.js';

type EntryRow = {
  idx: string;
  data: Uint8Array;
  leaf_hash: Uint8Array;
  kind: string;
  contest: string | null;
  station: string | null;
};
type TileRow = { level: number; idx: string; width: number; data: Uint8Array };

const ENTRY_COLUMNS = 'idx, data, leaf_hash, kind, contest, station';

/**
 * A range of entries as one row: the bytes and hashes concatenated, the
 * columns as arrays. The start-up check reads every entry through these pages
 * on the server's main thread, so they come in the forms node-postgres reads
 * cheapest: the bytes as base64 text (a bytea comes as hex text, decoded in
 * JavaScript at about twice the CPU; Buffer.from skips the line breaks PG puts
 * in base64), the arrays as JSON (JSON.parse; a PG array is parsed a character
 * at a time). PAGE_COLUMNS is what an entry page and a leaf page both give:
 * indexes, leaf hashes and the indexed columns.
 */
const PAGE_COLUMNS = `
       jsonb_agg((idx - $1)::int4 ORDER BY idx) AS offsets,
       encode(string_agg(CASE WHEN octet_length(leaf_hash) = 32 THEN leaf_hash
                       ELSE decode(repeat('00', 32), 'hex') END, ''::bytea ORDER BY idx), 'base64') AS leaf_hashes,
       jsonb_agg(kind ORDER BY idx) AS kinds,
       jsonb_agg(contest ORDER BY idx) AS contests,
       jsonb_agg(station ORDER BY idx) AS stations`;

const ENTRY_PAGE = `
SELECT ${PAGE_COLUMNS},
       jsonb_agg(octet_length(data) ORDER BY idx) AS lengths,
       encode(string_agg(data, ''::bytea ORDER BY idx), 'base64') AS data
FROM entries WHERE idx >= $1 AND idx < $2`;

/** Only the bytes of ENTRY_PAGE, and how many rows (idx is unique: $2 - $1 rows are all of the range). */
const ENTRY_BYTES = `
SELECT count(*)::int4 AS n,
       jsonb_agg(octet_length(data) ORDER BY idx) AS lengths,
       encode(string_agg(data, ''::bytea ORDER BY idx), 'base64') AS data
FROM entries WHERE idx >= $1 AND idx < $2`;

/** The bytes of the same range, a row per entry in index order (getEntryBytes on PostgreSQL). */
const ENTRY_ROWS = 'SELECT data FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx';

/**
 * ENTRY_PAGE without the bytes: the database hashes each entry (RFC 6962's
 * leaf hash, SHA-256 of 0x00 || bytes, PostgreSQL's sha256) and gives the
 * first index whose stored leaf hash differs. The bytes stay in the database.
 */
const LEAF_PAGE = `
SELECT ${PAGE_COLUMNS},
       min(idx) FILTER (WHERE leaf_hash IS DISTINCT FROM sha256('\\x00'::bytea || data)) AS first_bad
FROM entries WHERE idx >= $1 AND idx < $2`;

/** Where each row's bytes start in a page of rows end to end, from their lengths (and where the last ends). */
function offsetsOf(lengths: readonly number[]): Uint32Array {
  const offsets = new Uint32Array(lengths.length + 1);
  lengths.forEach((n, k) => {
    offsets[k + 1] = (offsets[k] as number) + n;
  });
  return offsets;
}

/** How much of the kept fold one query reads (Store.getKeptFold). */
const KEPT_FOLD_PIECE = 8 << 20;

/**
 * The derived rows' digest (Store.derivedRowsDigest): each row hashed as its
 * length-prefixed key columns and its JSON's text, the hashes concatenated in
 * a fixed order (a station result by its entry's index, a tally by its key
 * in bytewise order), each table's hashed, and the two hashed together.
 */
const DERIVED_DIGEST = `
SELECT encode(sha256(
         sha256(coalesce((SELECT string_agg(sha256(convert_to(
             length(contest) || ':' || contest || length(station) || ':' || station
             || entry_idx || ':' || result::text, 'UTF8')), ''::bytea ORDER BY entry_idx, contest COLLATE "C", station COLLATE "C")
           FROM station_results), ''::bytea))
      || sha256(coalesce((SELECT string_agg(sha256(convert_to(
             length(contest) || ':' || contest || length(unit) || ':' || unit || tally::text, 'UTF8')),
             ''::bytea ORDER BY contest COLLATE "C", unit COLLATE "C")
           FROM tallies), ''::bytea))), 'hex') AS sha256,
       (SELECT count(*) FROM station_results) + (SELECT count(*) FROM tallies) AS rows`;

type EntryPageRow = {
  offsets: number[] | null;
  lengths: number[] | null;
  /** base64 */
  data: string | null;
  /** base64 */
  leaf_hashes: string | null;
  kinds: string[] | null;
  contests: (string | null)[] | null;
  stations: (string | null)[] | null;
};

const INSERT_ENTRIES = `
INSERT INTO entries (idx, data, leaf_hash, kind, contest, station)
SELECT $1::bigint + t.o - 1,
       substring($2::bytea FROM t.off + 1 FOR t.len),
       substring($3::bytea FROM (t.o::int4 - 1) * 32 + 1 FOR 32),
       t.kind, t.contest, t.station
FROM unnest($4::int4[], $5::int4[], $6::text[], $7::text[], $8::text[])
     WITH ORDINALITY AS t(off, len, kind, contest, station, o)`;

const UPSERT_TILES = `
INSERT INTO tiles (level, idx, width, data)
SELECT t.level, t.idx, t.width, substring($4::bytea FROM t.off + 1 FOR t.width * 32)
FROM unnest($1::int4[], $2::int8[], $3::int4[], $5::int4[]) AS t(level, idx, width, off)
ON CONFLICT (level, idx) DO UPDATE SET width = EXCLUDED.width, data = EXCLUDED.data
  WHERE tiles.width < EXCLUDED.width`;

const UPSERT_STATION_RESULTS = `
INSERT INTO station_results (contest, station, entry_idx, result)
SELECT r->>0, r->>1, (r->>2)::bigint, r->3 FROM jsonb_array_elements($1::jsonb) AS r
ON CONFLICT (contest, station) DO UPDATE SET entry_idx = EXCLUDED.entry_idx, result = EXCLUDED.result`;

const UPSERT_TALLIES = `
INSERT INTO tallies (contest, unit, tally)
SELECT r->>0, r->>1, r->2 FROM jsonb_array_elements($1::jsonb) AS r
ON CONFLICT (contest, unit) DO UPDATE SET tally = EXCLUDED.tally`;

function bytes(b: Uint8Array): Uint8Array {
  // pg hands back Buffers (sometimes slices of a shared pool): return a plain copy.
  return new Uint8Array(b);
}

/** pg's Buffer as a plain Uint8Array over the same bytes (whose slice copies, as Buffer's does not). */
function fromBase64(text: string | null | undefined): Uint8Array {
  return plain(text ? Buffer.from(text, 'base64') : null);
}

function plain(b: Uint8Array | null | undefined): Uint8Array {
  return b ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(0);
}

function toEntry(r: EntryRow): StoredEntry {
  return {
    index: Number(r.idx),
    data: bytes(r.data),
    leafHash: bytes(r.leaf_hash),
    kind: r.kind,
    contest: r.contest,
    station: r.station,
  };
}

type StationResultDbRow = { contest: string; station: string; entry_idx: string; result: unknown };
const STATION_RESULT_COLUMNS = 'contest, station, entry_idx, result';

/** The tables that grow with the log, whose statistics refreshStatistics takes. */
const ANALYZED_TABLES = ['entries', 'tiles', 'station_results', 'tallies', 'checkpoints'];

function toStationResult(r: StationResultDbRow): StationResultRow {
  return {
    contest: r.contest,
    station: r.station,
    entryIndex: Number(r.entry_idx),
    result: r.result,
  };
}

function toTile(r: TileRow): HashTile {
  return { level: r.level, index: Number(r.idx), width: r.width, data: bytes(r.data) };
}

function checkIndex(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
}

function checkBlobKey(blob: StoredBlob): void {
  const actual = createHash('sha256').update(blob.data).digest('hex');
  if (blob.sha256 !== actual) {
    throw new Error(
      `blob key ${blob.sha256} is not the lower-case hex SHA-256 of its data (${actual})`,
    );
  }
}

function concat(parts: Uint8Array[], total: number): Buffer {
  return Buffer.concat(parts, total);
}

/** Last write wins for rows with the same key (one upsert may not touch a row twice). */
function lastByKey<T>(rows: readonly T[], key: (r: T) => string): T[] {
  const m = new Map<string, T>();
  for (const r of rows) {
    const k = key(r);
    m.delete(k);
    m.set(k, r);
  }
  return [...m.values()];
}

export interface SqlStoreOptions {
  /** Runs after the pool is closed (PGlite: close the engine, fsync, release the lock). */
  onClose?: () => Promise<void>;
  /** PostgreSQL: a new connection outside the pool, to hold the writer lease on. */
  leaseConnection?: () => pg.Client;
  /** A read-only server's store (open.ts): every write is refused here, before the database would. */
  readOnly?: boolean;
}

export class SqlStore implements Store {
  #failed: Error | undefined;
  #closed = false;
  /** The writer lease this store appends under, once taken (writer-lease.ts). */
  #lease: { token: number; lost?: Error; release(): Promise<void> } | undefined;
  readonly accounts: AccountStore;
  readonly forms: FormStore;

  constructor(
    readonly db: Db,
    readonly backend: 'postgres' | 'pglite',
    readonly durability: Durability,
    private readonly opts: SqlStoreOptions = {},
  ) {
    this.accounts = new SqlAccountStore(db, async () => {
      this.#writable();
      await this.#durable();
    });
    this.forms = new SqlFormStore(db, {
      before: () => this.#writable(),
      after: () => this.#durable(),
    });
  }

  get readOnly(): boolean {
    return this.opts.readOnly === true;
  }

  #writable(): void {
    if (this.#closed) throw new Error('store is closed');
    if (this.opts.readOnly)
      throw new Error('this store was opened read-only: a reader never writes');
    if (this.#failed) throw this.#failed;
  }

  /** After a write committed: make it durable, or mark the store failed. */
  async #durable(): Promise<void> {
    try {
      await this.durability.afterCommit(this.db);
    } catch (err) {
      this.#failed ??= new Error(
        `store failed: a commit could not be made durable (${(err as Error).message}); restart kura`,
        { cause: err },
      );
      throw this.#failed;
    }
  }

  async acquireWriterLease(req: LeaseRequest): Promise<WriterLease> {
    this.#writable();
    if (this.#lease) throw new Error('this store holds the writer lease already');
    const lease = this.opts.leaseConnection
      ? await acquirePostgresLease(this.opts.leaseConnection, req)
      : await acquireEmbeddedLease(this.db, req);
    const held: { token: number; lost?: Error; release(): Promise<void> } = {
      token: lease.token,
      release: async () => {
        if (this.#lease === held) this.#lease = undefined;
        await lease.release();
      },
    };
    this.#lease = held;
    void lease.lost.then((e) => {
      held.lost = e;
    });
    return { token: lease.token, lost: lease.lost, release: held.release };
  }

  /**
   * Inside an append or checkpoint transaction: with the lease, its token must
   * still be the current one (the row is held FOR SHARE, so a takeover waits
   * for this transaction); without it, no writer may hold the lease now (a
   * shared lock: appenders without the lease exclude a writer, not each other).
   */
  async #fence(tx: Queryable): Promise<void> {
    const lease = this.#lease;
    if (!lease) {
      const [row] = await tx.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_xact_lock_shared(${WRITER_LEASE_KEY_SQL}) AS ok`,
      );
      if (!row?.ok) throw new LeaseHeldError(await heldBy(tx));
      return;
    }
    if (lease.lost) throw lease.lost;
    const [row] = await tx.query<{ token: string }>('SELECT token FROM writer_lease FOR SHARE');
    if (Number(row?.token) !== lease.token)
      throw new StoreFencedError(
        `another writer took the lease over (fencing token ${row?.token}; this writer's is ${lease.token})`,
      );
  }

  /**
   * Runs fn over one consistent snapshot of the store (a read-only REPEATABLE
   * READ transaction): a reader's start-up check reads the log in many
   * queries while the writer appends, and must see the rows of one moment.
   */
  async snapshot<T>(fn: (view: Store) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('store is closed');
    return this.db.withSnapshot((db) =>
      fn(new SqlStore(db, this.backend, this.durability, { readOnly: true })),
    );
  }

  async treeSize(): Promise<number> {
    const [row] = await this.db.query<{ size: string }>('SELECT size FROM log_head');
    return Number(row?.size ?? 0);
  }

  async appendBatch(batch: AppendBatch): Promise<void> {
    this.#writable();
    const { startIndex, entries } = batch;
    checkIndex('startIndex', startIndex);

    const n = entries.length;
    const dataParts: Uint8Array[] = new Array(n);
    const hashParts: Uint8Array[] = new Array(n);
    const offs: number[] = new Array(n);
    const lens: number[] = new Array(n);
    const kinds: string[] = new Array(n);
    const contests: (string | null)[] = new Array(n);
    const stations: (string | null)[] = new Array(n);
    let dataLen = 0;
    for (let i = 0; i < n; i++) {
      const e = entries[i] as StoredEntry;
      if (e.index !== startIndex + i) {
        throw new RangeError(
          `entry ${i} of a batch starting at ${startIndex} has index ${e.index}`,
        );
      }
      if (e.leafHash.length !== 32)
        throw new RangeError(`entry ${e.index}: leaf hash is not 32 bytes`);
      dataParts[i] = e.data;
      hashParts[i] = e.leafHash;
      offs[i] = dataLen;
      lens[i] = e.data.length;
      dataLen += e.data.length;
      kinds[i] = e.kind;
      contests[i] = e.contest;
      stations[i] = e.station;
    }

    const tiles = lastByKey(
      [...batch.tiles].sort((a, b) => a.width - b.width),
      (t) => `${t.level}/${t.index}`,
    );
    const tileParts: Uint8Array[] = [];
    const tileOffs: number[] = [];
    let tileLen = 0;
    for (const t of tiles) {
      checkIndex('tile level', t.level);
      checkIndex('tile index', t.index);
      if (
        !Number.isInteger(t.width) ||
        t.width < 1 ||
        t.width > 256 ||
        t.data.length !== t.width * 32
      ) {
        throw new RangeError(
          `tile ${t.level}/${t.index}: width ${t.width} with ${t.data.length} bytes`,
        );
      }
      tileParts.push(t.data);
      tileOffs.push(tileLen);
      tileLen += t.data.length;
    }
    const stationResults = lastByKey(batch.stationResults, (r) =>
      JSON.stringify([r.contest, r.station]),
    );
    const tallies = lastByKey(batch.tallies, (r) => JSON.stringify([r.contest, r.unit]));
    for (const b of batch.blobs ?? []) checkBlobKey(b);
    if (batch.checkpoint) checkIndex('checkpoint size', batch.checkpoint.size);

    try {
      await this.db.withTransaction(async (tx) => {
        await this.#fence(tx);
        const [head] = await tx.query<{ size: string }>('SELECT size FROM log_head FOR UPDATE');
        const size = Number(head?.size);
        if (size !== startIndex) throw new StoreConflictError(startIndex, size);
        if (n > 0) {
          await tx.query(INSERT_ENTRIES, [
            startIndex,
            concat(dataParts, dataLen),
            concat(hashParts, 32 * n),
            offs,
            lens,
            kinds,
            contests,
            stations,
          ]);
        }
        if (tiles.length > 0) {
          await tx.query(UPSERT_TILES, [
            tiles.map((t) => t.level),
            tiles.map((t) => t.index),
            tiles.map((t) => t.width),
            concat(tileParts, tileLen),
            tileOffs,
          ]);
        }
        if (stationResults.length > 0) {
          const rows = stationResults.map((r) => [
            r.contest,
            r.station,
            r.entryIndex,
            r.result ?? null,
          ]);
          await tx.query(UPSERT_STATION_RESULTS, [JSON.stringify(rows)]);
        }
        if (tallies.length > 0) {
          const rows = tallies.map((r) => [r.contest, r.unit, r.tally ?? null]);
          await tx.query(UPSERT_TALLIES, [JSON.stringify(rows)]);
        }
        if (n > 0) await tx.query('UPDATE log_head SET size = $1', [startIndex + n]);
        for (const b of batch.blobs ?? [])
          await tx.query(
            `INSERT INTO blobs (sha256, content_type, data) VALUES ($1, $2, $3)
             ON CONFLICT (sha256) DO NOTHING`,
            [b.sha256, b.contentType, b.data],
          );
        for (const m of batch.meta ?? [])
          await tx.query(
            'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
            [m.key, m.value],
          );
        if (batch.checkpoint) {
          if (batch.checkpoint.size > startIndex + n)
            throw new RangeError(
              `checkpoint of size ${batch.checkpoint.size} is beyond the log (${startIndex + n} entries)`,
            );
          await tx.query(
            `INSERT INTO checkpoints (size, note) VALUES ($1, $2)
             ON CONFLICT (size) DO UPDATE SET note = EXCLUDED.note, created_at = now()`,
            [batch.checkpoint.size, batch.checkpoint.note],
          );
        }
        await batch.beforeCommit?.();
      });
    } catch (err) {
      if (
        sqlState(err) === '23505' &&
        (err as { constraint?: string }).constraint === 'entries_result_once'
      ) {
        throw await this.#duplicateError(entries, err);
      }
      throw err;
    }
    await this.#durable();
  }

  /** Which (contest, station) made the unique index refuse the batch. */
  async #duplicateError(entries: readonly StoredEntry[], cause: unknown): Promise<Error> {
    const seen = new Set<string>();
    const pairs: [string, string][] = [];
    for (const e of entries) {
      if (e.kind !== 'result' || e.contest === null || e.station === null) continue;
      const k = JSON.stringify([e.contest, e.station]);
      if (seen.has(k)) return new StoreDuplicateResultError(e.contest, e.station, { cause });
      seen.add(k);
      pairs.push([e.contest, e.station]);
    }
    const [hit] = await this.db.query<{ contest: string; station: string }>(
      `SELECT e.contest, e.station FROM entries e
       JOIN unnest($1::text[], $2::text[]) AS p(contest, station)
         ON e.contest = p.contest AND e.station = p.station AND e.kind = 'result'
       LIMIT 1`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    return hit
      ? new StoreDuplicateResultError(hit.contest, hit.station, { cause })
      : (cause as Error);
  }

  async getEntries(start: number, end: number): Promise<StoredEntry[]> {
    checkIndex('start', start);
    checkIndex('end', end);
    if (end <= start) return [];
    const rows = await this.db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx`,
      [start, end],
    );
    return rows.map(toEntry);
  }

  async getEntryPage(start: number, end: number): Promise<StoredEntryPage> {
    checkIndex('start', start);
    checkIndex('end', end);
    const [row] = end <= start ? [] : await this.db.query<EntryPageRow>(ENTRY_PAGE, [start, end]);
    const offsets = offsetsOf(row?.lengths ?? []);
    return {
      indexes: (row?.offsets ?? []).map((o) => start + o),
      bytes: fromBase64(row?.data),
      offsets,
      leafHashes: fromBase64(row?.leaf_hashes),
      kinds: row?.kinds ?? [],
      contests: row?.contests ?? [],
      stations: row?.stations ?? [],
    };
  }

  async getEntryBytes(start: number, end: number): Promise<StoredEntryBytes> {
    checkIndex('start', start);
    checkIndex('end', end);
    if (this.backend === 'postgres') return this.#entryBytesByRow(start, end);
    const [row] =
      end <= start
        ? []
        : await this.db.query<{ n: number; lengths: number[] | null; data: string | null }>(
            ENTRY_BYTES,
            [start, end],
          );
    const offsets = offsetsOf(row?.lengths ?? []);
    return {
      complete: (row?.n ?? 0) === Math.max(0, end - start),
      bytes: fromBase64(row?.data),
      offsets,
    };
  }

  /**
   * getEntryBytes on PostgreSQL: the rows in index order, joined here. PostgreSQL
   * 15 sorts the input of every aggregate with an ORDER BY, even rows an index
   * gives in order (16 does not): for every bundle of the Kenya log, ENTRY_BYTES
   * cost the database 3.1 CPU seconds against 0.5 for the rows, and serving them
   * all cost the machine about 7 against 5. PGlite is the other way round: it
   * decodes rows one by one in JavaScript, about five times the one row of
   * ENTRY_BYTES.
   */
  async #entryBytesByRow(start: number, end: number): Promise<StoredEntryBytes> {
    const rows =
      end <= start ? [] : await this.db.query<{ data: Buffer }>(ENTRY_ROWS, [start, end]);
    const offsets = offsetsOf(rows.map((r) => r.data.length));
    const bytes = new Uint8Array(offsets[rows.length] as number);
    for (const [k, r] of rows.entries()) bytes.set(r.data, offsets[k]);
    // idx is unique: the range holds every index once there are end - start rows.
    return { complete: rows.length === Math.max(0, end - start), bytes, offsets };
  }

  async getLeafPage(start: number, end: number): Promise<StoredLeafPage> {
    checkIndex('start', start);
    checkIndex('end', end);
    const [row] =
      end <= start
        ? []
        : await this.db.query<
            Omit<EntryPageRow, 'lengths' | 'data'> & { first_bad: string | null }
          >(LEAF_PAGE, [start, end]);
    return {
      indexes: (row?.offsets ?? []).map((o) => start + o),
      leafHashes: fromBase64(row?.leaf_hashes),
      kinds: row?.kinds ?? [],
      contests: row?.contests ?? [],
      stations: row?.stations ?? [],
      firstBadHash: row?.first_bad == null ? -1 : Number(row.first_bad),
    };
  }

  async getEntry(index: number): Promise<StoredEntry | null> {
    checkIndex('index', index);
    const [row] = await this.db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE idx = $1`,
      [index],
    );
    return row ? toEntry(row) : null;
  }

  async findResult(contest: string, station: string): Promise<StoredEntry | null> {
    const [row] = await this.db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE kind = 'result' AND contest = $1 AND station = $2`,
      [contest, station],
    );
    return row ? toEntry(row) : null;
  }

  async getTile(level: number, index: number): Promise<HashTile | null> {
    checkIndex('level', level);
    checkIndex('index', index);
    const [row] = await this.db.query<TileRow>(
      'SELECT level, idx, width, data FROM tiles WHERE level = $1 AND idx = $2',
      [level, index],
    );
    return row ? toTile(row) : null;
  }

  async getEdgeTiles(): Promise<HashTile[]> {
    // One index probe per level rather than a scan of all tiles.
    const rows = await this.db.query<TileRow>(
      `SELECT t.level, t.idx, t.width, t.data
       FROM generate_series(0, (SELECT max(level) FROM tiles)) AS l(level)
       CROSS JOIN LATERAL (
         SELECT level, idx, width, data FROM tiles WHERE tiles.level = l.level ORDER BY idx DESC LIMIT 1
       ) AS t
       ORDER BY t.level`,
    );
    return rows.map(toTile);
  }

  async getTiles(level: number, start: number, end: number): Promise<HashTile[]> {
    checkIndex('level', level);
    checkIndex('start', start);
    checkIndex('end', end);
    if (end <= start) return [];
    const rows = await this.db.query<TileRow>(
      'SELECT level, idx, width, data FROM tiles WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx',
      [level, start, end],
    );
    return rows.map(toTile);
  }

  async refreshStatistics(logSize: number): Promise<StatisticsRefresh | null> {
    this.#writable();
    if (logSize < STATISTICS_FROM) return null;
    const before = await this.#plannedEntries();
    if (before > 0 && logSize <= before * 1.2) return null;
    await this.db.query(`ANALYZE ${ANALYZED_TABLES.join(', ')}`);
    return {
      tables: ANALYZED_TABLES,
      before: before > 0 ? before : -1,
      after: await this.#plannedEntries(),
    };
  }

  /**
   * The planner's count of entries (pg_class.reltuples), as of the last ANALYZE
   * or VACUUM: -1, or 0 where an index build on the empty table set it, when never taken.
   */
  async #plannedEntries(): Promise<number> {
    const [row] = await this.db.query<{ reltuples: number }>(
      "SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'entries'::regclass",
    );
    return Number(row?.reltuples ?? -1);
  }

  async entryRowExtent(): Promise<{ count: number; maxIndex: number }> {
    const [row] = await this.db.query<{ count: string; max: string | null }>(
      'SELECT count(*) AS count, max(idx) AS max FROM entries',
    );
    return { count: Number(row?.count ?? 0), maxIndex: row?.max == null ? -1 : Number(row.max) };
  }

  async listStationResultRows(
    after: { contest: string; station: string } | null,
    limit: number,
  ): Promise<StationResultRow[]> {
    checkIndex('limit', limit);
    const rows = await this.db.query<StationResultDbRow>(
      `SELECT ${STATION_RESULT_COLUMNS} FROM station_results
       WHERE $1::text IS NULL OR (contest, station) > ($1::text, $2::text)
       ORDER BY contest, station LIMIT $3`,
      [after?.contest ?? null, after?.station ?? null, limit],
    );
    return rows.map(toStationResult);
  }

  async listTallyRows(
    after: { contest: string; unit: string } | null,
    limit: number,
  ): Promise<TallyRow[]> {
    checkIndex('limit', limit);
    return this.db.query<TallyRow>(
      `SELECT contest, unit, tally FROM tallies
       WHERE $1::text IS NULL OR (contest, unit) > ($1::text, $2::text)
       ORDER BY contest, unit LIMIT $3`,
      [after?.contest ?? null, after?.unit ?? null, limit],
    );
  }

  async putCheckpoint(cp: StoredCheckpoint): Promise<void> {
    this.#writable();
    checkIndex('checkpoint size', cp.size);
    // Refuses a checkpoint over entries the log does not hold: signing one would be a bug.
    const rows = await this.db.withTransaction(async (tx) => {
      await this.#fence(tx);
      return tx.query(
        `INSERT INTO checkpoints (size, note)
         SELECT $1, $2 WHERE $1 <= (SELECT size FROM log_head)
         ON CONFLICT (size) DO UPDATE SET note = EXCLUDED.note, created_at = now()
         RETURNING size`,
        [cp.size, cp.note],
      );
    });
    if (rows.length === 0) {
      throw new RangeError(
        `checkpoint of size ${cp.size} is beyond the log (${await this.treeSize()} entries)`,
      );
    }
    await this.#durable();
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | null> {
    const [row] = await this.db.query<{ size: string; note: string }>(
      'SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1',
    );
    return row ? { size: Number(row.size), note: row.note } : null;
  }

  async listCheckpoints(fromSize: number, limit: number): Promise<StoredCheckpoint[]> {
    checkIndex('fromSize', fromSize);
    checkIndex('limit', limit);
    const rows = await this.db.query<{ size: string; note: string }>(
      'SELECT size, note FROM checkpoints WHERE size >= $1 ORDER BY size LIMIT $2',
      [fromSize, limit],
    );
    return rows.map((r) => ({ size: Number(r.size), note: r.note }));
  }

  async putBlob(blob: StoredBlob): Promise<void> {
    this.#writable();
    checkBlobKey(blob);
    const rows = await this.db.query(
      `INSERT INTO blobs (sha256, content_type, data) VALUES ($1, $2, $3)
       ON CONFLICT (sha256) DO NOTHING RETURNING 1 AS inserted`,
      [blob.sha256, blob.contentType, blob.data],
    );
    if (rows.length > 0) await this.#durable();
  }

  async getBlob(sha256: string): Promise<StoredBlob | null> {
    const [row] = await this.db.query<{ sha256: string; content_type: string; data: Uint8Array }>(
      'SELECT sha256, content_type, data FROM blobs WHERE sha256 = $1',
      [sha256],
    );
    return row
      ? { sha256: row.sha256, contentType: row.content_type, data: bytes(row.data) }
      : null;
  }

  async hasBlob(sha256: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM blobs WHERE sha256 = $1', [sha256]);
    return rows.length > 0;
  }

  async listBlobs(after: string, limit: number): Promise<BlobInfo[]> {
    checkIndex('limit', limit);
    const rows = await this.db.query<{ sha256: string; content_type: string; size: number }>(
      `SELECT sha256, content_type, octet_length(data) AS size FROM blobs
       WHERE sha256 COLLATE "C" > $1 ORDER BY sha256 COLLATE "C" LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => ({
      sha256: r.sha256,
      contentType: r.content_type,
      size: Number(r.size),
    }));
  }

  async listBlobKeys(
    after: string,
    limit: number,
  ): Promise<Array<{ sha256: string; contentType: string }>> {
    checkIndex('limit', limit);
    const rows = await this.db.query<{ sha256: string; content_type: string }>(
      'SELECT sha256, content_type FROM blobs WHERE sha256 > $1 ORDER BY sha256 LIMIT $2',
      [after, limit],
    );
    return rows.map((r) => ({ sha256: r.sha256, contentType: r.content_type }));
  }

  async getTally(contest: string, unit: string): Promise<TallyRow | null> {
    const [row] = await this.db.query<TallyRow>(
      'SELECT contest, unit, tally FROM tallies WHERE contest = $1 AND unit = $2',
      [contest, unit],
    );
    return row ?? null;
  }

  /** The tallies that exist among `units`, in the order asked. */
  async listTallies(contest: string, units: string[]): Promise<TallyRow[]> {
    if (units.length === 0) return [];
    return this.db.query<TallyRow>(
      `SELECT t.contest, t.unit, t.tally
       FROM unnest($2::text[]) WITH ORDINALITY AS u(unit, o)
       JOIN tallies t ON t.contest = $1 AND t.unit = u.unit
       ORDER BY u.o`,
      [contest, units],
    );
  }

  async getStationResults(station: string): Promise<StationResultRow[]> {
    const rows = await this.db.query<StationResultDbRow>(
      `SELECT ${STATION_RESULT_COLUMNS} FROM station_results WHERE station = $1 ORDER BY contest`,
      [station],
    );
    return rows.map(toStationResult);
  }

  async getStationResultTextsOf(stations: readonly string[]): Promise<StationResultTextRow[]> {
    if (stations.length === 0) return [];
    const rows = await this.db.query<{
      contest: string;
      station: string;
      entry_idx: string;
      json: string;
    }>(
      `SELECT contest, station, entry_idx, result::text AS json FROM station_results
       WHERE station = ANY($1::text[]) ORDER BY station, contest`,
      [stations],
    );
    return rows.map((r) => ({
      contest: r.contest,
      station: r.station,
      entryIndex: Number(r.entry_idx),
      json: r.json,
    }));
  }

  async derivedRowsDigest(): Promise<{ sha256: string; rows: number }> {
    // One statement: one snapshot of both tables.
    const [row] = await this.db.query<{ sha256: string; rows: string }>(DERIVED_DIGEST);
    return { sha256: row?.sha256 ?? '', rows: Number(row?.rows ?? 0) };
  }

  async getKeptFold(): Promise<KeptFoldRow | null> {
    const [head] = await this.db.query<{ size: string; length: number }>(
      'SELECT size, octet_length(bytes) AS length FROM kept_fold',
    );
    if (!head) return null;
    // Tens of MB, read in pieces: read whole, they would be held three times over at
    // once (the driver's buffer, the text, the bytes), a writer's peak memory. Each piece
    // as base64 text (hex text otherwise, or slower still in binary). A row replaced
    // between two pieces reads as a torn fold, which its seal refuses (kept-fold.ts).
    const bytes = new Uint8Array(head.length);
    for (let at = 0; at < head.length; at += KEPT_FOLD_PIECE) {
      const [piece] = await this.db.query<{ bytes: string | null }>(
        "SELECT encode(substring(bytes FROM $1 FOR $2), 'base64') AS bytes FROM kept_fold",
        [at + 1, KEPT_FOLD_PIECE],
      );
      const part = fromBase64(piece?.bytes);
      if (part.length !== Math.min(KEPT_FOLD_PIECE, head.length - at)) break; // torn: the seal says so
      bytes.set(part, at);
    }
    return { size: Number(head.size), bytes };
  }

  async putKeptFold(kept: KeptFoldRow): Promise<void> {
    this.#writable();
    checkIndex('kept fold size', kept.size);
    await this.db.withTransaction(async (tx) => {
      await this.#fence(tx);
      await tx.query(
        `INSERT INTO kept_fold (id, size, bytes) VALUES (true, $1, $2)
         ON CONFLICT (id) DO UPDATE SET size = EXCLUDED.size, bytes = EXCLUDED.bytes, written_at = now()
         WHERE kept_fold.size <= EXCLUDED.size`,
        [kept.size, Buffer.from(kept.bytes.buffer, kept.bytes.byteOffset, kept.bytes.byteLength)],
      );
    });
    await this.#durable();
  }

  async getMeta(key: string): Promise<string | null> {
    const [row] = await this.db.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [
      key,
    ]);
    return row?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#writable();
    await this.db.query(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [key, value],
    );
    await this.#durable();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lease?.release();
    try {
      await this.db.close();
    } finally {
      await this.opts.onClose?.();
    }
  }
}

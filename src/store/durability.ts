// Making commits durable. SqlStore calls afterCommit after every write
// transaction has committed and before the store method resolves; the caller
// signs checkpoints only after that.
//
// PostgreSQL (engineDurability): the server fsyncs its own WAL at COMMIT
// (fsync=on, synchronous_commit=on), so there is nothing to do here.
//
// PGlite (walFsyncDurability): PGlite's Postgres cannot make anything durable
// by itself. PGlite starts it with `-F` (fsync=off), and even with fsync on,
// its fsync() calls end in emscripten's Node filesystem (NODEFS), which does
// not pass them on to the host. NODEFS maps the data directory 1:1 onto a host
// directory: every write() Postgres makes goes straight to the same file on
// the host through node:fs, so after COMMIT returns the commit record is in the
// OS page cache (safe against a crash of this process) but not necessarily on
// disk (not safe against an OS crash or power loss). We close that gap by
// fsyncing, with node:fs, what a commit wrote:
//
//   - the WAL segment file(s) under <pgdata>/pg_wal/ that hold WAL between the
//     position we last made durable and pg_current_wal_lsn() read after the
//     COMMIT (the write position, which is at or beyond the commit record's
//     end, since synchronous_commit=on writes the WAL out at COMMIT), and
//   - the pg_wal directory itself when the WAL moved into a segment it had
//     not reached at the last sync (the segment file was just created, or a
//     recycled one renamed to its name: the directory entry must be durable).
//
// Why this suffices: Postgres's crash recovery starts from the last
// checkpoint recorded in global/pg_control and replays the WAL from that
// checkpoint's redo point to the end of the valid WAL (records are CRC-checked
// and chained, so replay stops cleanly at a torn tail). Table and index files,
// pg_xact, new relation files etc. are all rebuilt from that WAL, and torn
// data pages are overwritten by the full-page images that full_page_writes
// (on) puts in the WAL after each checkpoint. So a commit is durable once (a)
// its WAL is on disk and (b) the checkpoint recovery would start from is on
// disk, together with everything that checkpoint flushed. (a) is the per-commit
// fsync above. For (b): in single-user mode Postgres never checkpoints on its
// own (no checkpointer process; `max_wal_size` does not trigger one; we
// checked), only at startup after crash recovery (end-of-recovery
// checkpoint), on an explicit CHECKPOINT, and at shutdown. The store fsyncs
// the whole data directory after each of those: afterOpen, after the CHECKPOINT
// this module issues every `checkpointWalBytes` of WAL (to bound WAL growth and
// recovery time), and afterClose. Postgres's write-ahead rule (the WAL for a
// change is on disk before the data page holding it) also has to hold when a
// data page is evicted in the middle of a transaction: embedded.ts starts
// PGlite with fsync=on and wal_sync_method=open_datasync, so every WAL write
// goes through an O_SYNC descriptor on the host (checked by a test). That also
// makes the commit's WAL durable on Linux; the per-commit fsync here remains
// the guarantee we rely on and test (a platform whose Node has no O_SYNC
// constant would drop the flag silently). Remaining exposure: in the milliseconds between a checkpoint writing
// pg_control and our fsync of the data files it wrote, an OS crash that had
// written back pg_control but not those files would lose data; PostgreSQL
// closes that window by fsyncing data files before pg_control, which it cannot
// do inside PGlite (its fsync() calls on data files are no-ops there).
//
// Every fsync goes through FsyncOptions (onFsync observes, fsyncPath can be
// replaced to inject faults), so tests can show when and what is synced. An
// fsync failure is not retried: after a failed fsync the kernel may have
// dropped the dirty pages, so the caller must treat the store as failed
// (SqlStore does) and restart, letting recovery decide what is on disk.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { syncToDisk } from '../platform/durable-write.js';
import type { Reporter } from '../platform/reporter.js';
import type { Queryable } from './db.js';

export type FsyncReason = 'commit' | 'checkpoint' | 'open' | 'close' | 'init';

export interface FsyncEvent {
  path: string;
  kind: 'file' | 'dir';
  reason: FsyncReason;
}

export interface FsyncOptions {
  /** Called after each successful fsync. */
  onFsync?: (event: FsyncEvent) => void;
  /** The fsync itself; replaceable for fault injection. Default: open read-only, fsync, close. */
  fsyncPath?: (path: string, kind: 'file' | 'dir') => Promise<void>;
}

export interface DurabilityStats {
  /** Write transactions reported by the store. */
  commits: number;
  /** Files and directories fsynced by this module. */
  fsyncs: number;
  /** CHECKPOINTs issued by this module. */
  checkpoints: number;
}

export interface Durability {
  /** "engine": the database fsyncs itself; "wal-fsync": this module fsyncs PGlite's files. */
  readonly mode: 'engine' | 'wal-fsync';
  readonly stats: DurabilityStats;
  /** After the engine started and migrations ran. */
  afterOpen(db: Queryable): Promise<void>;
  /** After a write transaction committed; resolves once it is durable. No transaction may be open on db's only connection. */
  afterCommit(db: Queryable): Promise<void>;
  /** After the engine has shut down (PGlite: after its shutdown checkpoint). */
  afterClose(): Promise<void>;
}

/** PostgreSQL: the server makes COMMIT durable itself; nothing is fsynced here. */
export function engineDurability(): Durability {
  const stats: DurabilityStats = { commits: 0, fsyncs: 0, checkpoints: 0 };
  return {
    mode: 'engine',
    stats,
    async afterOpen() {},
    async afterCommit() {
      stats.commits++;
    },
    async afterClose() {},
  };
}

/** fsyncs every file under dir, then every directory bottom-up, then dir itself. */
export async function fsyncTree(
  dir: string,
  reason: FsyncReason,
  opts: FsyncOptions = {},
  stats?: DurabilityStats,
): Promise<void> {
  const fsyncPath = opts.fsyncPath ?? syncToDisk;
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const ent of await readdir(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) await walk(p);
      else if (ent.isFile()) files.push(p);
    }
    dirs.push(d); // after its children: bottom-up
  };
  await walk(dir);
  const one = async (path: string, kind: 'file' | 'dir') => {
    await fsyncPath(path, kind);
    if (stats) stats.fsyncs++;
    opts.onFsync?.({ path, kind, reason });
  };
  // A few at a time: fsync of a clean file is cheap, the round trips are not.
  const PARALLEL = 16;
  for (let i = 0; i < files.length; i += PARALLEL) {
    await Promise.all(files.slice(i, i + PARALLEL).map((f) => one(f, 'file')));
  }
  for (const d of dirs) await one(d, 'dir');
}

/** Parses a pg_lsn text ("16/B374D848") to a byte position. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw new Error(`bad LSN ${JSON.stringify(text)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** The WAL segment file name (TTTTTTTTXXXXXXXXYYYYYYYY) holding byte segNo * segSize. */
export function walFileName(timeline: string, segNo: bigint, segSize: bigint): string {
  const perId = 0x1_0000_0000n / segSize;
  const hex8 = (n: bigint) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${timeline}${hex8(segNo / perId)}${hex8(segNo % perId)}`;
}

export interface WalFsyncOptions extends FsyncOptions {
  /** Issue a CHECKPOINT (then fsync the data directory) after this much WAL. Default 256 MiB. */
  checkpointWalBytes?: number;
  log?: Reporter;
}

interface WalPosition {
  lsn: string;
  file: string;
}

/** PGlite: fsyncs the WAL a commit wrote (and the data directory around checkpoints). */
export function walFsyncDurability(pgdata: string, opts: WalFsyncOptions = {}): Durability {
  const stats: DurabilityStats = { commits: 0, fsyncs: 0, checkpoints: 0 };
  const fsyncPath = opts.fsyncPath ?? syncToDisk;
  const checkpointEvery = BigInt(opts.checkpointWalBytes ?? 256 * 1024 * 1024);
  const walDir = join(pgdata, 'pg_wal');
  let segSize = 0n;
  /** WAL before this position is on disk. */
  let synced = 0n;
  /** WAL position of the last checkpoint made durable. */
  let checkpointed = 0n;
  /** Serialises syncs: concurrent commits share one fsync when they can. */
  let chain: Promise<void> = Promise.resolve();
  let failed: Error | undefined;

  const fsyncOne = async (path: string, kind: 'file' | 'dir', reason: FsyncReason) => {
    await fsyncPath(path, kind);
    stats.fsyncs++;
    opts.onFsync?.({ path, kind, reason });
  };
  const position = async (db: Queryable) => {
    const [row] = await db.query<WalPosition>(
      'SELECT pg_current_wal_lsn()::text AS lsn, pg_walfile_name(pg_current_wal_lsn()) AS file',
    );
    if (!row) throw new Error('no WAL position');
    return { lsn: parseLsn(row.lsn), timeline: row.file.slice(0, 8) };
  };
  const serially = (fn: () => Promise<void>): Promise<void> => {
    const run = chain.then(async () => {
      if (failed) throw failed;
      try {
        await fn();
      } catch (err) {
        failed = err as Error;
        throw err;
      }
    });
    chain = run.catch(() => {});
    return run;
  };
  const syncWal = async (target: bigint, timeline: string) => {
    if (target <= synced) return; // an fsync for a later commit already covered it
    const first = synced / segSize;
    const last = (target - 1n) / segSize;
    for (let seg = first; seg <= last; seg++) {
      await fsyncOne(join(walDir, walFileName(timeline, seg, segSize)), 'file', 'commit');
    }
    // A segment the WAL had not reached at the last sync: its directory entry is new.
    if (synced === 0n || last > (synced - 1n) / segSize) await fsyncOne(walDir, 'dir', 'commit');
    synced = target;
  };
  const checkpoint = async (db: Queryable) => {
    await db.query('CHECKPOINT');
    await fsyncTree(pgdata, 'checkpoint', { ...opts, fsyncPath }, stats);
    stats.checkpoints++;
    const { lsn } = await position(db);
    synced = checkpointed = lsn;
    opts.log?.info(`checkpoint at WAL ${lsn.toString(16)}; data directory fsynced`);
  };

  return {
    mode: 'wal-fsync',
    stats,
    afterOpen(db) {
      return serially(async () => {
        const [row] = await db.query<{ setting: string }>(
          `SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'`,
        );
        segSize = BigInt(row?.setting ?? 16 * 1024 * 1024);
        const [sc] = await db.query<{ v: string }>(
          `SELECT current_setting('synchronous_commit') AS v`,
        );
        if (sc?.v !== 'on')
          throw new Error(`PGlite runs with synchronous_commit=${sc?.v}; need on`);
        // Startup may have run crash recovery and its end-of-recovery checkpoint
        // without fsync, and migrations may have run: make it all durable.
        await fsyncTree(pgdata, 'open', { ...opts, fsyncPath }, stats);
        const { lsn } = await position(db);
        synced = checkpointed = lsn;
      });
    },
    afterCommit(db) {
      stats.commits++;
      return serially(async () => {
        const { lsn, timeline } = await position(db);
        await syncWal(lsn, timeline);
        if (lsn - checkpointed >= checkpointEvery) await checkpoint(db);
      });
    },
    afterClose() {
      // The shutdown checkpoint wrote everything out without fsync.
      return serially(() => fsyncTree(pgdata, 'close', { ...opts, fsyncPath }, stats));
    },
  };
}

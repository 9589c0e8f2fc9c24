// The embedded store: PGlite (Postgres compiled to WebAssembly) in a local
// directory, used through PGlite's node-postgres adapter so SqlStore runs the
// same code as on a PostgreSQL server.
//
// Layout of the data directory the user names (e.g. ./kura-data):
//
//   kura.lock          the directory lock (lock.ts): one kura process at a time
//   pgdata/            the PGlite/Postgres data directory; it exists only once
//                      complete (initialised, migrated, closed, fsynced)
//   pgdata.init-*/     a new pgdata being built; renamed to pgdata/ when done.
//                      Left behind only by a start killed half-way, and then
//                      removed by the next start (under the lock).
//
// So a start killed at any point leaves either no pgdata/ (the next start
// initialises again) or a complete one; never a half-initialised store.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';
import { acquireDirLock } from '../platform/dir-lock.js';
import { syncToDisk } from '../platform/durable-write.js';
import type { Reporter } from '../platform/reporter.js';
import { Db } from './db.js';
import { type FsyncOptions, fsyncTree, walFsyncDurability } from './durability.js';
import { checkSchema, migrate } from './migrate.js';
import { SqlStore } from './sql-store.js';

export const PGDATA_DIR = 'pgdata';
export const INIT_DIR_PREFIX = 'pgdata.init-';

export interface EmbeddedStoreOptions extends FsyncOptions {
  dataDir: string;
  log: Reporter;
  /** Issue a CHECKPOINT after this much WAL (see durability.ts). */
  checkpointWalBytes?: number;
  /**
   * For a server that never writes (kura serve --read-only, kura export): the
   * store must exist already; it is neither initialised nor migrated (its schema
   * is checked instead), and the SqlStore refuses every write.
   */
  readOnly?: boolean;
}

/**
 * PGlite's start parameters minus `-F` (fsync=off), plus
 * wal_sync_method=open_datasync: Postgres then opens its WAL segments with
 * O_DSYNC, which PGlite's Node filesystem passes on to the host as O_SYNC, so
 * each WAL write is on disk when write() returns. That keeps Postgres's
 * write-ahead rule (WAL on disk before any data page that depends on it) even
 * when a data page is evicted in the middle of a transaction. The store still
 * fsyncs the WAL itself after each commit (durability.ts), which remains the
 * guarantee if a platform ignores O_SYNC. Other fsync() calls Postgres makes
 * are no-ops inside PGlite; durability.ts covers what they would have done.
 */
export function pgliteStartParams(): string[] {
  return [
    ...PGlite.defaultStartParams.filter((p) => p !== '-F'),
    '-c',
    'wal_sync_method=open_datasync',
  ];
}

interface Engine {
  pglite: PGlite;
  db: Db;
}

async function startEngine(pgdata: string, log: Reporter): Promise<Engine> {
  const pglite = new PGlite(pgdata, { startParams: pgliteStartParams() });
  try {
    await pglite.waitReady;
  } catch (err) {
    await pglite.close().catch(() => {});
    throw err;
  }
  // The adapter's config carries one connection to this PGlite (poolSize 1);
  // never drop the idle client.
  const config = { ...createPgConfig(pglite), idleTimeoutMillis: 0 };
  const pool = new pg.Pool(config as unknown as pg.PoolConfig);
  pool.on('error', (err) => log.warn(`PGlite pool: ${err.message}`));
  return { pglite, db: new Db(pool) };
}

async function stopEngine(e: Engine): Promise<void> {
  try {
    await e.db.close();
  } finally {
    await e.pglite.close();
  }
}

/** Builds pgdata in a sibling temporary directory and renames it into place. */
async function initialise(root: string, pgdata: string, o: EmbeddedStoreOptions): Promise<void> {
  const tmp = join(root, `${INIT_DIR_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  o.log.info(`initialising a new store in ${root}`);
  try {
    const engine = await startEngine(tmp, o.log);
    try {
      await migrate(engine.db, { log: o.log });
    } finally {
      await stopEngine(engine);
    }
    await fsyncTree(tmp, 'init', o);
    await rename(tmp, pgdata);
    const fsyncPath = o.fsyncPath ?? syncToDisk;
    await fsyncPath(root, 'dir');
    o.onFsync?.({ path: root, kind: 'dir', reason: 'init' });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

/** Removes pgdata.init-* directories left by a start that was killed. Call with the lock held. */
async function removeLeftovers(root: string, log: Reporter): Promise<void> {
  for (const name of await readdir(root)) {
    if (!name.startsWith(INIT_DIR_PREFIX)) continue;
    log.info(`removing ${join(root, name)}: an initialisation that did not finish`);
    await rm(join(root, name), { recursive: true, force: true });
  }
}

export async function openEmbeddedStore(o: EmbeddedStoreOptions): Promise<SqlStore> {
  const root = resolve(o.dataDir);
  await mkdir(root, { recursive: true });
  const lock = await acquireDirLock(root, o.log);
  let engine: Engine | undefined;
  try {
    await removeLeftovers(root, o.log);
    const pgdata = join(root, PGDATA_DIR);
    if (!existsSync(pgdata)) {
      if (o.readOnly) throw new Error(`no kura store at ${root}: a read-only open creates nothing`);
      await initialise(root, pgdata, o);
    } else if (!existsSync(join(pgdata, 'PG_VERSION'))) {
      throw new Error(`${pgdata} exists but is not a complete PGlite data directory`);
    }
    engine = await startEngine(pgdata, o.log);
    if (o.readOnly) await checkSchema(engine.db);
    else await migrate(engine.db, { log: o.log });
    const durability = walFsyncDurability(pgdata, o);
    await durability.afterOpen(engine.db);
    const { pglite } = engine;
    return new SqlStore(engine.db, 'pglite', durability, {
      readOnly: o.readOnly === true,
      async onClose() {
        try {
          await pglite.close(); // shutdown checkpoint
          await durability.afterClose();
        } finally {
          lock.release();
        }
      },
    });
  } catch (err) {
    if (engine) await stopEngine(engine).catch(() => {});
    lock.release();
    throw err;
  }
}

// openStore: PostgreSQL when given a URL, the embedded PGlite when given a
// data directory. Both end up as the same SqlStore over a node-postgres Pool.

import pg from 'pg';
import { type Reporter, stderrReporter } from '../platform/reporter.js';
import { Db } from './db.js';
import { engineDurability, type FsyncEvent } from './durability.js';
import { openEmbeddedStore } from './embedded.js';
import { checkSchema, migrate } from './migrate.js';
import { SqlStore } from './sql-store.js';

export interface OpenStoreOptions {
  /** postgres://... : a PostgreSQL >= 15 server. */
  url?: string;
  /** A local directory for the embedded PGlite store (created if missing). */
  dataDir?: string;
  /** What the store reports (default: stderr, "kura store: ..."). */
  log?: Reporter;
  /** Observes each fsync the store itself does (PGlite only: PostgreSQL fsyncs its own WAL). */
  onFsync?: (event: FsyncEvent) => void;
  /** Replaces the fsync call (PGlite only), for fault-injection tests. */
  fsyncPath?: (path: string, kind: 'file' | 'dir') => Promise<void>;
  /** PGlite: CHECKPOINT after this much WAL (default 256 MiB), bounding WAL size and recovery time. */
  checkpointWalBytes?: number;
  /** PostgreSQL: connection pool size (default 10). */
  poolSize?: number;
  /**
   * For a server or command that never writes. Migrates nothing (it checks the
   * schema is the one this kura needs: checkSchema) and refuses every write.
   * PostgreSQL: its sessions are read-only too, so it may run on a hot-standby
   * replica. PGlite: the store must exist already.
   */
  readOnly?: boolean;
}

export async function openStore(opts: OpenStoreOptions): Promise<SqlStore> {
  if ((opts.url === undefined) === (opts.dataDir === undefined)) {
    throw new TypeError(
      'openStore: give exactly one of url (PostgreSQL) or dataDir (embedded PGlite)',
    );
  }
  const log = opts.log ?? stderrReporter('kura store: ');
  if (opts.dataDir !== undefined) {
    return openEmbeddedStore({
      dataDir: opts.dataDir,
      log,
      onFsync: opts.onFsync,
      fsyncPath: opts.fsyncPath,
      checkpointWalBytes: opts.checkpointWalBytes,
      readOnly: opts.readOnly === true,
    });
  }
  const url = opts.url as string;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new TypeError('openStore: url must be postgres://... or postgresql://...');
  }
  const readOnly = opts.readOnly === true;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    // Every transaction of a reader's sessions is read-only (as on a standby, where it must be).
    ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  pool.on('error', (err) => log.warn(`PostgreSQL pool: ${err.message}`));
  const db = new Db(pool);
  try {
    if (readOnly) await checkSchema(db);
    else await migrate(db, { log });
    const [s] = await db.query<{ fsync: string; sc: string }>(
      `SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc`,
    );
    // A reader's durability is the writer's concern.
    if (!readOnly && (s?.fsync !== 'on' || s.sc === 'off')) {
      log.warn(
        `PostgreSQL runs with fsync=${s?.fsync}, synchronous_commit=${s?.sc}: a crash may lose batches after their checkpoint was signed`,
      );
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  return new SqlStore(db, 'postgres', engineDurability(), {
    readOnly,
    leaseConnection: () =>
      new pg.Client({
        connectionString: url,
        keepAlive: true,
        application_name: 'kura writer lease',
      }),
  });
}

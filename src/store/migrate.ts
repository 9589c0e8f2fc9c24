// Plain SQL migrations: migrations/NNN_name.sql at the repository root, applied
// in order, all pending ones in ONE transaction, each recorded in
// schema_migrations with the SHA-256 of its text. A transaction-scoped advisory
// lock makes concurrent migrators (several servers starting against one
// PostgreSQL) wait for each other; on PGlite there is only one session, and the
// lock is simply granted.
// A read-only server (a reader, perhaps on a hot-standby replica) migrates
// nothing: it checks the schema the database holds is the one it needs.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Reporter } from '../platform/reporter.js';
import type { Db } from './db.js';

/** Resolved from this file, so it works from src/store/ (tsx) and dist/store/ (built). */
export const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);

/** Arbitrary constant key for pg_advisory_xact_lock: "kura" + 1. */
const MIGRATION_LOCK_KEY = 0x6b75726101n;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  sha256: string;
}

const FILE_NAME = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of names) {
    const m = FILE_NAME.exec(file);
    if (!m) throw new Error(`migrations: bad file name ${file} (want NNN_name.sql)`);
    const sql = await readFile(new URL(file, dir), 'utf8');
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) {
      throw new Error(`migrations: two files with version ${version}`);
    }
    out.push({
      version,
      name: m[2] as string,
      sql,
      // Hash with LF line ends, so a CRLF checkout does not look like an edited migration.
      sha256: createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex'),
    });
  }
  return out;
}

/**
 * Brings the schema up to date. Throws if an applied migration's file changed
 * since, or if the database holds migrations this code does not know (it was
 * written by a newer kura). Returns the versions applied now.
 */
export async function migrate(db: Db, opts: { log?: Reporter; dir?: URL } = {}): Promise<number[]> {
  const migrations = await loadMigrations(opts.dir);
  return db.withTransaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      sha256 text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await tx.query<{ version: number; name: string; sha256: string }>(
      'SELECT version, name, sha256 FROM schema_migrations ORDER BY version',
    );
    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const row of rows) {
      const m = known.get(row.version);
      if (!m) {
        throw new Error(
          `database schema has migration ${row.version} (${row.name}) that this kura does not know; it was written by a newer version`,
        );
      }
      if (m.sha256 !== row.sha256) {
        throw new Error(
          `migration ${row.version} (${row.name}) was changed after it was applied (sha256 ${row.sha256} in the database, ${m.sha256} on disk)`,
        );
      }
    }
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      // No parameters: the simple query protocol runs the file's statements in turn.
      await tx.query(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        m.sha256,
      ]);
      opts.log?.info(`applied migration ${String(m.version).padStart(3, '0')}_${m.name}`);
      done.push(m.version);
    }
    return done;
  });
}

/** The database's schema is not the one this kura needs (a reader cannot migrate it). */
export class SchemaVersionError extends Error {
  constructor(
    readonly held: number,
    readonly needed: number,
    message: string,
  ) {
    super(message);
    this.name = 'SchemaVersionError';
  }
}

/**
 * For a server that never writes: reads schema_migrations and throws
 * SchemaVersionError unless the database holds exactly the migrations this
 * kura has, unchanged. Returns the schema version.
 */
export async function checkSchema(db: Db, opts: { dir?: URL } = {}): Promise<number> {
  const migrations = await loadMigrations(opts.dir);
  const needed = migrations.at(-1)?.version ?? 0;
  const [table] = await db.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  const rows = table?.present
    ? await db.query<{ version: number; name: string; sha256: string }>(
        'SELECT version, name, sha256 FROM schema_migrations ORDER BY version',
      )
    : [];
  const held = rows.at(-1)?.version ?? 0;
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const row of rows) {
    const m = known.get(row.version);
    if (!m)
      throw new SchemaVersionError(
        held,
        needed,
        `the database's schema is at migration ${held}, this kura needs ${needed}: it was written by a newer kura; upgrade this reader`,
      );
    if (m.sha256 !== row.sha256)
      throw new SchemaVersionError(
        held,
        needed,
        `migration ${row.version} (${row.name}) in the database differs from this kura's (sha256 ${row.sha256} in the database, ${m.sha256} on disk)`,
      );
  }
  if (rows.length !== migrations.length)
    throw new SchemaVersionError(
      held,
      needed,
      `the database's schema is at migration ${held}, this kura needs ${needed}: upgrade the writer first`,
    );
  return held;
}

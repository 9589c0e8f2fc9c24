// A read-only store (a reader, perhaps on a hot-standby replica; kura export)
// migrates nothing: it opens only a database whose schema is exactly this
// kura's, and says in one line which side to upgrade otherwise. On PGlite it
// also creates nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { silentReporter } from '../../src/platform/reporter.js';
import { loadMigrations, SchemaVersionError } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { createTestDatabase, postgresAvailable } from '../helpers/postgres.js';
import { skipIfMissing } from '../helpers/required.js';

const skip = skipIfMissing(await postgresAvailable(), 'PostgreSQL');

/** A read-only store refuses a write itself, before the database would. */
async function refusesWrites(store: SqlStore): Promise<void> {
  await assert.rejects(
    store.putBlob({ sha256: 'ab'.repeat(32), contentType: 'text/plain', data: new Uint8Array(1) }),
    /read-only/,
  );
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('a read-only store checks the schema instead of migrating', { skip }, () => {
  let db: { url: string; drop(): Promise<void> };
  let needed: number;
  before(async () => {
    db = await createTestDatabase();
    needed = (await loadMigrations()).at(-1)?.version as number;
  });
  after(async () => db?.drop());

  test('an empty database: refused, and nothing created', async () => {
    await assert.rejects(
      openStore({ url: db.url, readOnly: true, log: silentReporter }),
      (e: unknown) =>
        e instanceof SchemaVersionError &&
        e.message ===
          `the database's schema is at migration 0, this kura needs ${needed}: upgrade the writer first`,
    );
    const [t] = await query<{ present: boolean }>(
      db.url,
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
    );
    assert.equal(t?.present, false);
  });

  test('after the writer migrated: opens, read-only down to its sessions', async () => {
    await (await openStore({ url: db.url, log: silentReporter })).close();
    const store = await openStore({ url: db.url, readOnly: true, log: silentReporter });
    try {
      assert.equal(store.readOnly, true);
      const [s] = await store.db.query<{ ro: string }>(
        "SELECT current_setting('transaction_read_only') AS ro",
      );
      assert.equal(s?.ro, 'on');
      await refusesWrites(store);
    } finally {
      await store.close();
    }
  });

  test('a schema the writer upgraded past this kura: refused, naming the newer kura', async () => {
    await query(
      db.url,
      `INSERT INTO schema_migrations (version, name, sha256) VALUES (${needed + 1}, 'future', 'x')`,
    );
    await assert.rejects(
      openStore({ url: db.url, readOnly: true, log: silentReporter }),
      (e: unknown) =>
        e instanceof SchemaVersionError &&
        e.message ===
          `the database's schema is at migration ${needed + 1}, this kura needs ${needed}: it was written by a newer kura; upgrade this reader`,
    );
  });
});

describe('a read-only embedded (PGlite) store', () => {
  let dir: string;
  let needed: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kura-ro-'));
    needed = (await loadMigrations()).at(-1)?.version as number;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('no store in the directory: refused, and nothing created', async () => {
    const empty = join(dir, 'empty');
    await assert.rejects(
      openStore({ dataDir: empty, readOnly: true, log: silentReporter }),
      /no kura store at .*empty: a read-only open creates nothing/,
    );
    assert.deepEqual(readdirSync(empty), []);
  });

  test('after a writer made it: opens, and refuses every write', async () => {
    const data = join(dir, 'store');
    await (await openStore({ dataDir: data, log: silentReporter })).close();
    const store = await openStore({ dataDir: data, readOnly: true, log: silentReporter });
    try {
      assert.equal(store.readOnly, true);
      await refusesWrites(store);
    } finally {
      await store.close();
    }
    assert.ok(existsSync(join(data, 'pgdata', 'PG_VERSION')));
  });

  test('a schema behind this kura: refused, not migrated', async () => {
    const data = join(dir, 'old');
    const writer = await openStore({ dataDir: data, log: silentReporter });
    await writer.db.query(`DELETE FROM schema_migrations WHERE version = ${needed}`);
    await writer.close();
    await assert.rejects(
      openStore({ dataDir: data, readOnly: true, log: silentReporter }),
      (e: unknown) =>
        e instanceof SchemaVersionError &&
        e.message.startsWith(
          `the database's schema is at migration ${needed - 1}, this kura needs ${needed}`,
        ),
    );
    // Still behind: the read-only open wrote nothing.
    const again = await openStore({ dataDir: data, readOnly: true, log: silentReporter }).catch(
      (e: unknown) => e,
    );
    assert.ok(again instanceof SchemaVersionError);
  });
});

// The Store contract on PostgreSQL. Connects to KURA_TEST_PG_URL (default
// postgres://postgres@127.0.0.1:5432/postgres), creates a database
// kura_test_[<run>_]<random> for this run (each test gets its own schema in it, via
// search_path in the URL) and drops it at the end. If PostgreSQL is
// unreachable the tests are skipped, except under CI, where that fails.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { lineReporter, silentReporter } from '../../src/platform/reporter.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { batch } from './fixtures.js';
import { runStoreSuite } from './store-suite.js';

const adminUrl = process.env.KURA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

let unreachable: string | undefined;
try {
  await admin(adminUrl, (c) => c.query('SELECT 1'));
} catch (err) {
  unreachable = `PostgreSQL is unreachable at ${redact(adminUrl)}: ${(err as Error).message}`;
}

if (unreachable !== undefined) {
  if (process.env.CI) {
    test('PostgreSQL store tests', () => {
      assert.fail(
        `${unreachable}. CI is set, so these tests must run: start PostgreSQL or set KURA_TEST_PG_URL.`,
      );
    });
  } else {
    test('PostgreSQL store tests', {
      skip: `${unreachable} (set KURA_TEST_PG_URL; under CI this fails)`,
    }, () => {});
  }
} else {
  const db = await createTestDatabase();
  const dbUrl = new URL(db.url);
  let schemas = 0;

  /** A fresh, empty schema in the run's database, and a URL whose search_path points at it. */
  const freshSchema = async () => {
    const schema = `t${++schemas}`;
    await admin(dbUrl.toString(), (c) => c.query(`CREATE SCHEMA ${schema}`));
    const u = new URL(dbUrl);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return {
      url: u.toString(),
      drop: () => admin(dbUrl.toString(), (c) => c.query(`DROP SCHEMA ${schema} CASCADE`)),
    };
  };

  after(() => db.drop());

  runStoreSuite('PostgreSQL', async () => {
    const s = await freshSchema();
    const store = await openStore({ url: s.url, log: silentReporter });
    return {
      store,
      behindItsBack: (sql, params) => store.db.query(sql, params),
      async cleanup() {
        await store.close();
        await s.drop();
      },
    };
  });

  describe('PostgreSQL store', () => {
    test('nothing is fsynced by the store: the server makes COMMIT durable', async () => {
      const s = await freshSchema();
      const fsyncs: string[] = [];
      const store = await openStore({
        url: s.url,
        log: silentReporter,
        onFsync: (e) => fsyncs.push(e.path),
      });
      try {
        await store.appendBatch(batch(0, 10));
        await store.putCheckpoint({ size: 10, note: 'n' });
        await store.setMeta('k', 'v');
        assert.equal(store.durability.mode, 'engine');
        assert.equal(store.durability.stats.commits, 3);
        assert.equal(store.durability.stats.fsyncs, 0);
        assert.deepEqual(fsyncs, []);
      } finally {
        await store.close();
        await s.drop();
      }
    });

    test('concurrent migrators and reopening: the schema is created once, data persists', async () => {
      const s = await freshSchema();
      const logs: string[] = [];
      const stores: SqlStore[] = await Promise.all(
        [1, 2, 3].map(() => openStore({ url: s.url, log: lineReporter((m) => logs.push(m)) })),
      );
      try {
        assert.equal(logs.filter((l) => l.includes('applied migration 001')).length, 1);
        await stores[0]?.appendBatch(batch(0, 3));
        assert.equal(await stores[2]?.treeSize(), 3);
      } finally {
        await Promise.all(stores.map((x) => x.close()));
      }
      const again = await openStore({ url: s.url, log: silentReporter });
      try {
        assert.equal(await again.treeSize(), 3);
      } finally {
        await again.close();
        await s.drop();
      }
    });

    test('a batch of 10,000 entries (parameters do not grow with the batch)', async () => {
      const s = await freshSchema();
      const store = await openStore({ url: s.url, log: silentReporter });
      try {
        await store.appendBatch(batch(0, 10_000));
        assert.equal(await store.treeSize(), 10_000);
        assert.equal((await store.getEntries(9_998, 20_000)).length, 2);
      } finally {
        await store.close();
        await s.drop();
      }
    });
  });
}

// The PostgreSQL-backed test log drops its database on every path: a close()
// whose server close throws, and a newTestLog() that fails after making the
// database. Each full run used to leave such kura_test_* databases behind.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { createdTestDatabases, PG_ADMIN_URL, postgresAvailable } from './postgres.js';
import { skipIfMissing } from './required.js';
import { newTestLog } from './test-log.js';

const skip = skipIfMissing(await postgresAvailable(), 'PostgreSQL');

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function exists(name: string): Promise<boolean> {
  const { rows } = await admin((c) =>
    c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]),
  );
  return rows.length > 0;
}

describe('a PostgreSQL test log drops its database', { skip }, () => {
  // Whatever a failing assertion below leaves, this run does not.
  after(async () => {
    for (const name of createdTestDatabases)
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  test('when closing its server throws', async () => {
    const t = await newTestLog('postgres', { stations: 4 });
    const name = new URL(t.databaseUrl as string).pathname.slice(1);
    assert.ok(await exists(name));
    const close = t.running.close.bind(t.running);
    t.running.close = async () => {
      await close();
      throw new Error('the server would not close');
    };
    await assert.rejects(t.close(), /the server would not close/);
    assert.equal(await exists(name), false, `${name} is dropped all the same`);
  });

  test('when starting its server throws', async () => {
    const before = new Set(createdTestDatabases);
    await assert.rejects(
      newTestLog('postgres', {
        stations: 4,
        onSign: () => {
          throw new Error('no signing today');
        },
      }),
      /no signing today/,
    );
    const made = [...createdTestDatabases].filter((n) => !before.has(n));
    assert.equal(made.length, 1, 'the log made its database');
    assert.equal(await exists(made[0] as string), false, `${made[0]} is dropped all the same`);
  });
});

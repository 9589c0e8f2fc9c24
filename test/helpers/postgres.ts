// A fresh PostgreSQL database per test run (CI: 127.0.0.1:5432, user postgres,
// trust auth), dropped afterwards. KURA_TEST_PG_URL overrides the server URL.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL =
  process.env.KURA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kura_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(e as Error).message}); start it or set KURA_TEST_PG_URL`,
    );
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Which backends a suite runs on: both in CI (PostgreSQL missing there is a failure), PGlite alone where there is no PostgreSQL locally. */
export async function testBackends(): Promise<Array<'pglite' | 'postgres'>> {
  if (process.env.CI || (await postgresAvailable())) return ['pglite', 'postgres'];
  console.log('# PostgreSQL not reachable: running on PGlite only (CI runs both)');
  return ['pglite'];
}

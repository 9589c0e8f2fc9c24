// A fresh PostgreSQL database per test run (CI: 127.0.0.1:5432, user postgres,
// trust auth), dropped afterwards. KURA_TEST_PG_URL overrides the server URL.
// Its name starts with this run's prefix and its comment names the test file,
// so scripts/run-tests.mjs can report (and drop) what a run left behind.
import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
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

/**
 * The prefix of every test database's name: kura_test_, then the run's id when
 * scripts/run-tests.mjs set one (KURA_TEST_RUN_ID), so that the runner can find
 * what its own run left behind without touching another run's databases.
 */
export function testDatabasePrefix(): string {
  const run = process.env.KURA_TEST_RUN_ID;
  return run && /^[a-z0-9]{1,16}$/.test(run) ? `kura_test_${run}_` : 'kura_test_';
}

/** A fresh test database name (not created). */
export function testDatabaseName(): string {
  return `${testDatabasePrefix()}${randomBytes(6).toString('hex')}`;
}

/** Every database this process created with createTestDatabase (dropped or not). */
export const createdTestDatabases = new Set<string>();

/** Drops a test database, ending any session still in it (a killed child's, a store left open). */
export async function dropTestDatabase(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = testDatabaseName();
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(e as Error).message}); start it or set KURA_TEST_PG_URL`,
    );
  }
  try {
    createdTestDatabases.add(name);
    await admin.query(`CREATE DATABASE ${name}`);
    // Which test made it, for scripts/run-tests.mjs to name if it is left behind.
    const by = relative(process.cwd(), process.argv[1] ?? '') || 'unknown';
    await admin.query(`COMMENT ON DATABASE ${name} IS ${admin.escapeLiteral(by)}`);
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropTestDatabase(name) };
}

/** Which backends a suite runs on: both in CI (PostgreSQL missing there is a failure), PGlite alone where there is no PostgreSQL locally. */
export async function testBackends(): Promise<Array<'pglite' | 'postgres'>> {
  if (process.env.CI || (await postgresAvailable())) return ['pglite', 'postgres'];
  console.log('# PostgreSQL not reachable: running on PGlite only (CI runs both)');
  return ['pglite'];
}

// Runs every test/**/*.test.ts with Node's own test runner (tsx compiles on load).
// Node 20 has no glob support in `node --test`, so the files are listed here.
// Extra arguments are substrings that filter the file list.
//
// Each run has an id (KURA_TEST_RUN_ID), which begins the name of every
// PostgreSQL database its tests make (test/helpers/postgres.ts): afterwards the
// databases of this run still there, and only those (another run's are not
// touched), are named with the test that made them, dropped, and fail the run.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return find(p);
    return d.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** This run's databases still on the server, dropped; none when PostgreSQL is not reachable. */
async function leftBehind(prefix) {
  const { default: pg } = await import('pg');
  const c = new pg.Client({
    connectionString: process.env.KURA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    connectionTimeoutMillis: 5000,
  });
  try {
    await c.connect();
  } catch {
    return [];
  }
  try {
    const { rows } = await c.query(
      `SELECT datname AS name, shobj_description(oid, 'pg_database') AS "madeBy"
         FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname`,
      [prefix],
    );
    for (const r of rows) await c.query(`DROP DATABASE IF EXISTS "${r.name}" WITH (FORCE)`);
    return rows;
  } finally {
    await c.end().catch(() => {});
  }
}

const filters = process.argv.slice(2);
const files = find('test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched', filters);
  process.exit(1);
}
const runId = randomBytes(4).toString('hex');
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...files],
  { stdio: 'inherit', env: { ...process.env, KURA_TEST_RUN_ID: runId } },
);
let status = result.status ?? 1;
const left = await leftBehind(`kura_test_${runId}_`);
if (left.length > 0) {
  console.error(
    `run-tests: ${left.length} PostgreSQL database(s) made by this run were left behind (now dropped):`,
  );
  for (const d of left) console.error(`  ${d.name}  made by ${d.madeBy ?? 'an unnamed test'}`);
  if (status === 0) status = 1;
}
process.exit(status);

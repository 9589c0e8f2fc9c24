// The limits each figure is read against, measured in the same run:
//   - Ed25519 verifications/s with node:crypto on all cores (worker threads);
//   - raw multi-row INSERT rows/s of ~300-byte rows into a scratch table, on
//     PGlite (directly, with the server's start parameters, so the same WAL
//     durability) and on PostgreSQL (through pg).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { SignaturePool } from '../platform/signature-pool.js';
import { pgliteStartParams } from '../store/embedded.js';

export interface VerifyLimit {
  threads: number;
  /** Verifications/s, all cores, with prepared public keys. */
  preparedPerSecond: number;
  /** Verifications/s, all cores, through kura's ed25519Verify on keys it has not seen (key import included). */
  kuraFirstSightPerSecond: number;
}

export async function measureVerifyLimit(durationMs: number): Promise<VerifyLimit> {
  const threads = os.availableParallelism();
  const pool = await SignaturePool.start({ threads });
  try {
    const prepared = await pool.ed25519Rate({ mode: 'prepared', ms: durationMs });
    // Enough distinct keys for ~8,000 verifications/s per thread; fewer if slower.
    const keys = Math.ceil((durationMs / 1000) * 8000);
    const firstSight = await pool.ed25519Rate({ mode: 'first-sight', ms: durationMs, keys });
    return {
      threads,
      preparedPerSecond: prepared.perSecond,
      kuraFirstSightPerSecond: firstSight.perSecond,
    };
  } finally {
    await pool.close();
  }
}

export interface InsertLimit {
  rowsPerSecond: number;
  rowBytes: number;
  rowsPerStatement: number;
  statements: number;
}

const ROW_BYTES = 300;
const CREATE = 'CREATE TABLE bench_scratch (idx bigint PRIMARY KEY, data bytea NOT NULL)';

function insertSql(rows: number): string {
  const values: string[] = [];
  for (let i = 0; i < rows; i++) values.push(`($${2 * i + 1}, $${2 * i + 2})`);
  return `INSERT INTO bench_scratch (idx, data) VALUES ${values.join(', ')}`;
}

/** Inserts batches of `rows` rows, one autocommitted statement each, for `durationMs`. */
async function insertLoop(
  exec: (sql: string, params: unknown[]) => Promise<void>,
  rows: number,
  durationMs: number,
): Promise<InsertLimit> {
  const sql = insertSql(rows);
  const payload = randomBytes(ROW_BYTES);
  let next = 0;
  const batch = () => {
    const params: unknown[] = [];
    for (let i = 0; i < rows; i++) params.push(next++, payload);
    return params;
  };
  await exec(sql, batch()); // warm-up: plan, first pages
  let statements = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < durationMs) {
    await exec(sql, batch());
    statements++;
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    rowsPerSecond: Math.round((statements * rows) / seconds),
    rowBytes: ROW_BYTES,
    rowsPerStatement: rows,
    statements,
  };
}

export async function measurePgliteInsert(
  dataDir: string,
  rows: number,
  durationMs: number,
): Promise<InsertLimit> {
  const db = new PGlite(dataDir, { startParams: pgliteStartParams() });
  try {
    await db.waitReady;
    await db.exec(CREATE);
    return await insertLoop(
      async (sql, params) => {
        await db.query(sql, params);
      },
      rows,
      durationMs,
    );
  } finally {
    await db.close();
  }
}

export async function measurePostgresInsert(
  url: string,
  rows: number,
  durationMs: number,
): Promise<InsertLimit> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(CREATE);
    return await insertLoop(
      async (sql, params) => {
        await client.query(sql, params);
      },
      rows,
      durationMs,
    );
  } finally {
    await client.end();
  }
}

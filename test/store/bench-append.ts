// appendBatch throughput on both engines (not a test; run by hand):
//   node --import tsx test/store/bench-append.ts [batches=30] [batchSize=1000]
// Each batch: batchSize result entries of ~1.2 KB, the changed hash tiles, one
// station-result row per entry and 300 tally rows, as the sequencer writes them.
// PostgreSQL: KURA_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres);
// a database kura_bench_<random> is created and dropped.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { silentReporter } from '../../src/platform/reporter.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { AppendBatch, HashTile, StoredEntry } from '../../src/store/store.js';
import { awkwardBytes, leafHash } from './fixtures.js';
import { tempDir } from './helpers.js';

const batches = Number(process.argv[2] ?? 30);
const batchSize = Number(process.argv[3] ?? 1000);
const CANDIDATES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

function makeBatch(start: number): AppendBatch {
  const entries: StoredEntry[] = [];
  for (let i = start; i < start + batchSize; i++) {
    const data = awkwardBytes(i, 1200);
    entries.push({
      index: i,
      data,
      leafHash: leafHash(data),
      kind: 'result',
      contest: `c${i % 6}`,
      station: `st${Math.floor(i / 6)}`,
    });
  }
  const end = start + batchSize;
  const tiles: HashTile[] = [];
  for (
    let level = 0, lo = start, hi = end;
    hi > 0;
    level++, lo = Math.floor(lo / 256), hi = Math.ceil(hi / 256)
  ) {
    for (let t = Math.floor(lo / 256); t * 256 < hi; t++) {
      const width = Math.min(256, hi - t * 256);
      tiles.push({ level, index: t, width, data: awkwardBytes(level * 7 + t, width * 32) });
    }
    if (hi <= 1) break;
  }
  const votes = (k: number) =>
    Object.fromEntries(CANDIDATES.map((c, j) => [c, (k * 31 + j * 17) % 1000]));
  return {
    startIndex: start,
    entries,
    tiles,
    stationResults: entries.map((e) => ({
      contest: e.contest as string,
      station: e.station as string,
      entryIndex: e.index,
      result: { votes: votes(e.index), rejected: 3, registered: 700 },
    })),
    tallies: Array.from({ length: 300 }, (_, u) => ({
      contest: `c${u % 6}`,
      unit: u === 0 ? '' : `unit-${u}`,
      tally: { votes: votes(start + u), stations: u, reported: start },
    })),
  };
}

async function run(name: string, store: SqlStore): Promise<void> {
  const prepared = Array.from({ length: batches }, (_, b) => makeBatch(b * batchSize));
  await store.appendBatch(prepared[0] as AppendBatch); // warm-up
  const t0 = performance.now();
  for (const b of prepared.slice(1)) await store.appendBatch(b);
  const secs = (performance.now() - t0) / 1000;
  const n = (batches - 1) * batchSize;
  const fsyncs = store.durability.stats.fsyncs;
  console.log(
    `${name}: ${n} entries in ${batches - 1} batches of ${batchSize}: ${secs.toFixed(2)} s = ${Math.round(n / secs)} entries/s (${((secs * 1000) / (batches - 1)).toFixed(1)} ms/batch; store fsyncs ${fsyncs}, checkpoints ${store.durability.stats.checkpoints})`,
  );
}

const only = process.env.BENCH_ONLY;
if (!only || only === 'pglite') {
  const t = tempDir('kura-bench-');
  const store = await openStore({ dataDir: t.dir, log: silentReporter });
  try {
    await run('PGlite', store);
  } finally {
    await store.close();
    t.remove();
  }
}

if (!only || only === 'postgres') {
  const adminUrl = process.env.KURA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `kura_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  try {
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    const store = await openStore({ url: u.toString(), log: silentReporter });
    try {
      await run('PostgreSQL', store);
    } finally {
      await store.close();
    }
  } finally {
    await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

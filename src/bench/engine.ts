// One engine's part of the run: its raw insert limit, then a kura server child
// on a fresh store, and against it the throughput, latency and read tests, in
// that order, each on results no earlier test sent.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Cleanup, createDatabase, startKuraServer, tempDir } from './children.js';
import { measureLatency, type ReceiptLatency } from './latency.js';
import { type InsertLimit, measurePgliteInsert, measurePostgresInsert } from './limits.js';
import type { BenchOptions, Engine } from './options.js';
import { findProfile, type ProfileSummary, summarizeProfile } from './profile.js';
import { measureTallyReads, type TallyReads } from './reads.js';
import { measureThroughput, type Throughput } from './submissions.js';

export interface EngineResult {
  engine: Engine;
  rawInsert: InsertLimit;
  serverStartSeconds: number;
  /** SIGTERM to exit (the server sequences what is queued and closes the store). */
  serverStopSeconds: number;
  serverExitCode: number | null;
  warmup: { sent: number; ok: number };
  throughput: Throughput;
  latency: ReceiptLatency;
  reads: TallyReads;
  peakRssMiB: number | null;
  profile?: { submissions: ProfileSummary; latency: ProfileSummary; reads: ProfileSummary };
}

export interface Slices {
  warmup: string[];
  throughput: string[];
  latency: string[];
  reads: string[];
}

/** Splits the pre-signed results among the tests. */
export function slice(bodies: string[], o: BenchOptions): Slices {
  const warm = Math.min(1000, Math.ceil(o.stations / 10));
  const lat = Math.ceil(o.rate * o.seconds);
  const reads = Math.ceil(o.rate * (o.seconds + 3));
  let at = 0;
  const take = (n: number) => {
    const part = bodies.slice(at, at + n);
    at += n;
    return part;
  };
  const s = {
    warmup: take(warm),
    throughput: take(o.stations),
    latency: take(lat),
    reads: take(reads),
  };
  if (s.reads.length < reads)
    throw new Error(
      `need ${warm + o.stations + lat + reads} pre-signed results, have ${bodies.length}`,
    );
  return s;
}

export function stationsNeeded(o: BenchOptions): number {
  return (
    Math.min(1000, Math.ceil(o.stations / 10)) +
    o.stations +
    Math.ceil(o.rate * o.seconds) +
    Math.ceil(o.rate * (o.seconds + 3))
  );
}

export async function runEngine(
  engine: Engine,
  o: BenchOptions,
  electionDir: string,
  s: Slices,
  cleanup: Cleanup,
  log: (msg: string) => void,
  profileDir?: string,
): Promise<EngineResult> {
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const insertMs = o.limitSeconds * 1000;
  log(`${engine}: raw insert limit`);
  let rawInsert: InsertLimit;
  let store: { dataDir: string } | { url: string };
  if (engine === 'pglite') {
    rawInsert = await measurePgliteInsert(
      join(tempDir(cleanup, 'pglite-scratch'), 'pgdata'),
      1000,
      insertMs,
    );
    store = { dataDir: join(tempDir(cleanup, 'pglite-data'), 'data') };
  } else {
    const scratch = await createDatabase(cleanup, o.pgAdminUrl, `kura_bench_scratch_${tag}`);
    rawInsert = await measurePostgresInsert(scratch, 1000, insertMs);
    store = { url: await createDatabase(cleanup, o.pgAdminUrl, `kura_bench_${tag}`) };
  }
  log(`${engine}: raw insert ${rawInsert.rowsPerSecond} rows/s; starting the server`);

  let cpuProfDir: string | undefined;
  if (profileDir) {
    cpuProfDir = join(profileDir, engine);
    mkdirSync(cpuProfDir, { recursive: true });
  }
  const t0 = performance.now();
  const server = await startKuraServer(cleanup, { electionDir, store, cpuProfDir });
  const serverStartSeconds = Math.round((performance.now() - t0) / 100) / 10;
  const watchPostgres = engine === 'postgres';
  const common = { serverUrl: server.url, serverPid: server.pid, watchPostgres };
  try {
    log(`${engine}: server up in ${serverStartSeconds} s; warm-up (${s.warmup.length} results)`);
    const warm = await measureThroughput({
      ...common,
      bodies: s.warmup,
      concurrency: Math.min(64, o.concurrency),
    });
    log(`${engine}: throughput, ${s.throughput.length} results, ${o.concurrency} in flight`);
    const throughput = await measureThroughput({
      ...common,
      bodies: s.throughput,
      concurrency: o.concurrency,
    });
    log(
      `${engine}: ${throughput.perSecond}/s, ${throughput.errors} errors; receipt latency at ${o.rate}/s for ${o.seconds} s`,
    );
    const latency = await measureLatency({
      ...common,
      bodies: s.latency,
      rate: o.rate,
      seconds: o.seconds,
    });
    log(
      `${engine}: p50 ${latency.latency.p50} ms, p99 ${latency.latency.p99} ms; tally reads while ingesting ${o.rate}/s`,
    );
    const reads = await measureTallyReads({
      ...common,
      bodies: s.reads,
      // Loaded, not overloaded: past its capacity the server's backlog starves reads entirely.
      ingestRate: Math.max(1, Math.min(o.rate, Math.round(throughput.perSecond / 2))),
      connections: o.readConnections,
      seconds: o.seconds,
    });
    log(`${engine}: ${reads.requestsPerSecond} reads/s, p99 ${reads.p99Ms} ms`);
    const peakRssMiB = server.peakRssMiB();
    const stopStart = performance.now();
    const code = await server.stop();
    const stopSeconds = Math.round((performance.now() - stopStart) / 100) / 10;
    log(`${engine}: server stopped in ${stopSeconds} s (exit ${code})`);
    if (code !== 0)
      log(`${engine}: the server exited with ${code}: ${server.stderr().slice(-2000)}`);
    const result: EngineResult = {
      engine,
      rawInsert,
      serverStartSeconds,
      serverStopSeconds: stopSeconds,
      serverExitCode: code,
      warmup: { sent: warm.sent, ok: warm.ok },
      throughput,
      latency,
      reads,
      peakRssMiB,
    };
    const file = cpuProfDir ? findProfile(cpuProfDir) : null;
    if (file) {
      const ingestEnd = reads.ingest.result.endUs;
      result.profile = {
        submissions: summarizeProfile(file, throughput.startUs, throughput.endUs),
        latency: summarizeProfile(file, latency.startUs, latency.endUs),
        reads: summarizeProfile(file, reads.ingest.result.startUs, ingestEnd),
      };
    } else if (cpuProfDir) log(`${engine}: no CPU profile was written in ${cpuProfDir}`);
    return result;
  } finally {
    await server.stop();
  }
}

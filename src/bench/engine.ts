// One engine's part of the run: its raw insert limit, then a kura server child
// on a fresh store, and against it the throughput tests (one per concurrency),
// the latency test and the read test, in that order, each on results no
// earlier test sent.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Cleanup, createDatabase, startKuraServer, tempDir } from './children.js';
import type { SignedStation } from './election.js';
import { measureLatency, type ReceiptLatency } from './latency.js';
import { type InsertLimit, measurePgliteInsert, measurePostgresInsert } from './limits.js';
import type { BenchOptions, Engine } from './options.js';
import {
  findProfile,
  findWorkerProfiles,
  type ProfileSummary,
  summarizeProfile,
  summarizeProfiles,
} from './profile.js';
import { publicNightResults } from './public-night.js';
import { measureTallyReads, type TallyReads } from './reads.js';
import { STALL_MS } from './send.js';
import { measureThroughput, type Throughput } from './submissions.js';

export interface EngineResult {
  engine: Engine;
  rawInsert: InsertLimit;
  serverStartSeconds: number;
  /** SIGTERM to exit (the server sequences what is queued and closes the store). */
  serverStopSeconds: number;
  serverExitCode: number | null;
  warmup: { sent: number; ok: number };
  /** One per concurrency, in the order given. */
  throughput: Throughput[];
  /** Null when skipped because an earlier test found the server hung (see failure). */
  latency: ReceiptLatency | null;
  reads: TallyReads | null;
  peakRssMiB: number | null;
  /** Why the run of this engine was cut short, if it was. */
  failure?: string;
  profile?: {
    submissions: Array<{
      concurrency: number;
      mode?: Throughput['mode'];
      summary: ProfileSummary;
      /** The server's worker threads over the same window, added up. */
      workers: ProfileSummary | null;
    }>;
    latency: ProfileSummary | null;
    reads: ProfileSummary | null;
  };
}

/** One throughput test: devices in flight, how they send, and what. */
export interface ThroughputSlice {
  concurrency: number;
  batched: boolean;
  /** Request bodies: a station's batch each, or one result each. */
  bodies: string[];
  /** Results in the bodies. */
  results: number;
}

export interface Slices {
  /** Batch bodies (a station each). */
  warmup: string[];
  throughput: ThroughputSlice[];
  /** One result per body. */
  latency: string[];
  reads: string[];
}

/** The synthetic election's contests (Kenya's six): every station takes part in each. */
export const CONTESTS = 6;

const stationsFor = (results: number) => Math.ceil(results / CONTESTS);
const warmupStations = (o: BenchOptions) => Math.min(1000, Math.ceil(o.stations / 10));
const latencyCount = (o: BenchOptions) => Math.ceil(o.rate * o.seconds);
const readsCount = (o: BenchOptions) => Math.ceil(o.rate * (o.seconds + 3));

/** The throughput tests, in order: for each concurrency, batched (as devices send), then one result per request. */
const throughputTests = (o: BenchOptions) =>
  o.concurrency.flatMap((concurrency) => [
    { concurrency, batched: true },
    { concurrency, batched: false },
  ]);

/** Stations per throughput test: --stations split evenly among the tests. */
const perThroughput = (o: BenchOptions) => Math.floor(o.stations / throughputTests(o).length);

/** Stations the engines' tests use (each on results no earlier test sent). */
function enginesNeed(o: BenchOptions): number {
  return (
    warmupStations(o) +
    perThroughput(o) * throughputTests(o).length +
    stationsFor(latencyCount(o)) +
    stationsFor(readsCount(o))
  );
}

/** Stations of the election: enough for the engines' tests, and for the public night's results (its own database). */
export function stationsNeeded(o: BenchOptions): number {
  const night = o.publicNight ? stationsFor(publicNightResults(o.rate, o.publicNightSeconds)) : 0;
  return Math.max(enginesNeed(o), night);
}

/** Splits the pre-signed stations among the tests. */
export function slice(stations: readonly SignedStation[], o: BenchOptions): Slices {
  if (stations.length < enginesNeed(o)) {
    throw new Error(`need ${enginesNeed(o)} pre-signed stations, have ${stations.length}`);
  }
  let at = 0;
  const take = (n: number) => {
    const part = stations.slice(at, at + n);
    at += n;
    return part;
  };
  const singles = (n: number) =>
    take(stationsFor(n))
      .flatMap((s) => s.singles)
      .slice(0, n);
  return {
    warmup: take(warmupStations(o)).map((s) => s.batch),
    throughput: throughputTests(o).map(({ concurrency, batched }) => {
      const part = take(perThroughput(o));
      const results = part.reduce((sum, s) => sum + s.singles.length, 0);
      const bodies = batched ? part.map((s) => s.batch) : part.flatMap((s) => s.singles);
      return { concurrency, batched, bodies, results };
    }),
    latency: singles(latencyCount(o)),
    reads: singles(readsCount(o)),
  };
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
    const scratch = await createDatabase(cleanup, o.pgAdminUrl, `scratch_${tag}`);
    rawInsert = await measurePostgresInsert(scratch, 1000, insertMs);
    store = { url: await createDatabase(cleanup, o.pgAdminUrl, tag) };
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
  let failure: string | undefined;
  const hung = (what: string, ok: number) =>
    `the server stopped answering during the ${what} (no answer for ${STALL_MS / 1000} s after ${ok} results); later tests skipped`;
  try {
    log(
      `${engine}: server up in ${serverStartSeconds} s; warm-up (${s.warmup.length} stations' batches)`,
    );
    const warm = await measureThroughput({
      ...common,
      bodies: s.warmup,
      concurrency: 64,
      batched: true,
    });
    if (warm.stalled) failure = hung('warm-up', warm.ok);

    const throughput: Throughput[] = [];
    for (const test of s.throughput) {
      if (failure) break;
      const { concurrency, batched, bodies, results } = test;
      const how = batched ? 'a station per request' : 'one result per request';
      log(`${engine}: throughput, ${results} results, ${how}, ${concurrency} in flight`);
      const t = await measureThroughput({ ...common, bodies, concurrency, batched, results });
      throughput.push(t);
      log(
        `${engine}: ${t.perSecond} results/s (${t.requestsPerSecond} requests/s), ${t.errors} errors, server CPU ${t.serverCpuMsPerResult} ms per result`,
      );
      if (t.stalled) failure = hung(`throughput test (${concurrency} in flight, ${how})`, t.ok);
    }

    let latency: ReceiptLatency | null = null;
    if (!failure) {
      log(`${engine}: receipt latency at ${o.rate}/s for ${o.seconds} s`);
      latency = await measureLatency({
        ...common,
        bodies: s.latency,
        rate: o.rate,
        seconds: o.seconds,
      });
      log(`${engine}: p50 ${latency.latency.p50} ms, p99 ${latency.latency.p99} ms`);
      if (latency.stalled) failure = hung('latency test', latency.ok);
    }

    let reads: TallyReads | null = null;
    if (!failure) {
      // Loaded, not overloaded: past its capacity the server's backlog starves reads entirely.
      const best = Math.max(...throughput.map((t) => t.perSecond));
      const ingestRate = Math.max(1, Math.min(o.rate, Math.round(best / 2)));
      log(`${engine}: tally reads while ingesting ${ingestRate}/s`);
      reads = await measureTallyReads({
        ...common,
        bodies: s.reads,
        ingestRate,
        connections: o.readConnections,
        seconds: o.seconds,
      });
      log(`${engine}: ${reads.requestsPerSecond} reads/s, p99 ${reads.p99Ms} ms`);
      if (reads.ingest.stalled) failure = hung('read test', reads.ingest.ok);
    }
    if (failure) log(`${engine}: ${failure}`);

    const peakRssMiB = server.peakRssMiB();
    const stopStart = performance.now();
    const code = await server.stop();
    const serverStopSeconds = Math.round((performance.now() - stopStart) / 100) / 10;
    log(`${engine}: server stopped in ${serverStopSeconds} s (exit ${code})`);
    if (code !== 0)
      log(`${engine}: the server exited with ${code}: ${server.stderr().slice(-2000)}`);

    const result: EngineResult = {
      engine,
      rawInsert,
      serverStartSeconds,
      serverStopSeconds,
      serverExitCode: code,
      warmup: { sent: warm.sent, ok: warm.ok },
      throughput,
      latency,
      reads,
      peakRssMiB,
      failure,
    };
    const file = cpuProfDir ? findProfile(cpuProfDir) : null;
    if (file && cpuProfDir) {
      const workers = findWorkerProfiles(cpuProfDir);
      result.profile = {
        submissions: throughput.map((t) => ({
          concurrency: t.concurrency,
          mode: t.mode,
          summary: summarizeProfile(file, t.startUs, t.endUs),
          workers: summarizeProfiles(workers, t.startUs, t.endUs),
        })),
        latency: latency ? summarizeProfile(file, latency.startUs, latency.endUs) : null,
        reads: reads ? summarizeProfile(file, reads.ingest.startUs, reads.ingest.endUs) : null,
      };
    } else if (cpuProfDir) log(`${engine}: no CPU profile was written in ${cpuProfDir}`);
    return result;
  } finally {
    await server.stop();
  }
}

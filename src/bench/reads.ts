// Tally reads: GET /api/v1/tally/president with Debian's wrk where it is
// installed (one thread at nice 19, as the public night reads; wrk.ts says
// why), autocannon in this process otherwise; gzip accepted, as browsers and
// CDNs do; 256 connections, while results are being ingested at a fixed rate
// (the sender runs in a worker thread); and the bare HTTP limit, a minimal
// Fastify endpoint in a child process, measured the same way.
import autocannon from 'autocannon';
import { type Cleanup, freePort, startChild } from './children.js';
import { CpuMeter, type CpuUse } from './machine.js';
import { type SendResult, startSender } from './send.js';
import { type LatencySummary, round, summarize } from './stats.js';
import { findWrk, type ReadGenerator, runWrk } from './wrk.js';

export interface ReadFigures {
  /** What generated the reads (results before wrk: autocannon). */
  generator?: ReadGenerator;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /**
   * Requests sent but not answered when the run ended (autocannon drops them
   * from the latencies); wrk does not count them: undefined.
   */
  unanswered?: number;
  bytesPerResponse: number;
  seconds: number;
  connections: number;
  cpu: CpuUse;
}

/** What is read, for how long, and whose CPU is watched meanwhile. */
interface ReadTarget {
  url: string;
  connections: number;
  seconds: number;
  serverPid: number;
  watchPostgres: boolean;
}

/** Reads of one URL for `seconds`: with wrk where it is installed, with autocannon otherwise. */
export async function readRun(o: ReadTarget): Promise<ReadFigures> {
  const wrk = findWrk();
  if (!wrk) return autocannonRun(o);
  const { url, connections, seconds } = o;
  const { origin, pathname, search } = new URL(url);
  const meter = new CpuMeter(o.serverPid, o.watchPostgres);
  const w = await runWrk({
    wrk,
    url: origin,
    paths: [`${pathname}${search}`],
    connections,
    seconds,
    headers: { 'accept-encoding': 'gzip, deflate, br' },
    nice: 19,
  });
  const measured = meter.stop();
  // wrk is the bench's load generator: its CPU is the bench's, not another user's.
  const wrkCores = measured.seconds > 0 ? round(w.cpuSeconds / measured.seconds, 2) : 0;
  const cpu: CpuUse = {
    ...measured,
    bench: round(measured.bench + wrkCores, 2),
    wrk: wrkCores,
    others: Math.max(0, round(measured.others - wrkCores, 2)),
  };
  const { connect, read, write, timeout } = w.errors;
  return {
    generator: 'wrk',
    requestsPerSecond: w.seconds > 0 ? Math.round((w.requests - w.non2xx) / w.seconds) : 0,
    p50Ms: w.latencyMs.p50,
    p99Ms: w.latencyMs.p99,
    non2xx: w.non2xx,
    errors: connect + read + write + timeout,
    bytesPerResponse: w.requests > 0 ? Math.round(w.bytes / w.requests) : 0,
    seconds: round(w.seconds, 2),
    connections,
    cpu,
  };
}

async function autocannonRun(o: ReadTarget): Promise<ReadFigures> {
  const { url, connections, seconds } = o;
  const meter = new CpuMeter(o.serverPid, o.watchPostgres);
  // As a browser or CDN asks: gzip accepted (the bare endpoints send plain bytes regardless).
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 10,
    headers: { 'accept-encoding': 'gzip, deflate, br' },
  });
  const cpu = meter.stop();
  const ok = r['2xx'];
  const answered = r.requests.total > 0;
  return {
    generator: 'autocannon',
    requestsPerSecond: Math.round(ok / r.duration),
    // No answer at all: the latency is at least the whole run, not 0.
    p50Ms: answered ? r.latency.p50 : Number.POSITIVE_INFINITY,
    p99Ms: answered ? r.latency.p99 : Number.POSITIVE_INFINITY,
    non2xx: r.non2xx,
    errors: r.errors,
    unanswered: Math.max(0, r.requests.sent - r.requests.total - r.errors),
    bytesPerResponse: r.requests.total > 0 ? Math.round(r.throughput.total / r.requests.total) : 0,
    seconds: r.duration,
    connections,
    cpu,
  };
}

export interface Ingest {
  rate: number;
  sent: number;
  ok: number;
  byStatus: Record<string, number>;
  errorSamples: string[];
  latency: LatencySummary;
  stalled: boolean;
  startUs: number;
  endUs: number;
}

export interface TallyReads extends ReadFigures {
  /** The background ingest while reads ran. */
  ingest: Ingest;
}

function ingestOf(rate: number, r: SendResult): Ingest {
  const { sent, ok, byStatus, errorSamples, stalled, startUs, endUs } = r;
  return {
    rate,
    sent,
    ok,
    byStatus,
    errorSamples,
    latency: summarize(r.latencies),
    stalled,
    startUs,
    endUs,
  };
}

export async function measureTallyReads(o: {
  serverUrl: string;
  serverPid: number;
  watchPostgres: boolean;
  bodies: string[];
  ingestRate: number;
  connections: number;
  seconds: number;
}): Promise<TallyReads> {
  const sender = startSender({
    mode: 'open',
    url: o.serverUrl,
    bodies: o.bodies,
    rate: o.ingestRate,
    durationMs: (o.seconds + 30) * 1000,
    maxSockets: 4096,
  });
  // Let ingest reach its steady state (a few batches) before reading.
  await new Promise((r) => setTimeout(r, 1000));
  let reads: ReadFigures;
  try {
    reads = await readRun({
      url: `${o.serverUrl}/api/v1/tally/president`,
      connections: o.connections,
      seconds: o.seconds,
      serverPid: o.serverPid,
      watchPostgres: o.watchPostgres,
    });
  } finally {
    sender.stop();
  }
  return { ...reads, ingest: ingestOf(o.ingestRate, await sender.result) };
}

export interface BareLimits {
  /** A small JSON. */
  small: ReadFigures;
  /** A JSON as large as the tally responses, when reads were measured. */
  sized: ReadFigures | null;
}

export async function measureBareLimit(
  cleanup: Cleanup,
  connections: number,
  seconds: number,
  sizedBytes: number | null,
): Promise<BareLimits> {
  const port = await freePort();
  const child = await startChild(cleanup, {
    what: 'bare HTTP server',
    args: [new URL('./bare-server.js', import.meta.url).pathname, String(port)],
    port,
    ready: /bare: listening/,
  });
  try {
    const bare = { connections, seconds, serverPid: child.pid, watchPostgres: false };
    const small = await readRun({ ...bare, url: `${child.url}/bare` });
    const sized = sizedBytes
      ? await readRun({ ...bare, url: `${child.url}/sized?bytes=${sizedBytes}` })
      : null;
    return { small, sized };
  } finally {
    await child.stop();
  }
}

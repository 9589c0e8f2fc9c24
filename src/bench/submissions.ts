// Signed submissions/s over HTTP: `concurrency` devices in flight (closed
// loop), each sending pre-signed results to the server child until all are
// sent, either as devices do (one request per station with all its contests,
// POST /api/v1/results/batch, each entry signed on its own) or one result per
// request (POST /api/v1/results). The figure is results acknowledged (receipts
// in 201 answers) per second of wall time.
import { CpuMeter, type CpuUse } from './machine.js';
import { type SendResult, startSender } from './send.js';
import { type LatencySummary, summarize } from './stats.js';

export interface Throughput {
  concurrency: number;
  /** How results were sent: a device's contests in one request, or one result per request (absent in older results: single). */
  mode?: 'batch' | 'single';
  /** Results in the bodies sent (as many as requests when single). */
  resultsSent?: number;
  /** Receipts in the 201 answers: the results acknowledged. */
  resultsAcknowledged?: number;
  /** 201 answers per second (requests, not results). */
  requestsPerSecond?: number;
  /** Server child CPU ms per acknowledged result. */
  serverCpuMsPerResult?: number;
  sent: number;
  ok: number;
  errors: number;
  byStatus: Record<string, number>;
  errorSamples: string[];
  /** Results acknowledged per second: signed submissions/s. */
  perSecond: number;
  seconds: number;
  /** Receipt latency under this load (closed loop: from send to answer). */
  latency: LatencySummary;
  cpu: CpuUse;
  startUs: number;
  endUs: number;
  /** The server stopped answering; the test was cut short. */
  stalled: boolean;
}

/** What a run sent and how it was answered (the counts both load shapes report). */
export function sendCounts(r: SendResult) {
  return {
    sent: r.sent,
    ok: r.ok,
    errors: r.sent - r.ok,
    byStatus: r.byStatus,
    errorSamples: r.errorSamples,
  };
}

/** A run's receipt latencies, the server's CPU and when the run started, ended or stalled. */
export function runTimes(r: SendResult, cpu: CpuUse) {
  return {
    latency: summarize(r.latencies),
    cpu,
    startUs: r.startUs,
    endUs: r.endUs,
    stalled: r.stalled,
  };
}

export async function measureThroughput(o: {
  serverUrl: string;
  serverPid: number;
  watchPostgres: boolean;
  bodies: string[];
  concurrency: number;
  /** Each body is a batch of results (POST /api/v1/results/batch). */
  batched?: boolean;
  /** Results in the bodies, in all. */
  results?: number;
}): Promise<Throughput> {
  const meter = new CpuMeter(o.serverPid, o.watchPostgres);
  const r = await startSender({
    mode: 'closed',
    url: o.serverUrl,
    bodies: o.bodies,
    concurrency: o.concurrency,
    path: o.batched ? '/api/v1/results/batch' : '/api/v1/results',
  }).result;
  const cpu = meter.stop();
  const acknowledged = r.receipts201;
  return {
    concurrency: o.concurrency,
    mode: o.batched ? 'batch' : 'single',
    resultsSent: o.results ?? o.bodies.length,
    resultsAcknowledged: acknowledged,
    requestsPerSecond: Math.round(r.ok / (r.wallMs / 1000)),
    serverCpuMsPerResult:
      acknowledged > 0
        ? Math.round(((cpu.serverCpuSeconds ?? 0) * 1e6) / acknowledged) / 1000
        : Number.NaN,
    ...sendCounts(r),
    perSecond: Math.round(acknowledged / (r.wallMs / 1000)),
    seconds: Math.round(r.wallMs / 100) / 10,
    ...runTimes(r, cpu),
  };
}

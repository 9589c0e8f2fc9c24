// Signed submissions/s over HTTP: `concurrency` devices in flight (closed
// loop), each sending pre-signed results to the server child until all are
// sent. The figure is 201-with-receipt answers per second of wall time.
import { CpuMeter, type CpuUse } from './machine.js';
import { type SendResult, startSender } from './send.js';
import { type LatencySummary, summarize } from './stats.js';

export interface Throughput {
  concurrency: number;
  sent: number;
  ok: number;
  errors: number;
  byStatus: Record<string, number>;
  errorSamples: string[];
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
}): Promise<Throughput> {
  const meter = new CpuMeter(o.serverPid, o.watchPostgres);
  const r = await startSender({
    mode: 'closed',
    url: o.serverUrl,
    bodies: o.bodies,
    concurrency: o.concurrency,
  }).result;
  const cpu = meter.stop();
  return {
    concurrency: o.concurrency,
    ...sendCounts(r),
    perSecond: Math.round(r.ok / (r.wallMs / 1000)),
    seconds: Math.round(r.wallMs / 100) / 10,
    ...runTimes(r, cpu),
  };
}

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

export function errorsOf(r: SendResult): number {
  return r.sent - r.ok;
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
    sent: r.sent,
    ok: r.ok,
    errors: errorsOf(r),
    byStatus: r.byStatus,
    errorSamples: r.errorSamples,
    perSecond: Math.round(r.ok / (r.wallMs / 1000)),
    seconds: Math.round(r.wallMs / 100) / 10,
    latency: summarize(r.latencies),
    cpu,
    startUs: r.startUs,
    endUs: r.endUs,
    stalled: r.stalled,
  };
}

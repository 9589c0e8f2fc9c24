// Receipt latency at a fixed offered rate (open loop): results are sent on a
// timetable (rate per second, for a fixed time) whatever the server's answers,
// and each latency runs from the result's scheduled time to its receipt.
import { CpuMeter, type CpuUse } from './machine.js';
import { startSender } from './send.js';
import type { LatencySummary } from './stats.js';
import { runTimes, sendCounts } from './submissions.js';

export interface ReceiptLatency {
  offeredPerSecond: number;
  seconds: number;
  sent: number;
  ok: number;
  errors: number;
  byStatus: Record<string, number>;
  errorSamples: string[];
  /** Answers per second actually achieved over the whole run (until the last answer). */
  achievedPerSecond: number;
  /** True when the pre-signed results ran out before the time was up. */
  exhausted: boolean;
  latency: LatencySummary;
  cpu: CpuUse;
  startUs: number;
  endUs: number;
  /** The server stopped answering; the test was cut short. */
  stalled: boolean;
}

export async function measureLatency(o: {
  serverUrl: string;
  serverPid: number;
  watchPostgres: boolean;
  bodies: string[];
  rate: number;
  seconds: number;
}): Promise<ReceiptLatency> {
  const meter = new CpuMeter(o.serverPid, o.watchPostgres);
  const r = await startSender({
    mode: 'open',
    url: o.serverUrl,
    bodies: o.bodies,
    rate: o.rate,
    durationMs: o.seconds * 1000,
    maxSockets: 4096,
  }).result;
  const cpu = meter.stop();
  return {
    offeredPerSecond: o.rate,
    seconds: o.seconds,
    ...sendCounts(r),
    achievedPerSecond: Math.round(r.ok / (r.wallMs / 1000)),
    exhausted: r.exhausted,
    ...runTimes(r, cpu),
  };
}

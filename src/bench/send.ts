// Sending pre-signed results to a kura server, in a worker thread so that the
// load generator never shares an event loop with whatever else the bench runs
// (autocannon during the read test). Two disciplines:
//
//   closed loop: `concurrency` devices, each sending its next result as soon
//     as it has the receipt for the previous one (throughput);
//   open loop: results sent at a fixed rate, each at its scheduled time
//     whether or not earlier ones were answered; latency is measured from the
//     scheduled time, so a stalled server cannot hide its backlog
//     (no coordinated omission).
//
// Every answer other than 201 with a receipt is counted, by status and error
// code, and reported as an error. A closed loop may send batches (POST
// /api/v1/results/batch, one device's contests); the receipts in its 201
// answers are counted too, as the results acknowledged.
import { Worker } from 'node:worker_threads';
import { HttpClient } from '../simulate/replay.js';

export type SendJob =
  | {
      mode: 'closed';
      url: string;
      bodies: string[];
      concurrency: number;
      /** Where to POST the bodies (default /api/v1/results, one result each). */
      path?: string;
    }
  | {
      mode: 'open';
      url: string;
      bodies: string[];
      rate: number;
      durationMs: number;
      maxSockets: number;
      /** Resend a refused or failed result with the same bytes, as devices do (results are idempotent). */
      retry?: RetryRule;
      /** Keep every receipt (the failover audit checks each against the final log). */
      keepReceipts?: boolean;
      /** Where to POST the bodies (default /api/v1/results, one result each). */
      path?: string;
    };

export interface RetryRule {
  /** Wait between attempts. */
  delayMs: number;
  /** Stop retrying a result this long after its scheduled time. */
  giveUpMs: number;
}

/** A result acknowledged by a receipt (201, or 200 for the same bytes sent again). */
export interface KeptReceipt {
  /** Which body (its position in the job's bodies). */
  body: number;
  /** Which result of the body: 0 for a single result, its position in a batch. */
  position: number;
  status: number;
  receipt: string;
  /** Epoch ms (performance.timeOrigin + now) the answered attempt was sent, and answered. */
  sentAt: number;
  answeredAt: number;
}

export interface SendResult {
  /** Requests sent. */
  sent: number;
  /** 201 answers carrying a receipt. */
  ok: number;
  /** Receipts in those answers: the results acknowledged (more than ok when batches are sent). */
  receipts201: number;
  /** Answers by status (and error code when not 201); "0 ..." is a transport failure. */
  byStatus: Record<string, number>;
  errorSamples: string[];
  /** Latency of each completed request, ms (open loop: from its scheduled time). */
  latencies: Float64Array;
  /** From the first send to the last answer, ms. */
  wallMs: number;
  /** Monotonic clock (µs) at the first send and the last answer: to cut CPU profiles. */
  startUs: number;
  endUs: number;
  /** Open loop: results that were due but not sent because the bodies ran out. */
  exhausted: boolean;
  /** The server answered nothing for STALL_MS while requests were waiting: the run was cut short. */
  stalled: boolean;
  /** With retries: the attempts made (sent counts bodies: results, or batches), and bodies given up. */
  attempts: number;
  gaveUp: number;
  /** With retries: the results acknowledged (201, or 200 for the same bytes again; each of a batch's). */
  acknowledgedResults: number;
  /** With keepReceipts: every acknowledged result. */
  receipts: KeptReceipt[];
  /** With retries: epoch ms each latency's result was scheduled at (the same order as latencies). */
  scheduledAt: Float64Array;
}

/** No answer at all for this long, with requests waiting, means the server hangs. */
export const STALL_MS = 60_000;

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

const epochMs = () => performance.timeOrigin + performance.now();

const RECEIPT_KEY = '"receipt":"';

/** How many receipts an answer's body carries (one per result acknowledged). */
export function receiptCount(body: string): number {
  let count = 0;
  for (let at = body.indexOf(RECEIPT_KEY); at >= 0; at = body.indexOf(RECEIPT_KEY, at + 1)) count++;
  return count;
}

class Recorder {
  ok = 0;
  receipts201 = 0;
  sent = 0;
  attempts = 0;
  gaveUp = 0;
  acknowledgedResults = 0;
  readonly receipts: KeptReceipt[] = [];
  readonly scheduledAt: number[] = [];
  waiting = 0;
  lastAnswer = performance.now();
  readonly byStatus: Record<string, number> = {};
  readonly errorSamples: string[] = [];
  readonly latencies: number[] = [];

  /** An answer's key in byStatus ("201", "503 SEQUENCER_UNAVAILABLE", "0 ECONNRESET"). */
  count(status: number, body: string, accepted: boolean): void {
    let key = String(status);
    if (!accepted) {
      if (status === 201) key = '201 without receipt';
      else if (status !== 0) {
        try {
          const code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
          if (code) key = `${status} ${code}`;
        } catch {
          // not JSON: status alone
        }
      } else key = `0 ${body}`;
      if (this.errorSamples.length < 5) this.errorSamples.push(`${key}: ${body.slice(0, 300)}`);
    }
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
  }

  record(status: number, body: string, latencyMs: number): void {
    const receipts = status === 201 ? receiptCount(body) : 0;
    const accepted = receipts > 0;
    if (accepted) {
      this.ok++;
      this.receipts201 += receipts;
    }
    this.count(status, body, accepted);
    this.latencies.push(latencyMs);
  }
}

/** One POST of a result: its status and body text, or status 0 and the transport error. */
async function postOnce(
  client: HttpClient,
  body: string,
  path = '/api/v1/results',
): Promise<{ status: number; text: string }> {
  try {
    const res = await client.request('POST', path, body);
    return { status: res.status, text: res.body.toString('utf8') };
  } catch (e) {
    return { status: 0, text: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
}

async function post(
  client: HttpClient,
  rec: Recorder,
  body: string,
  since: number,
  path?: string,
): Promise<void> {
  rec.sent++;
  rec.waiting++;
  const { status, text } = await postOnce(client, body, path);
  rec.waiting--;
  rec.lastAnswer = performance.now();
  rec.record(status, text, performance.now() - since);
}

/** A receipt in a 201 or a 200 (the same bytes again): the answer a device keeps. */
const acknowledged = (status: number, text: string) =>
  (status === 201 || status === 200) && text.includes('"receipt":"');

/** The receipts of a result's answer, or of a batch's, in the order of its results. */
function receiptsIn(text: string): string[] {
  const answer = JSON.parse(text) as { receipt?: string; results?: Array<{ receipt: string }> };
  return answer.results ? answer.results.map((r) => r.receipt) : [answer.receipt as string];
}

/** Worth sending again: nothing answered, or the front or server could not take it now. */
const retriable = (status: number) =>
  status === 0 ||
  status === 408 ||
  status === 429 ||
  status === 502 ||
  status === 503 ||
  status === 504;

/**
 * Sends one result until it is acknowledged, as a device does: the same
 * bytes after `rule.delayMs`, until `rule.giveUpMs` after its scheduled time.
 * Every answer is counted by status; the latency runs from the scheduled
 * time to the acknowledgement (or the last answer).
 */
async function postUntilAcknowledged(
  client: HttpClient,
  rec: Recorder,
  bodies: readonly string[],
  at: number,
  since: number,
  rule: RetryRule,
  keep: boolean,
  path?: string,
): Promise<void> {
  const body = bodies[at] as string;
  rec.sent++;
  rec.waiting++;
  for (;;) {
    rec.attempts++;
    const sentAt = epochMs();
    const { status, text } = await postOnce(client, body, path);
    rec.lastAnswer = performance.now();
    const ok = acknowledged(status, text);
    rec.count(status, text, ok);
    const late = performance.now() - since >= rule.giveUpMs;
    if (ok || !retriable(status) || late) {
      rec.waiting--;
      rec.latencies.push(performance.now() - since);
      rec.scheduledAt.push(performance.timeOrigin + since);
      if (ok) {
        rec.ok++;
        const receipts = receiptsIn(text);
        rec.acknowledgedResults += receipts.length;
        if (keep) {
          const answeredAt = epochMs();
          for (const [position, receipt] of receipts.entries())
            rec.receipts.push({ body: at, position, status, receipt, sentAt, answeredAt });
        }
      } else if (late && retriable(status)) rec.gaveUp++;
      return;
    }
    await new Promise((r) => setTimeout(r, rule.delayMs));
  }
}

/** Runs a job in this thread. `stopped()` ends an open loop early (the background sender). */
export async function runJob(
  job: SendJob,
  stopped: () => boolean = () => false,
): Promise<SendResult> {
  const rec = new Recorder();
  const client = new HttpClient(job.url, job.mode === 'closed' ? job.concurrency : job.maxSockets);
  const startUs = nowUs();
  const t0 = performance.now();
  let exhausted = false;
  let stalled = false;
  // A hung server must not hang the bench: drop the connections, count what waited as errors.
  const watchdog = setInterval(() => {
    if (rec.waiting > 0 && performance.now() - rec.lastAnswer > STALL_MS) {
      stalled = true;
      client.close();
    }
  }, 1000);
  try {
    if (job.mode === 'closed') {
      let next = 0;
      const device = async () => {
        while (next < job.bodies.length && !stalled) {
          const body = job.bodies[next++] as string;
          await post(client, rec, body, performance.now(), job.path);
        }
      };
      await Promise.all(Array.from({ length: job.concurrency }, device));
    } else {
      const period = 1000 / job.rate;
      const due = Math.floor((job.durationMs / 1000) * job.rate);
      const inflight = new Set<Promise<void>>();
      await new Promise<void>((done) => {
        let i = 0;
        const tick = () => {
          const now = performance.now();
          while (i < due && t0 + i * period <= now && !stopped() && !stalled) {
            if (i >= job.bodies.length) {
              exhausted = true;
              break;
            }
            const p = job.retry
              ? postUntilAcknowledged(
                  client,
                  rec,
                  job.bodies,
                  i,
                  t0 + i * period,
                  job.retry,
                  job.keepReceipts === true,
                  job.path,
                )
              : post(client, rec, job.bodies[i] as string, t0 + i * period, job.path);
            inflight.add(p);
            void p.then(() => inflight.delete(p));
            i++;
          }
          if (i >= due || exhausted || stopped() || stalled) done();
          else setTimeout(tick, Math.max(0, t0 + i * period - performance.now()));
        };
        tick();
      });
      await Promise.all(inflight);
    }
  } finally {
    clearInterval(watchdog);
    client.close();
  }
  return {
    sent: rec.sent,
    ok: rec.ok,
    receipts201: rec.receipts201,
    byStatus: rec.byStatus,
    errorSamples: rec.errorSamples,
    latencies: Float64Array.from(rec.latencies),
    wallMs: performance.now() - t0,
    startUs,
    endUs: nowUs(),
    exhausted,
    stalled,
    attempts: rec.attempts || rec.sent,
    gaveUp: rec.gaveUp,
    acknowledgedResults: rec.acknowledgedResults,
    receipts: rec.receipts,
    scheduledAt: Float64Array.from(rec.scheduledAt),
  };
}

export interface RunningSender {
  result: Promise<SendResult>;
  /** Stops scheduling new sends (open loop); the result still waits for the answers. */
  stop(): void;
}

/** Runs a job in a worker thread. */
export function startSender(job: SendJob): RunningSender {
  const worker = new Worker(new URL('./send-worker.js', import.meta.url), { workerData: job });
  const result = new Promise<SendResult>((res, rej) => {
    worker.once('message', (m: SendResult) => res(m));
    worker.once('error', rej);
    worker.once('exit', (code) =>
      rej(new Error(`sender worker exited (${code}) without a result`)),
    );
  });
  return {
    result: result.finally(() => void worker.terminate()),
    stop: () => worker.postMessage('stop'),
  };
}

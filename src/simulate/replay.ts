// Replays an election night against a kura server over HTTP: every planned
// result is signed by its station's (demo) device and sent when its time in
// the compressed timeline comes, by a pool of concurrent "devices". Network
// failures and 503s are retried with the same signed bytes, which the server
// logs exactly once.
import http from 'node:http';
import type { ResultEntry } from '../election/entries.js';
import { demoDeviceSeed } from './demo-keys.js';
import { deviceTime, signResult } from './device.js';

export interface PlannedResult {
  contest: string;
  station: string;
  votes: Record<string, number>;
  rejected: number;
  totalValid: number;
  form: string;
  /** When the device sends it, as a time in the real night (ms since epoch). */
  at: number;
}

export interface ReplayOptions {
  server: string;
  electionId: string;
  /** The device enrolled at each station. */
  deviceOf: (station: string) => string;
  concurrency?: number;
  /** How many times faster than real time the night runs; Infinity sends as fast as possible. */
  speed?: number;
  onResult?: (p: PlannedResult, outcome: SendOutcome) => void;
  signal?: AbortSignal;
}

export interface SendOutcome {
  status: number;
  code?: string;
  index?: number;
  duplicate?: boolean;
  flags?: string[];
  receipt?: string;
  attempts: number;
}

export interface ReplaySummary {
  sent: number;
  byStatus: Record<string, number>;
  wallMs: number;
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly base: URL;
  constructor(server: string, maxSockets: number) {
    this.base = new URL(server);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(
    method: string,
    path: string,
    body?: string | Uint8Array,
    contentType = 'application/json',
  ): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers:
            body === undefined
              ? {}
              : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one signed result, retrying transport failures and 503 with the same bytes. */
export async function sendResult(
  client: HttpClient,
  entry: ResultEntry,
  maxAttempts = 50,
): Promise<SendOutcome> {
  const body = JSON.stringify(entry);
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await client.request('POST', '/api/v1/results', body);
      if (res.status === 503 && attempt < maxAttempts) {
        await sleep(Math.min(2000, 50 * attempt));
        continue;
      }
      const json = JSON.parse(res.body.toString('utf8')) as {
        index?: number;
        duplicate?: boolean;
        flags?: string[];
        receipt?: string;
        error?: { code: string };
      };
      return {
        status: res.status,
        code: json.error?.code,
        index: json.index,
        duplicate: json.duplicate,
        flags: json.flags,
        receipt: json.receipt,
        attempts: attempt,
      };
    } catch (e) {
      if (attempt >= maxAttempts)
        return { status: 0, code: `NETWORK: ${(e as Error).message}`, attempts: attempt };
      await sleep(Math.min(2000, 50 * attempt));
    }
  }
}

export function signPlanned(p: PlannedResult, electionId: string, device: string): ResultEntry {
  return signResult(
    {
      type: 'result',
      v: 1,
      election: electionId,
      contest: p.contest,
      station: p.station,
      device,
      votes: p.votes,
      rejected: p.rejected,
      totalValid: p.totalValid,
      form: p.form,
      deviceTime: deviceTime(new Date(p.at)),
    },
    demoDeviceSeed(electionId, device),
  );
}

/** Sends the plan (sorted by `at`) with a pool of concurrent devices. */
export async function replay(plan: PlannedResult[], opts: ReplayOptions): Promise<ReplaySummary> {
  const concurrency = opts.concurrency ?? 64;
  const speed = opts.speed ?? Number.POSITIVE_INFINITY;
  const client = new HttpClient(opts.server, concurrency);
  const byStatus: Record<string, number> = {};
  const start = Date.now();
  const nightStart = plan[0]?.at ?? 0;
  let next = 0;
  const worker = async () => {
    while (next < plan.length && !opts.signal?.aborted) {
      const p = plan[next++] as PlannedResult;
      if (Number.isFinite(speed)) {
        const due = start + (p.at - nightStart) / speed;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
      const outcome = await sendResult(
        client,
        signPlanned(p, opts.electionId, opts.deviceOf(p.station)),
      );
      const key = outcome.code ? `${outcome.status} ${outcome.code}` : String(outcome.status);
      byStatus[key] = (byStatus[key] ?? 0) + 1;
      opts.onResult?.(p, outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    client.close();
  }
  return { sent: next, byStatus, wallMs: Date.now() - start };
}

// Replays an election night against a kura server over HTTP: every planned
// result is signed by its station's (demo) device and sent when its time in
// the compressed timeline comes, by a pool of concurrent "devices"; where the
// plan has a scan of the form, the device uploads it first, signed (FORMATS.md
// §10.3). Network failures and 503s are retried with the same signed bytes,
// which the server logs (or stores) exactly once.
import http from 'node:http';
import { demoDeviceSeed } from '../election/demo-keys.js';
import { deviceTime, formUploadHeaders, signResult } from '../election/device.js';
import type { ResultEntry } from '../election/entries.js';

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

export interface ReplayOptions<P extends PlannedResult = PlannedResult> {
  server: string;
  electionId: string;
  /** The device enrolled at each station. */
  deviceOf: (station: string) => string;
  concurrency?: number;
  /** How many times faster than real time the night runs; Infinity sends as fast as possible. */
  speed?: number;
  /** The signed entry to send for a planned result (default: signed by its station's device). */
  entryFor?: (p: P) => ResultEntry;
  /** The scan of the planned result's form, uploaded before the result (none: no upload). */
  formFor?: (p: P) => FormScan | null;
  /** Awaited just before each send (after its time has come): a caller may hold the night here. */
  beforeSend?: (p: P, position: number) => Promise<void> | undefined;
  onResult?: (p: P, outcome: SendOutcome) => void;
  /** How long one result is retried through 503s and network failures. */
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

export interface RetryPolicy {
  /** At most this many attempts (default 50). */
  maxAttempts?: number;
  /** Give up after this long since the first attempt, whatever the attempts (default: no limit). */
  retryForMs?: number;
}

export interface SendOutcome {
  status: number;
  code?: string;
  index?: number;
  duplicate?: boolean;
  flags?: string[];
  receipt?: string;
  attempts: number;
  /** The form's upload, when the plan had a scan for it. */
  form?: UploadOutcome;
}

export interface FormScan {
  data: Uint8Array;
  contentType: 'application/pdf' | 'image/jpeg' | 'image/png';
}

export interface UploadOutcome {
  status: number;
  code?: string;
  attempts: number;
}

export interface ReplaySummary {
  sent: number;
  byStatus: Record<string, number>;
  /** Form uploads by answer ("201", "200", "429 FORM_QUOTA_EXCEEDED", ...). */
  formsByStatus: Record<string, number>;
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
    extraHeaders: Record<string, string> = {},
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
              ? extraHeaders
              : {
                  ...extraHeaders,
                  'content-type': contentType,
                  'content-length': Buffer.byteLength(body),
                },
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
  retry: number | RetryPolicy = 50,
  signal?: AbortSignal,
): Promise<SendOutcome> {
  const policy = typeof retry === 'number' ? { maxAttempts: retry } : retry;
  const maxAttempts = policy.maxAttempts ?? 50;
  const giveUpAt = Date.now() + (policy.retryForMs ?? Number.POSITIVE_INFINITY);
  const body = JSON.stringify(entry);
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted && attempt > 1)
      return { status: 0, code: 'ABORTED: the replay was stopped', attempts: attempt - 1 };
    try {
      const res = await client.request('POST', '/api/v1/results', body);
      if (res.status === 503 && attempt < maxAttempts && Date.now() < giveUpAt) {
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
      if (attempt >= maxAttempts || Date.now() >= giveUpAt)
        return { status: 0, code: `NETWORK: ${(e as Error).message}`, attempts: attempt };
      await sleep(Math.min(2000, 50 * attempt));
    }
  }
}

/**
 * Uploads the scan of the form a result cites (`sha256`: as the result cites
 * it), signed by the station's device, retrying transport failures and 503
 * like a result (storing the same form again is a no-op).
 */
export async function sendForm(
  client: HttpClient,
  upload: { electionId: string; station: string; device: string; sha256: string; scan: FormScan },
  retry: number | RetryPolicy = 50,
  signal?: AbortSignal,
): Promise<UploadOutcome> {
  const policy = typeof retry === 'number' ? { maxAttempts: retry } : retry;
  const maxAttempts = policy.maxAttempts ?? 50;
  const giveUpAt = Date.now() + (policy.retryForMs ?? Number.POSITIVE_INFINITY);
  const hash = upload.sha256;
  const headers = formUploadHeaders(upload, demoDeviceSeed(upload.electionId, upload.device));
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted && attempt > 1)
      return { status: 0, code: 'ABORTED: the replay was stopped', attempts: attempt - 1 };
    try {
      const res = await client.request(
        'PUT',
        `/api/v1/forms/${hash}`,
        upload.scan.data,
        upload.scan.contentType,
        headers,
      );
      if (res.status === 503 && attempt < maxAttempts && Date.now() < giveUpAt) {
        await sleep(Math.min(2000, 50 * attempt));
        continue;
      }
      const code =
        res.status >= 300
          ? (JSON.parse(res.body.toString('utf8')) as { error?: { code: string } }).error?.code
          : undefined;
      return { status: res.status, code, attempts: attempt };
    } catch (e) {
      if (attempt >= maxAttempts || Date.now() >= giveUpAt)
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

/**
 * Sends the plan (in `at` order; an iterable is consumed lazily, so a plan of
 * millions of results need never be in memory) with a pool of concurrent devices.
 */
export async function replay<P extends PlannedResult>(
  plan: Iterable<P>,
  opts: ReplayOptions<P>,
): Promise<ReplaySummary> {
  const concurrency = opts.concurrency ?? 64;
  const speed = opts.speed ?? Number.POSITIVE_INFINITY;
  const client = new HttpClient(opts.server, concurrency);
  const byStatus: Record<string, number> = {};
  const formsByStatus: Record<string, number> = {};
  const start = Date.now();
  const items = plan[Symbol.iterator]();
  let nightStart: number | undefined;
  let next = 0;
  let done = false;
  const worker = async () => {
    while (!done && !opts.signal?.aborted) {
      const item = items.next();
      if (item.done) {
        done = true;
        break;
      }
      const p = item.value;
      const position = next++;
      nightStart ??= p.at;
      if (Number.isFinite(speed)) {
        const due = start + (p.at - nightStart) / speed;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
      await opts.beforeSend?.(p, position);
      const scan = opts.formFor?.(p);
      const form = scan
        ? await sendForm(
            client,
            {
              electionId: opts.electionId,
              station: p.station,
              device: opts.deviceOf(p.station),
              sha256: p.form,
              scan,
            },
            opts.retry,
            opts.signal,
          )
        : undefined;
      if (form) {
        const formKey = form.code ? `${form.status} ${form.code}` : String(form.status);
        formsByStatus[formKey] = (formsByStatus[formKey] ?? 0) + 1;
      }
      const sent = await sendResult(
        client,
        opts.entryFor?.(p) ?? signPlanned(p, opts.electionId, opts.deviceOf(p.station)),
        opts.retry,
        opts.signal,
      );
      const outcome: SendOutcome = form ? { ...sent, form } : sent;
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
  return { sent: next, byStatus, formsByStatus, wallMs: Date.now() - start };
}

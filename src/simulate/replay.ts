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
  /**
   * How many results each station's device sends (its contests): given, a
   * device sends them together, in one request (POST /api/v1/results/batch),
   * once the last of them is due; absent, each result on its own.
   */
  resultsAt?: (station: string) => number;
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

interface ResultAnswer {
  index?: number;
  duplicate?: boolean;
  flags?: string[];
  receipt?: string;
}

/**
 * Sends a request, again with the same bytes after a transport failure or a
 * 503, within the policy; `read` turns the answer into what the caller keeps
 * (an answer it cannot read counts as a failure too).
 */
async function withRetry<T>(
  send: () => Promise<{ status: number; body: Buffer }>,
  read: (res: { status: number; body: Buffer }) => T,
  retry: number | RetryPolicy,
  signal: AbortSignal | undefined,
): Promise<{ status: number; answer?: T; code?: string; attempts: number }> {
  const policy = typeof retry === 'number' ? { maxAttempts: retry } : retry;
  const maxAttempts = policy.maxAttempts ?? 50;
  const giveUpAt = Date.now() + (policy.retryForMs ?? Number.POSITIVE_INFINITY);
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted && attempt > 1)
      return { status: 0, code: 'ABORTED: the replay was stopped', attempts: attempt - 1 };
    try {
      const res = await send();
      if (res.status === 503 && attempt < maxAttempts && Date.now() < giveUpAt) {
        await sleep(Math.min(2000, 50 * attempt));
        continue;
      }
      return { status: res.status, answer: read(res), attempts: attempt };
    } catch (e) {
      if (attempt >= maxAttempts || Date.now() >= giveUpAt)
        return { status: 0, code: `NETWORK: ${(e as Error).message}`, attempts: attempt };
      await sleep(Math.min(2000, 50 * attempt));
    }
  }
}

/** POSTs JSON with retries (withRetry); the answer's JSON and its error code. */
async function postWithRetry<T>(
  client: HttpClient,
  path: string,
  body: string,
  retry: number | RetryPolicy,
  signal: AbortSignal | undefined,
): Promise<{ status: number; json?: T; code?: string; attempts: number }> {
  const sent = await withRetry(
    () => client.request('POST', path, body),
    (res) => JSON.parse(res.body.toString('utf8')) as T & { error?: { code: string } },
    retry,
    signal,
  );
  return { ...sent, json: sent.answer, code: sent.code ?? sent.answer?.error?.code };
}

/** Sends one signed result, retrying transport failures and 503 with the same bytes. */
export async function sendResult(
  client: HttpClient,
  entry: ResultEntry,
  retry: number | RetryPolicy = 50,
  signal?: AbortSignal,
): Promise<SendOutcome> {
  const sent = await postWithRetry<ResultAnswer>(
    client,
    '/api/v1/results',
    JSON.stringify(entry),
    retry,
    signal,
  );
  const json = sent.json;
  return {
    status: sent.status,
    code: sent.code,
    index: json?.index,
    duplicate: json?.duplicate,
    flags: json?.flags,
    receipt: json?.receipt,
    attempts: sent.attempts,
  };
}

/**
 * Sends one device's signed results together (POST /api/v1/results/batch),
 * retrying like sendResult; one outcome per result, in order: each its own
 * receipt, or all the batch's refusal.
 */
export async function sendResults(
  client: HttpClient,
  entries: readonly ResultEntry[],
  retry: number | RetryPolicy = 50,
  signal?: AbortSignal,
): Promise<SendOutcome[]> {
  const sent = await postWithRetry<{ results?: ResultAnswer[] }>(
    client,
    '/api/v1/results/batch',
    JSON.stringify({ results: entries }),
    retry,
    signal,
  );
  const answers = sent.json?.results;
  return entries.map((_, i) => {
    const a = answers?.[i];
    if (!a || sent.code) return { status: sent.status, code: sent.code, attempts: sent.attempts };
    return {
      status: a.duplicate ? 200 : 201,
      index: a.index,
      duplicate: a.duplicate,
      flags: a.flags,
      receipt: a.receipt,
      attempts: sent.attempts,
    };
  });
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
  const hash = upload.sha256;
  const headers = formUploadHeaders(upload, demoDeviceSeed(upload.electionId, upload.device));
  const sent = await withRetry(
    () =>
      client.request(
        'PUT',
        `/api/v1/forms/${hash}`,
        upload.scan.data,
        upload.scan.contentType,
        headers,
      ),
    (res) =>
      res.status >= 300
        ? (JSON.parse(res.body.toString('utf8')) as { error?: { code: string } }).error?.code
        : undefined,
    retry,
    signal,
  );
  return { status: sent.status, code: sent.code ?? sent.answer, attempts: sent.attempts };
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
  const resultsAt = opts.resultsAt;
  const items = (resultsAt ? byDevice(plan, resultsAt) : singly(plan))[Symbol.iterator]();
  let nightStart: number | undefined;
  let next = 0;
  let done = false;
  const count = (p: P, outcome: SendOutcome) => {
    const key = outcome.code ? `${outcome.status} ${outcome.code}` : String(outcome.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    opts.onResult?.(p, outcome);
  };
  const worker = async () => {
    while (!done && !opts.signal?.aborted) {
      const item = items.next();
      if (item.done) {
        done = true;
        break;
      }
      const group = item.value;
      // A device sends when the last of its results is due.
      const due = (group[group.length - 1] as P).at;
      nightStart ??= (group[0] as P).at;
      if (Number.isFinite(speed)) {
        const wait = start + (due - nightStart) / speed - Date.now();
        if (wait > 0) await sleep(wait);
      }
      const entries: ResultEntry[] = [];
      const forms: Array<UploadOutcome | undefined> = [];
      for (const p of group) {
        const position = next++;
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
        forms.push(form);
        entries.push(
          opts.entryFor?.(p) ?? signPlanned(p, opts.electionId, opts.deviceOf(p.station)),
        );
      }
      const sent =
        group.length === 1
          ? [await sendResult(client, entries[0] as ResultEntry, opts.retry, opts.signal)]
          : await sendResults(client, entries, opts.retry, opts.signal);
      group.forEach((p, i) => {
        const outcome = sent[i] as SendOutcome;
        const form = forms[i];
        count(p, form ? { ...outcome, form } : outcome);
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    client.close();
  }
  return { sent: next, byStatus, formsByStatus, wallMs: Date.now() - start };
}

function* singly<P>(plan: Iterable<P>): Generator<P[]> {
  for (const p of plan) yield [p];
}

/**
 * The plan as each device sends it when it sends its station's results
 * together: a station's group goes once its last result is taken from the
 * plan (so groups come in the order their last results are due).
 */
function* byDevice<P extends PlannedResult>(
  plan: Iterable<P>,
  resultsAt: (station: string) => number,
): Generator<P[]> {
  const open = new Map<string, P[]>();
  for (const p of plan) {
    const group = open.get(p.station) ?? [];
    group.push(p);
    if (group.length >= resultsAt(p.station)) {
      open.delete(p.station);
      yield group;
    } else open.set(p.station, group);
  }
  // A station whose plan lacks some of its contests sends what it has.
  yield* open.values();
}

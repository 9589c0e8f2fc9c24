// The verifier's HTTP client: keep-alive connections (HTTP or HTTPS), a limit
// on requests in flight, timeouts, and retries of transport failures, 5xx and
// 429. Every other status is returned to the caller, which decides what it
// means (a 404 for a tile the signed checkpoint covers is evidence, not a
// network problem).
import http from 'node:http';
import https from 'node:https';
import { Semaphore } from './limit.js';

export interface HttpResponse {
  status: number;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

/** The server could not be reached or kept failing: the verification cannot complete. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

export interface HttpSourceOptions {
  concurrency?: number;
  timeoutMs?: number;
  /** Attempts per request for transport failures, 5xx and 429. */
  attempts?: number;
  /** Largest response body accepted. */
  maxBodyBytes?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HttpSource {
  readonly base: URL;
  private readonly agent: http.Agent;
  private readonly lib: typeof http | typeof https;
  private readonly limit: Semaphore;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly maxBodyBytes: number;
  requests = 0;
  bytes = 0;
  private closed = false;

  constructor(server: string, opts: HttpSourceOptions = {}) {
    let base: URL;
    try {
      base = new URL(server);
    } catch {
      throw new Error(`not a URL: ${server}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new Error(`the server URL must be http:// or https://, not ${base.protocol}`);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    const concurrency = opts.concurrency ?? 16;
    this.lib = base.protocol === 'https:' ? https : http;
    this.agent = new this.lib.Agent({ keepAlive: true, maxSockets: concurrency });
    this.limit = new Semaphore(concurrency);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.attempts = opts.attempts ?? 5;
    this.maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  }

  /** The URL of a path relative to the server (e.g. "log/checkpoint"). */
  url(path: string): string {
    return new URL(path.replace(/^\//, ''), this.base).toString();
  }

  /** GET with retries; throws UnreachableError when the server keeps failing. */
  async get(path: string): Promise<HttpResponse> {
    const url = this.url(path);
    let last = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (this.closed) throw new UnreachableError(`GET ${url}: the client was closed`);
      try {
        const res = await this.limit.run(() => this.once(url));
        if (res.status < 500 && res.status !== 429) return res;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = (e as Error).message;
      }
      if (attempt < this.attempts) await sleep(Math.min(4000, 100 * 2 ** attempt));
    }
    throw new UnreachableError(`GET ${url} failed ${this.attempts} times (last: ${last})`);
  }

  private once(url: string): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const req = this.lib.get(url, { agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > this.maxBodyBytes) {
            req.destroy(new Error(`response larger than ${this.maxBodyBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          this.requests++;
          this.bytes += size;
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks),
            headers: res.headers,
          });
        });
        res.on('error', reject);
      });
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(new Error(`no answer within ${this.timeoutMs / 1000} s`)),
      );
      req.on('error', reject);
    });
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }
}

/** A JSON body, or undefined when it is not JSON. */
export function jsonBody(res: { body: Buffer }): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

// The LogReader of a kura server: its tlog-tiles endpoints and API (FORMATS.md
// §5, §7), through the verifier's HTTP client. A status other than 200 is
// returned, not thrown: a 404 for a part the signed checkpoint covers is
// evidence. A server that keeps failing throws UnreachableError.
import { fromBase64 } from '../log/bytes.js';
import { entryBundlePath, tilePath } from '../log/tiles.js';
import { HttpSource, type HttpSourceOptions, jsonBody } from './http.js';
import type { LogReader, Read, StoredNote } from './log-reader.js';

/** Form hashes asked for per request of GET /api/v1/forms (the server's most). */
const FORM_LIST_LIMIT = 10_000;

export class HttpLogReader implements LogReader {
  readonly http: HttpSource;

  constructor(server: string | HttpSource, opts: HttpSourceOptions = {}) {
    this.http = typeof server === 'string' ? new HttpSource(server, opts) : server;
  }

  get name(): string {
    return this.http.base.toString();
  }

  where(path: string): string {
    return this.http.url(path);
  }

  private async read(path: string): Promise<Read> {
    const res = await this.http.get(path);
    if (res.status !== 200)
      return {
        ok: false,
        error: { status: res.status, text: res.body.toString('utf8').slice(0, 200) },
      };
    return {
      ok: true,
      value: new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength),
    };
  }

  checkpoint(): Promise<Read> {
    return this.read('log/checkpoint');
  }

  /** A server keeps no history it shows: only its latest checkpoint, which checkpoint() reads. */
  async *checkpoints(_maxSize: number): AsyncIterable<StoredNote> {}

  entryBundle(index: number, width: number): Promise<Read> {
    return this.read(`log/${entryBundlePath(index, width)}`);
  }

  tile(level: number, index: number, width: number): Promise<Read> {
    return this.read(`log/${tilePath({ level, index, width })}`);
  }

  async entry(index: number, size: number): Promise<Read> {
    const res = await this.http.get(`api/v1/entries/${index}?size=${size}`);
    if (res.status !== 200) return { ok: false, error: { status: res.status, text: '' } };
    const body = jsonBody(res) as { entry?: unknown } | undefined;
    const bytes = typeof body?.entry === 'string' ? fromBase64(body.entry) : undefined;
    return bytes ? { ok: true, value: bytes } : { ok: false, error: { status: 200, text: '' } };
  }

  definition(): Promise<Read> {
    return this.read('api/v1/election');
  }

  logKey(): Promise<Read> {
    return this.read('log/key');
  }

  async form(sha256: string): Promise<Read<{ data: Uint8Array; contentType: string }>> {
    const res = await this.http.get(`api/v1/forms/${sha256}`);
    if (res.status !== 200) return { ok: false, error: { status: res.status, text: '' } };
    const type = String(res.headers['content-type'] ?? 'application/octet-stream').split(';')[0];
    return {
      ok: true,
      value: {
        data: new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength),
        contentType: type || 'application/octet-stream',
      },
    };
  }

  async formHashes(): Promise<Set<string> | null> {
    const out = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const path = `api/v1/forms?limit=${FORM_LIST_LIMIT}${after === null ? '' : `&after=${after}`}`;
      const res = await this.http.get(path);
      if (res.status !== 200) return null;
      const body = jsonBody(res) as { forms?: unknown; next?: unknown } | undefined;
      if (!Array.isArray(body?.forms)) return null;
      for (const f of body.forms) {
        const sha = (f as { sha256?: unknown } | null)?.sha256;
        if (typeof sha === 'string') out.add(sha);
      }
      if (body.next === null) return out;
      // A listing that does not move on is no listing: every form is then asked for.
      if (typeof body.next !== 'string' || (after !== null && body.next <= after)) return null;
      after = body.next;
    }
  }

  close(): void {
    this.http.close();
  }
}

// Exporting from a server over HTTP (kura export --server URL): what it
// publishes. A server shows only its latest checkpoint, so the bundle holds
// that one (a store export holds the whole signed history); forms are asked
// for by the hashes the entries cite, only when wanted (one request each).
import { toHex } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';
import { decodeEntryBundle, entryBundlePath, TILE_WIDTH, tilePath } from '../log/tiles.js';
import type { StoredBlob, StoredCheckpoint } from '../store/store.js';
import { HttpSource } from '../verify/http.js';
import type { ExportSource } from './export-source.js';

export class HttpExportSource implements ExportSource {
  readonly formsByCitation: boolean;
  private readonly http: HttpSource;
  private latest: StoredCheckpoint | null | undefined;

  constructor(
    readonly name: string,
    opts: { forms: boolean; concurrency?: number },
  ) {
    this.http = new HttpSource(name, { concurrency: opts.concurrency ?? 16 });
    this.formsByCitation = opts.forms;
  }

  private async body(path: string): Promise<Uint8Array | null> {
    const res = await this.http.get(path);
    if (res.status === 404) return null;
    if (res.status !== 200)
      throw new Error(`GET ${this.http.url(path)} answered HTTP ${res.status}`);
    return new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength);
  }

  private async required(path: string): Promise<Uint8Array> {
    const b = await this.body(path);
    if (!b) throw new Error(`GET ${this.http.url(path)} answered HTTP 404`);
    return b;
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | null> {
    if (this.latest !== undefined) return this.latest;
    const b = await this.body('log/checkpoint');
    if (!b) return null;
    const note = new TextDecoder().decode(b);
    // The size is read from the note by the exporter, which checks it.
    const size = Number(note.split('\n')[1]);
    this.latest = { size, note };
    return this.latest;
  }

  async entry0(): Promise<Uint8Array | null> {
    const b = await this.body(`log/${entryBundlePath(0, 1)}`);
    const d = b ? decodeEntryBundle(b) : undefined;
    return d?.ok ? (d.value[0] ?? null) : null;
  }

  async definition(sha: string): Promise<Uint8Array | null> {
    const b = await this.body('api/v1/election');
    return b && toHex(sha256(b)) === sha ? b : null;
  }

  async entries(start: number, end: number): Promise<Uint8Array[]> {
    if (start % TILE_WIDTH !== 0) throw new RangeError('entries are fetched by whole bundles');
    const jobs: Promise<Uint8Array[]>[] = [];
    for (let first = start; first < end; first += TILE_WIDTH) {
      const width = Math.min(TILE_WIDTH, end - first);
      const path = `log/${entryBundlePath(first / TILE_WIDTH, width)}`;
      jobs.push(
        this.required(path).then((b) => {
          const d = decodeEntryBundle(b);
          if (!d.ok || d.value.length !== width)
            throw new Error(`${this.http.url(path)} does not hold ${width} entries`);
          return d.value;
        }),
      );
    }
    return (await Promise.all(jobs)).flat();
  }

  async tile(level: number, index: number, width: number): Promise<Uint8Array> {
    const b = await this.required(`log/${tilePath({ level, index, width })}`);
    if (b.length !== width * 32)
      throw new Error(`tile ${tilePath({ level, index, width })} is ${b.length} bytes`);
    return b;
  }

  async *checkpoints(maxSize: number): AsyncIterable<StoredCheckpoint> {
    const cp = await this.latestCheckpoint();
    if (cp && cp.size <= maxSize) yield cp;
  }

  async *forms(cited: ReadonlySet<string>, definitionSha256: string): AsyncIterable<StoredBlob> {
    if (!this.formsByCitation) return;
    for (const sha of [...cited].sort()) {
      if (sha === definitionSha256) continue;
      const res = await this.http.get(`api/v1/forms/${sha}`);
      if (res.status !== 200) continue;
      const data = new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength);
      const type = String(res.headers['content-type'] ?? 'application/octet-stream').split(';')[0];
      yield { sha256: sha, contentType: type ?? 'application/octet-stream', data };
    }
  }

  close(): void {
    this.http.close();
  }
}

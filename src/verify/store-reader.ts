// The LogReader of a store: the signed history as the server keeps it (every
// checkpoint, not only the latest), its entries and tiles, and the blobs
// (definition and forms) by their SHA-256.
import { encodeEntryBundleOf, TILE_WIDTH } from '../log/tiles.js';
import type { Store } from '../store/store.js';
import type { LogReader, Read, StoredNote } from './log-reader.js';
import { NOT_FOUND, readOf } from './log-reader.js';

/** Checkpoints read per page. */
const PAGE = 500;

export class StoreLogReader implements LogReader {
  readonly name = 'the store';

  constructor(private readonly store: Store) {}

  where(path: string): string {
    return `the store (${path})`;
  }

  async checkpoint(): Promise<Read> {
    const c = await this.store.latestCheckpoint();
    return readOf(c ? new TextEncoder().encode(c.note) : null);
  }

  async *checkpoints(maxSize: number): AsyncIterable<StoredNote> {
    for (let from = 0; ; ) {
      const page = await this.store.listCheckpoints(from, PAGE);
      for (const c of page) {
        if (c.size > maxSize) return;
        yield c;
      }
      const last = page.at(-1);
      if (page.length < PAGE || !last) return;
      from = last.size + 1;
    }
  }

  async entryBundle(index: number, width: number): Promise<Read> {
    const first = index * TILE_WIDTH;
    // As the server serves it (log-routes.ts): one row of the entries' bytes end to end.
    const page = await this.store.getEntryBytes(first, first + width);
    if (!page.complete) return NOT_FOUND;
    return readOf(encodeEntryBundleOf(page.bytes, page.offsets, width));
  }

  /** A stored tile may be wider than asked: its prefix. */
  async tile(level: number, index: number, width: number): Promise<Read> {
    const t = await this.store.getTile(level, index);
    if (!t || t.width < width) return NOT_FOUND;
    return readOf(t.data.subarray(0, width * 32));
  }

  async entry(index: number, size: number): Promise<Read> {
    if (index >= size) return NOT_FOUND;
    return readOf((await this.store.getEntry(index))?.data);
  }

  /** The blob entry 0 commits to. */
  async definition(): Promise<Read> {
    const sha = definitionSha256((await this.store.getEntry(0))?.data);
    return readOf(sha ? (await this.store.getBlob(sha))?.data : null);
  }

  /** The log key entry 0 names. */
  async logKey(): Promise<Read> {
    const e0 = (await this.store.getEntry(0))?.data;
    const key = e0 ? field(e0, 'logKey') : undefined;
    return readOf(key ? new TextEncoder().encode(`${key}\n`) : null);
  }

  async form(sha256: string): Promise<Read<{ data: Uint8Array; contentType: string }>> {
    const blob = await this.store.getBlob(sha256);
    if (!blob) return NOT_FOUND;
    return { ok: true, value: { data: blob.data, contentType: blob.contentType } };
  }
}

function field(entry: Uint8Array, name: string): string | undefined {
  try {
    const v = (JSON.parse(new TextDecoder().decode(entry)) as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function definitionSha256(entry0: Uint8Array | undefined): string | undefined {
  const sha = entry0 ? field(entry0, 'definitionSha256') : undefined;
  return sha && /^[0-9a-f]{64}$/.test(sha) ? sha : undefined;
}

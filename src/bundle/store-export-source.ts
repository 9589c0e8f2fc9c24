// Exporting from a store: everything it holds, page by page; of the uploaded
// forms, those the exported entries cite (an upload no entry cites is not
// part of the record, and expires, FORMATS.md §10.3).
import type { Store, StoredBlob, StoredCheckpoint } from '../store/store.js';
import type { ExportSource } from './export-source.js';

const PAGE = 500;

export class StoreExportSource implements ExportSource {
  readonly name = 'the store';
  readonly formsByCitation = true;

  constructor(private readonly store: Store) {}

  latestCheckpoint(): Promise<StoredCheckpoint | null> {
    return this.store.latestCheckpoint();
  }

  async entry0(): Promise<Uint8Array | null> {
    return (await this.store.getEntry(0))?.data ?? null;
  }

  async definition(sha256: string): Promise<Uint8Array | null> {
    return (await this.store.getBlob(sha256))?.data ?? null;
  }

  async entries(start: number, end: number): Promise<Uint8Array[]> {
    const rows = await this.store.getEntries(start, end);
    if (rows.length !== end - start)
      throw new Error(`the store returned ${rows.length} entries for [${start}, ${end})`);
    return rows.map((e) => e.data);
  }

  async tile(level: number, index: number, width: number): Promise<Uint8Array> {
    const t = await this.store.getTile(level, index);
    if (!t || t.width < width)
      throw new Error(
        `the store lacks hash tile ${level}/${index} at width ${width} (has ${t ? `width ${t.width}` : 'none'})`,
      );
    return t.data.subarray(0, width * 32);
  }

  async *checkpoints(maxSize: number): AsyncIterable<StoredCheckpoint> {
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

  async *forms(cited: ReadonlySet<string>, definitionSha256: string): AsyncIterable<StoredBlob> {
    for (let after = ''; ; ) {
      const page = await this.store.listBlobs(after, PAGE);
      for (const info of page) {
        if (info.sha256 === definitionSha256 || !cited.has(info.sha256)) continue;
        const blob = await this.store.getBlob(info.sha256);
        if (blob) yield blob;
      }
      const last = page.at(-1);
      if (page.length < PAGE || !last) return;
      after = last.sha256;
    }
  }
}

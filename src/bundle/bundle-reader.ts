// The LogReader of a preservation bundle: the server's parts map to members
// (FORMATS.md §13), and a missing member reads as a 404, as a server would
// answer. Bytes are returned as they are in the archive, unchecked: the
// verifier checks them against the signed tree itself, and the manifest's
// hashes separately.

import { entryBundlePath, tilePath } from '../log/tiles.js';
import type { LogReader, Read, StoredNote } from '../verify/log-reader.js';
import { NOT_FOUND, readOf } from '../verify/log-reader.js';
import type { BundleArchive } from './archive.js';
import { CHECKPOINT_MEMBER, formMember, MEMBER } from './format.js';

/** The member a server path maps to, if any. */
export function memberForPath(path: string): string | undefined {
  const p = path.replace(/^\//, '');
  if (p === 'log/checkpoint') return MEMBER.checkpoint;
  if (p === 'log/key') return MEMBER.logKey;
  if (p === 'api/v1/election') return MEMBER.definition;
  if (p.startsWith('log/tile/')) return p.slice('log/'.length);
  const form = /^api\/v1\/forms\/([0-9a-f]{64})$/.exec(p);
  if (form) return formMember(form[1] as string);
  return undefined;
}

export class BundleLogReader implements LogReader {
  constructor(private readonly archive: BundleArchive) {}

  get name(): string {
    return this.archive.path;
  }

  where(path: string): string {
    return `${this.archive.path}:${memberForPath(path) ?? path}`;
  }

  private async member(name: string): Promise<Read> {
    return readOf(await this.archive.readRaw(name));
  }

  checkpoint(): Promise<Read> {
    return this.member(MEMBER.checkpoint);
  }

  async *checkpoints(maxSize: number): AsyncIterable<StoredNote> {
    const sizes = this.archive
      .names()
      .filter((x) => CHECKPOINT_MEMBER.test(x))
      .map((x) => Number(x.slice('checkpoints/'.length)))
      .filter((size) => size <= maxSize)
      .sort((a, b) => a - b);
    for (const size of sizes) {
      const data = await this.archive.readRaw(`checkpoints/${size}`);
      if (data) yield { size, note: new TextDecoder().decode(data) };
    }
  }

  entryBundle(index: number, width: number): Promise<Read> {
    return this.member(memberForPath(`log/${entryBundlePath(index, width)}`) as string);
  }

  tile(level: number, index: number, width: number): Promise<Read> {
    return this.member(memberForPath(`log/${tilePath({ level, index, width })}`) as string);
  }

  /** A bundle holds entries only in their bundles. */
  async entry(_index: number, _size: number): Promise<Read> {
    return NOT_FOUND;
  }

  definition(): Promise<Read> {
    return this.member(MEMBER.definition);
  }

  logKey(): Promise<Read> {
    return this.member(MEMBER.logKey);
  }

  async form(sha256: string): Promise<Read<{ data: Uint8Array; contentType: string }>> {
    const name = formMember(sha256);
    const data = await this.archive.readRaw(name);
    if (!data) return NOT_FOUND;
    const contentType = this.archive.listedMember(name)?.contentType ?? 'application/octet-stream';
    return { ok: true, value: { data, contentType } };
  }
}

// A bundle seen as the verifier sees a server (src/verify/source.ts): the
// server's paths map to members, and a missing member answers 404. Bytes are
// returned as they are in the archive, unchecked: the verifier checks them
// against the signed tree itself, and the manifest's hashes separately.
import type { LogSource, SourceResponse } from '../verify/source.js';
import type { BundleArchive } from './archive.js';
import { formMember, MEMBER } from './format.js';

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

export class BundleSource implements LogSource {
  constructor(private readonly archive: BundleArchive) {}

  async get(path: string): Promise<SourceResponse> {
    const member = memberForPath(path);
    const data = member ? await this.archive.readRaw(member) : null;
    if (!data) return { status: 404, body: Buffer.alloc(0) };
    return { status: 200, body: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  }

  url(path: string): string {
    return `${this.archive.path}:${memberForPath(path) ?? path}`;
  }
}

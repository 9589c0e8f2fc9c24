// POSIX ustar archives (IEEE Std 1003.1, "pax" interchange format without
// extended headers): just enough to write a bundle member by member as a
// stream, and to read one back with random access. Every header is 512
// bytes, every member's data is padded to a multiple of 512, and two zero
// blocks end the archive. Any `tar` can list and extract what TarWriter
// writes (`tar -tvf`, `tar -xf`).
//
// The reader takes the archive as attacker-controlled: it checks every header
// checksum, accepts only regular files with plain relative names, refuses a
// name twice, and never reads past the end of the file.
import { once } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { err, ok, type Result } from '../basics/result.js';

export const BLOCK = 512;
/** ustar's size field: 11 octal digits. */
const MAX_MEMBER_BYTES = 0o77777777777;
const ZERO_BLOCK = new Uint8Array(BLOCK);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function putString(h: Uint8Array, offset: number, length: number, text: string): void {
  const b = encoder.encode(text);
  if (b.length > length) throw new RangeError(`tar header field too long: ${text}`);
  h.set(b, offset);
}

function putOctal(h: Uint8Array, offset: number, length: number, n: number): void {
  // length - 1 digits, then NUL.
  putString(h, offset, length, `${n.toString(8).padStart(length - 1, '0')}\0`);
}

/** Splits a name into ustar's prefix (155) and name (100) fields. */
function splitName(name: string): { prefix: string; base: string } {
  if (encoder.encode(name).length <= 100) return { prefix: '', base: name };
  for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(base).length <= 100)
      return { prefix, base };
  }
  throw new RangeError(`member name too long for ustar: ${name}`);
}

function checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] as number);
  return sum;
}

export function tarHeader(name: string, size: number, mtimeSeconds: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_MEMBER_BYTES)
    throw new RangeError(`member ${name}: size ${size} does not fit a ustar header`);
  const h = new Uint8Array(BLOCK);
  const { prefix, base } = splitName(name);
  putString(h, 0, 100, base);
  putOctal(h, 100, 8, 0o644);
  putOctal(h, 108, 8, 0);
  putOctal(h, 116, 8, 0);
  putOctal(h, 124, 12, size);
  putOctal(h, 136, 12, Math.max(0, Math.floor(mtimeSeconds)));
  h[156] = 0x30; // '0': a regular file
  putString(h, 257, 6, 'ustar\0');
  putString(h, 263, 2, '00');
  putString(h, 265, 32, 'kura');
  putString(h, 297, 32, 'kura');
  putString(h, 345, 155, prefix);
  // Six octal digits, NUL, space (what POSIX tar writes).
  putString(h, 148, 8, `${checksum(h).toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Writes members one after another to a stream, honouring its back-pressure. */
export class TarWriter {
  private finished = false;
  bytesWritten = 0;

  constructor(
    private readonly out: Writable,
    private readonly mtimeSeconds: number,
  ) {}

  async add(name: string, data: Uint8Array): Promise<void> {
    if (this.finished) throw new Error('tar archive already finished');
    await this.write(tarHeader(name, data.length, this.mtimeSeconds));
    if (data.length > 0) await this.write(data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) await this.write(ZERO_BLOCK.subarray(0, pad));
  }

  /** The end-of-archive marker (two zero blocks); then ends the stream and waits for it to flush. */
  async finish(): Promise<void> {
    this.finished = true;
    await this.write(ZERO_BLOCK);
    await this.write(ZERO_BLOCK);
    this.out.end();
    await once(this.out, 'finish');
  }

  private async write(chunk: Uint8Array): Promise<void> {
    this.bytesWritten += chunk.length;
    // `once` rejects if the stream errors while we wait.
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}

export interface TarMember {
  name: string;
  /** Byte offset of the member's data in the archive. */
  offset: number;
  size: number;
}

function readOctal(h: Uint8Array, offset: number, length: number): number | undefined {
  let text = '';
  for (let i = offset; i < offset + length; i++) {
    const c = h[i] as number;
    if (c === 0 || c === 0x20) {
      if (text.length > 0) break;
      continue;
    }
    if (c < 0x30 || c > 0x37) return undefined;
    text += String.fromCharCode(c);
  }
  return text.length === 0 ? undefined : Number.parseInt(text, 8);
}

function readString(h: Uint8Array, offset: number, length: number): string | undefined {
  const field = h.subarray(offset, offset + length);
  const end = field.indexOf(0);
  try {
    return decoder.decode(end < 0 ? field : field.subarray(0, end));
  } catch {
    return undefined;
  }
}

/** A plain relative path: no "..", no empty or "." segments, no backslash, no control characters. */
export function isSafeMemberName(name: string): boolean {
  if (name.length === 0 || name.length > 255 || name.startsWith('/')) return false;
  for (const ch of name) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x20 || c === 0x7f || ch === '\\') return false;
  }
  return name.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/**
 * Lists the regular-file members of the archive (in archive order) without
 * reading their data. Errors name the offset of the bad header.
 */
export async function readTarIndex(
  fh: FileHandle,
  fileSize: number,
): Promise<Result<TarMember[], string>> {
  const members: TarMember[] = [];
  const seen = new Set<string>();
  const h = new Uint8Array(BLOCK);
  let pos = 0;
  for (;;) {
    if (pos + BLOCK > fileSize)
      return err(
        `the archive ends at byte ${fileSize} without the end-of-archive marker (truncated?)`,
      );
    const { bytesRead } = await fh.read(h, 0, BLOCK, pos);
    if (bytesRead !== BLOCK) return err(`short read at byte ${pos}`);
    if (h.every((b) => b === 0)) return ok(members);
    const stored = readOctal(h, 148, 8);
    if (stored === undefined || stored !== checksum(h))
      return err(`the header at byte ${pos} has a bad checksum: not a tar archive, or damaged`);
    if (readString(h, 257, 6) !== 'ustar')
      return err(`the header at byte ${pos} is not a POSIX ustar header`);
    const base = readString(h, 0, 100);
    const prefix = readString(h, 345, 155);
    const size = readOctal(h, 124, 12) ?? 0;
    if (base === undefined || prefix === undefined)
      return err(`the header at byte ${pos} has a name that is not UTF-8`);
    const name = prefix ? `${prefix}/${base}` : base;
    const type = String.fromCharCode(h[156] as number);
    const dataAt = pos + BLOCK;
    if (dataAt + size > fileSize)
      return err(`member ${JSON.stringify(name)} runs past the end of the archive (truncated?)`);
    if (type === '5') {
      // A directory entry (from a re-packed archive): nothing to index.
    } else if (type === '0' || type === '\0') {
      if (!isSafeMemberName(name))
        return err(`member name ${JSON.stringify(name)} is not a plain relative path`);
      if (seen.has(name)) return err(`member ${JSON.stringify(name)} appears twice`);
      seen.add(name);
      members.push({ name, offset: dataAt, size });
    } else {
      return err(
        `member ${JSON.stringify(name)} has tar type ${JSON.stringify(type)}; a bundle holds only regular files`,
      );
    }
    pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
  }
}

export async function readMemberData(fh: FileHandle, m: TarMember): Promise<Uint8Array> {
  const out = new Uint8Array(m.size);
  let done = 0;
  while (done < m.size) {
    const { bytesRead } = await fh.read(out, done, m.size - done, m.offset + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file in member ${m.name}`);
    done += bytesRead;
  }
  return out;
}

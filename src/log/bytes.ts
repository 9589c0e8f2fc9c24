// Byte helpers for the log core: hex, standard base64 (RFC 4648 §4), UTF-8,
// concatenation and comparison. No Buffer and no node:* imports, so the same
// code runs in browsers. Decoders take attacker-controlled text and are strict:
// they return undefined for anything that is not the one canonical encoding.

const HEX = '0123456789abcdef';

/** The two hex digits of each byte value. */
const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => HEX.charAt(b >> 4) + HEX.charAt(b & 15));

/**
 * Lower-case hex, as one flat string. Not built with +=: that makes a rope of
 * about one node per byte, which lives as long as the hash it spells (1.5 KB
 * for a 32-byte hash instead of 80 bytes; the writer keeps one per result).
 */
export function toHex(bytes: Uint8Array): string {
  const pairs = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) pairs[i] = HEX_PAIRS[bytes[i] as number] as string;
  return pairs.join('');
}

function hexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30; // 0-9
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10; // a-f
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10; // A-F
  return -1;
}

/** Decodes hex (either case). `text` may be attacker-controlled: odd length or a bad digit gives undefined. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(text.charCodeAt(2 * i));
    const lo = hexNibble(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** The ASCII code of each base64 digit. */
const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
/** ASCII bytes to a string, natively (latin1 is ASCII below 0x80, in every engine). */
const asciiDecoder = new TextDecoder('latin1');

/**
 * Standard base64 with padding. Its ASCII is written into bytes and decoded at
 * once: one flat string, not a rope of one piece per three bytes built with +=
 * (flattened, that is copied, later; see toHex); about half the CPU.
 */
export function toBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = B64_CODES[n >> 18] as number;
    out[o++] = B64_CODES[(n >> 12) & 63] as number;
    out[o++] = B64_CODES[(n >> 6) & 63] as number;
    out[o++] = B64_CODES[n & 63] as number;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = B64_CODES[n >> 18] as number;
    out[o++] = B64_CODES[(n >> 12) & 63] as number;
    out[o++] = rest === 2 ? (B64_CODES[(n >> 6) & 63] as number) : 0x3d; // =
    out[o++] = 0x3d;
  }
  return asciiDecoder.decode(out);
}

function b64Value(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? (B64_INDEX[c] as number) : -1;
}

/**
 * Decodes standard, padded base64. `text` may be attacker-controlled. Strict:
 * the length must be a multiple of 4, only the alphabet is allowed (no
 * whitespace, no URL-safe characters), '=' only as one or two final padding
 * characters, and the unused low bits before the padding must be zero, so
 * every byte string has exactly one accepted encoding. Otherwise undefined.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const a = b64Value(text, i);
    const b = b64Value(text, i + 1);
    const c = last && pad === 2 ? 0 : b64Value(text, i + 2);
    const d = last && pad >= 1 ? 0 : b64Value(text, i + 3);
    if (a < 0 || b < 0 || c < 0 || d < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    if (last && pad === 2) {
      if ((n & 0xffff) !== 0) return undefined; // non-canonical trailing bits
      break;
    }
    out[o++] = (n >> 8) & 0xff;
    if (last && pad === 1) {
      if ((n & 0xff) !== 0) return undefined; // non-canonical trailing bits
      break;
    }
    out[o++] = n & 0xff;
  }
  return out;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 encoding of a string (lone surrogates become U+FFFD; see isWellFormedString). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decoding of attacker-controlled bytes: invalid UTF-8 gives undefined. A BOM is kept as text. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The engine's String.prototype.isWellFormed (ES2024: Node 20, current browsers), where it has one. */
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean })
  .isWellFormed;

/** True when the string has no lone UTF-16 surrogates, i.e. it round-trips through UTF-8 unchanged. */
export const isWellFormedString: (text: string) => boolean = nativeWellFormed
  ? (text) => nativeWellFormed.call(text)
  : (text) => !LONE_SURROGATE.test(text);

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte equality (not constant-time; nothing compared here is secret). */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Big-endian uint32. */
export function uint32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a uint32: ${n}`);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** Reads a big-endian uint32 at `offset` (the caller checks the length). */
export function readUint32be(bytes: Uint8Array, offset = 0): number {
  if (bytes.length < offset + 4) throw new RangeError('readUint32be: too short');
  return (
    (bytes[offset] as number) * 0x1000000 +
    (((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number))
  );
}

/** Big-endian uint64 of a bigint in [0, 2^64). */
export function uint64be(n: bigint): Uint8Array {
  if (n < 0n || n >= 1n << 64n) throw new RangeError(`not a uint64: ${n}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, false);
  return out;
}

/** Reads a big-endian uint64 at `offset` (the caller checks the length). */
export function readUint64be(bytes: Uint8Array, offset = 0): bigint {
  if (bytes.length < offset + 8) throw new RangeError('readUint64be: too short');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, false);
}

/**
 * Parses a canonical ASCII decimal: digits only, no sign, no leading zeros
 * (except "0" itself), and at most Number.MAX_SAFE_INTEGER. `text` may be
 * attacker-controlled; anything else gives undefined.
 */
export function parseDecimal(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

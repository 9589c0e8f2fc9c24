// QR codes (ISO/IEC 18004, Model 2): bytes to a square of modules. Byte mode
// only (a device's QR carries base64url text, which alphanumeric mode cannot
// hold), versions 1 to 40, the four error-correction levels, and the mask of
// lowest penalty. Pure and small, so the portal's bundle can carry it.

export type ErrorCorrection = 'L' | 'M' | 'Q' | 'H';

export interface QrCode {
  version: number;
  errorCorrection: ErrorCorrection;
  mask: number;
  /** Modules per side (17 + 4 × version). */
  size: number;
  /** Row-major, size × size: true is a dark module. Without the quiet zone. */
  dark: readonly boolean[];
}

const LEVELS: readonly ErrorCorrection[] = ['L', 'M', 'Q', 'H'];
/** The two format bits of each level (ISO/IEC 18004 table 12). */
const FORMAT_BITS: Record<ErrorCorrection, number> = { L: 1, M: 0, Q: 3, H: 2 };

// Error-correction codewords per block, and the number of blocks, per level and
// version (index 0 unused): ISO/IEC 18004 table 9.
const ECC_PER_BLOCK: Record<ErrorCorrection, readonly number[]> = {
  L: [
    0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30,
    30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
  ],
  M: [
    0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  ],
  Q: [
    0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30,
    30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
  ],
  H: [
    0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30,
    30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
  ],
};
const BLOCKS: Record<ErrorCorrection, readonly number[]> = {
  L: [
    0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14,
    15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
  ],
  M: [
    0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25,
    26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
  ],
  Q: [
    0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34,
    34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
  ],
  H: [
    0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37,
    40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
  ],
};

/** Modules left for data and error correction once the function patterns are drawn. */
function rawDataModules(version: number): number {
  let n = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const align = Math.floor(version / 7) + 2;
    n -= (25 * align - 10) * align - 55;
    if (version >= 7) n -= 36;
  }
  return n;
}

/** Data codewords (bytes before error correction) of a version and level. */
export function dataCodewords(version: number, level: ErrorCorrection): number {
  return (
    Math.floor(rawDataModules(version) / 8) -
    (ECC_PER_BLOCK[level][version] as number) * (BLOCKS[level][version] as number)
  );
}

/** The most bytes one QR code of this level holds in byte mode (version 40). */
export function maxBytes(level: ErrorCorrection): number {
  return Math.floor((dataCodewords(40, level) * 8 - 4 - 16) / 8);
}

/**
 * The smallest QR code holding `data` in byte mode at `level` (default M, which
 * a phone reads off a worn screen); the level is raised while the version stays
 * the same. Throws when the data does not fit in version 40.
 */
export function encodeQr(data: Uint8Array, level: ErrorCorrection = 'M'): QrCode {
  let version = 1;
  for (; version <= 40; version++) {
    const countBits = version <= 9 ? 8 : 16;
    if (4 + countBits + data.length * 8 <= dataCodewords(version, level) * 8) break;
  }
  if (version > 40)
    throw new RangeError(`${data.length} bytes do not fit in a QR code at level ${level}`);
  // A higher level for free where the same version has room for it.
  let chosen = level;
  for (const l of LEVELS.slice(LEVELS.indexOf(level) + 1)) {
    const countBits = version <= 9 ? 8 : 16;
    if (4 + countBits + data.length * 8 <= dataCodewords(version, l) * 8) chosen = l;
  }
  const codewords = withErrorCorrection(dataBits(data, version, chosen), version, chosen);
  const m = new Matrix(version);
  m.drawFunctionPatterns();
  m.placeData(codewords);
  let best = -1;
  let bestPenalty = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 8; mask++) {
    m.applyMask(mask);
    m.drawFormat(chosen, mask);
    const p = m.penalty();
    if (p < bestPenalty) {
      best = mask;
      bestPenalty = p;
    }
    m.applyMask(mask); // XOR again: undone
  }
  m.applyMask(best);
  m.drawFormat(chosen, best);
  return { version, errorCorrection: chosen, mask: best, size: m.size, dark: m.dark };
}

/** Mode indicator, count, the bytes, terminator and pad bytes: the data codewords. */
function dataBits(data: Uint8Array, version: number, level: ErrorCorrection): Uint8Array {
  const capacity = dataCodewords(version, level);
  const out = new Uint8Array(capacity);
  let bit = 0;
  const put = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--, bit++)
      if ((value >>> i) & 1) out[bit >>> 3] = (out[bit >>> 3] as number) | (0x80 >>> (bit & 7));
  };
  put(0b0100, 4); // byte mode
  put(data.length, version <= 9 ? 8 : 16);
  for (const b of data) put(b, 8);
  // Terminator (up to 4 zero bits) and zero bits to the byte: already zero.
  bit = Math.min(capacity * 8, bit + 4);
  let pad = Math.ceil(bit / 8);
  for (let alternate = 0xec; pad < capacity; pad++, alternate ^= 0xec ^ 0x11) out[pad] = alternate;
  return out;
}

// GF(256) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D).
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = x;
  LOG[x] = i;
  x <<= 1;
  if (x & 0x100) x ^= 0x11d;
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255] as number;

function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : (EXP[(LOG[a] as number) + (LOG[b] as number)] as number);
}

/** The Reed-Solomon generator of `degree` (coefficients after the leading 1). */
function generator(degree: number): Uint8Array {
  const g = new Uint8Array(degree);
  g[degree - 1] = 1;
  for (let i = 0, root = 1; i < degree; i++) {
    // Multiply by (x - root).
    for (let j = 0; j < degree; j++) {
      g[j] = gfMul(g[j] as number, root) ^ (j + 1 < degree ? (g[j + 1] as number) : 0);
    }
    root = gfMul(root, 2);
  }
  return g;
}

function remainder(data: Uint8Array, gen: Uint8Array): Uint8Array {
  const r = new Uint8Array(gen.length);
  for (const b of data) {
    const factor = b ^ (r[0] as number);
    r.copyWithin(0, 1);
    r[r.length - 1] = 0;
    for (let i = 0; i < r.length; i++) r[i] = (r[i] as number) ^ gfMul(gen[i] as number, factor);
  }
  return r;
}

/** Splits the data into blocks, adds each block's error correction, interleaves. */
function withErrorCorrection(
  data: Uint8Array,
  version: number,
  level: ErrorCorrection,
): Uint8Array {
  const blocks = BLOCKS[level][version] as number;
  const ecc = ECC_PER_BLOCK[level][version] as number;
  const raw = Math.floor(rawDataModules(version) / 8);
  const shortBlocks = blocks - (raw % blocks);
  const shortData = Math.floor(raw / blocks) - ecc;
  const gen = generator(ecc);
  const dataBlocks: Uint8Array[] = [];
  const eccBlocks: Uint8Array[] = [];
  for (let i = 0, at = 0; i < blocks; i++) {
    const len = shortData + (i < shortBlocks ? 0 : 1);
    const block = data.subarray(at, at + len);
    at += len;
    dataBlocks.push(block);
    eccBlocks.push(remainder(block, gen));
  }
  const out = new Uint8Array(raw);
  let o = 0;
  for (let i = 0; i <= shortData; i++)
    for (const block of dataBlocks) if (i < block.length) out[o++] = block[i] as number;
  for (let i = 0; i < ecc; i++) for (const block of eccBlocks) out[o++] = block[i] as number;
  return out;
}

/** Where the alignment patterns' centres are, on each axis. */
function alignmentPositions(version: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const size = 17 + 4 * version;
  const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
  const out = [6];
  for (let pos = size - 7; out.length < count; pos -= step) out.splice(1, 0, pos);
  return out;
}

class Matrix {
  readonly size: number;
  readonly dark: boolean[];
  private readonly fixed: boolean[];

  constructor(readonly version: number) {
    this.size = 17 + 4 * version;
    this.dark = new Array(this.size * this.size).fill(false);
    this.fixed = new Array(this.size * this.size).fill(false);
  }

  private set(x: number, y: number, dark: boolean): void {
    this.dark[y * this.size + x] = dark;
    this.fixed[y * this.size + x] = true;
  }

  drawFunctionPatterns(): void {
    const s = this.size;
    for (let i = 0; i < s; i++) {
      this.set(6, i, i % 2 === 0);
      this.set(i, 6, i % 2 === 0);
    }
    for (const [cx, cy] of [
      [3, 3],
      [s - 4, 3],
      [3, s - 4],
    ] as const)
      for (let dy = -4; dy <= 4; dy++)
        for (let dx = -4; dx <= 4; dx++) {
          const x = cx + dx;
          const y = cy + dy;
          const d = Math.max(Math.abs(dx), Math.abs(dy));
          if (x >= 0 && x < s && y >= 0 && y < s) this.set(x, y, d !== 2 && d !== 4);
        }
    const align = alignmentPositions(this.version);
    const last = align.length - 1;
    for (let i = 0; i <= last; i++)
      for (let j = 0; j <= last; j++) {
        // Not where a finder pattern is.
        if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) continue;
        for (let dy = -2; dy <= 2; dy++)
          for (let dx = -2; dx <= 2; dx++)
            this.set(
              (align[i] as number) + dx,
              (align[j] as number) + dy,
              Math.max(Math.abs(dx), Math.abs(dy)) !== 1,
            );
      }
    // Reserve the format areas (drawn for real per mask) and draw the version.
    this.drawFormat('M', 0);
    if (this.version >= 7) {
      let rem = this.version;
      for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
      const bits = (this.version << 12) | rem;
      for (let i = 0; i < 18; i++) {
        const bit = ((bits >>> i) & 1) === 1;
        const a = s - 11 + (i % 3);
        const b = Math.floor(i / 3);
        this.set(a, b, bit);
        this.set(b, a, bit);
      }
    }
  }

  drawFormat(level: ErrorCorrection, mask: number): void {
    const s = this.size;
    const data = (FORMAT_BITS[level] << 3) | mask;
    let rem = data;
    for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    const bits = ((data << 10) | rem) ^ 0x5412;
    const bit = (i: number) => ((bits >>> i) & 1) === 1;
    for (let i = 0; i <= 5; i++) this.set(8, i, bit(i));
    this.set(8, 7, bit(6));
    this.set(8, 8, bit(7));
    this.set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) this.set(14 - i, 8, bit(i));
    for (let i = 0; i < 8; i++) this.set(s - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) this.set(8, s - 15 + i, bit(i));
    this.set(8, s - 8, true); // the dark module
  }

  /** The codewords in the zigzag of two-module columns from the bottom right. */
  placeData(codewords: Uint8Array): void {
    const s = this.size;
    let i = 0;
    for (let right = s - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5; // the vertical timing pattern
      const upward = ((right + 1) & 2) === 0;
      for (let v = 0; v < s; v++)
        for (let j = 0; j < 2; j++) {
          const x = right - j;
          const y = upward ? s - 1 - v : v;
          if (this.fixed[y * s + x]) continue;
          if (i < codewords.length * 8)
            this.dark[y * s + x] = (((codewords[i >>> 3] as number) >>> (7 - (i & 7))) & 1) === 1;
          i++;
        }
    }
  }

  applyMask(mask: number): void {
    const s = this.size;
    for (let y = 0; y < s; y++)
      for (let x = 0; x < s; x++) {
        if (this.fixed[y * s + x]) continue;
        let flip: boolean;
        switch (mask) {
          case 0:
            flip = (x + y) % 2 === 0;
            break;
          case 1:
            flip = y % 2 === 0;
            break;
          case 2:
            flip = x % 3 === 0;
            break;
          case 3:
            flip = (x + y) % 3 === 0;
            break;
          case 4:
            flip = (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0;
            break;
          case 5:
            flip = ((x * y) % 2) + ((x * y) % 3) === 0;
            break;
          case 6:
            flip = (((x * y) % 2) + ((x * y) % 3)) % 2 === 0;
            break;
          default:
            flip = (((x + y) % 2) + ((x * y) % 3)) % 2 === 0;
        }
        if (flip) this.dark[y * s + x] = !this.dark[y * s + x];
      }
  }

  /** The four penalty rules of ISO/IEC 18004 §7.8.3: the mask with the lowest is used. */
  penalty(): number {
    const s = this.size;
    const at = (x: number, y: number) => this.dark[y * s + x] as boolean;
    let p = 0;
    // Rules 1 and 3 on rows and columns alike.
    for (const horizontal of [true, false])
      for (let a = 0; a < s; a++) {
        const line: boolean[] = [];
        for (let b = 0; b < s; b++) line.push(horizontal ? at(b, a) : at(a, b));
        let run = 1;
        for (let b = 1; b <= s; b++) {
          if (b < s && line[b] === line[b - 1]) run++;
          else {
            if (run >= 5) p += run - 2;
            run = 1;
          }
        }
        // 1:1:3:1:1 with four light modules on one side (light beyond the edge).
        const d = (b: number) => b >= 0 && b < s && (line[b] as boolean);
        for (let b = 0; b + 6 < s; b++) {
          if (!(d(b) && !d(b + 1) && d(b + 2) && d(b + 3) && d(b + 4) && !d(b + 5) && d(b + 6)))
            continue;
          const lightBefore = !d(b - 1) && !d(b - 2) && !d(b - 3) && !d(b - 4);
          const lightAfter = !d(b + 7) && !d(b + 8) && !d(b + 9) && !d(b + 10);
          if (lightBefore || lightAfter) p += 40;
        }
      }
    for (let y = 0; y + 1 < s; y++)
      for (let x = 0; x + 1 < s; x++) {
        const c = at(x, y);
        if (c === at(x + 1, y) && c === at(x, y + 1) && c === at(x + 1, y + 1)) p += 3;
      }
    const darkCount = this.dark.reduce((n, d) => n + (d ? 1 : 0), 0);
    const total = s * s;
    // Each full 5 % away from half dark costs 10.
    p += Math.floor(Math.abs(darkCount * 20 - total * 10) / total) * 10;
    return p;
  }
}

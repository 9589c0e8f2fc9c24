// Deterministic integer apportionment and a seeded PRNG, shared by the data
// build (scripts/build-kenya-data.ts: registered voters per station) and the
// presidential fill (presidential-votes.ts). Everything here is pure and
// platform-independent: IEEE doubles, fixed iteration counts, ties broken by
// index, no Math.random.
import { sha256 } from '../log/crypto.js';

/**
 * Splits `total` into integers x[i] with lo[i] <= x[i] <= hi[i] and sum(x) = total,
 * as close as the bounds allow to proportional to weights[i]:
 * x[i] ~ clamp(lambda * weights[i], lo[i], hi[i]) for the one lambda that makes
 * the sum right, then rounded by largest remainder (ties: lower index first).
 * If every weight is zero the weights are taken as equal.
 * Throws when the bounds make the total impossible (sum(lo) > total or sum(hi) < total).
 */
export function apportion(
  total: number,
  weights: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
): number[] {
  const n = weights.length;
  if (lo.length !== n || hi.length !== n) throw new RangeError('apportion: length mismatch');
  if (!Number.isSafeInteger(total) || total < 0)
    throw new RangeError(`apportion: bad total ${total}`);
  let sumLo = 0;
  let sumHi = 0;
  for (let i = 0; i < n; i++) {
    const l = lo[i] as number;
    const h = hi[i] as number;
    if (!(l <= h)) throw new RangeError(`apportion: lo > hi at ${i}`);
    sumLo += l;
    sumHi += h;
  }
  if (sumLo > total || sumHi < total) {
    throw new RangeError(`apportion: total ${total} outside [${sumLo}, ${sumHi}]`);
  }
  if (n === 0) return [];
  let w = weights.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  if (w.every((x) => x === 0)) w = w.map(() => 1);

  const at = (lambda: number, i: number) => {
    const v = lambda * (w[i] as number);
    const l = lo[i] as number;
    const h = hi[i] as number;
    return Math.min(h, Math.max(l, v));
  };
  const sumAt = (lambda: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += at(lambda, i);
    return s;
  };
  // Bracket lambda, then bisect a fixed number of times (deterministic).
  let a = 0;
  let b = 1;
  while (sumAt(b) < total && b < 1e300) b *= 2;
  for (let k = 0; k < 200; k++) {
    const m = (a + b) / 2;
    if (sumAt(m) < total) a = m;
    else b = m;
  }
  const target = Array.from({ length: n }, (_, i) => at(b, i));
  const x = target.map((t, i) =>
    Math.min(hi[i] as number, Math.max(lo[i] as number, Math.floor(t))),
  );
  let rest = total - x.reduce((s, v) => s + v, 0);
  // Largest fractional remainder first; repeated passes cover the rare case where
  // one pass is not enough.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => {
    const fi = (target[i] as number) - Math.floor(target[i] as number);
    const fj = (target[j] as number) - Math.floor(target[j] as number);
    return fj - fi || i - j;
  });
  while (rest > 0) {
    let moved = false;
    for (const i of order) {
      if (rest === 0) break;
      if ((x[i] as number) < (hi[i] as number)) {
        x[i] = (x[i] as number) + 1;
        rest--;
        moved = true;
      }
    }
    if (!moved) throw new Error('apportion: cannot place remainder');
  }
  while (rest < 0) {
    let moved = false;
    for (let k = order.length - 1; k >= 0; k--) {
      const i = order[k] as number;
      if (rest === 0) break;
      if ((x[i] as number) > (lo[i] as number)) {
        x[i] = (x[i] as number) - 1;
        rest++;
        moved = true;
      }
    }
    if (!moved) throw new Error('apportion: cannot remove excess');
  }
  return x;
}

/** A small, fast, seeded PRNG (sfc32) whose 128-bit state comes from SHA-256 of a label. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(label: string) {
    const h = sha256(new TextEncoder().encode(label));
    const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
    this.a = v.getUint32(0);
    this.b = v.getUint32(4);
    this.c = v.getUint32(8);
    this.d = v.getUint32(12);
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max], both inclusive. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from empty list');
    return items[this.int(items.length)] as T;
  }

  /** Roughly normal (Irwin-Hall of 4), mean 0, sd 1; no transcendental functions. */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * Math.sqrt(3);
  }
}

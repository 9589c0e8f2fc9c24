// Deterministic randomness for simulations: the same seed text gives the same
// night, on every machine.
import { utf8 } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';

/** A small deterministic PRNG (mulberry32) seeded from a string: numbers in [0, 1). */
export function rng(seedText: string): () => number {
  const h = sha256(utf8(seedText));
  let a =
    ((h[0] as number) << 24) |
    ((h[1] as number) << 16) |
    ((h[2] as number) << 8) |
    (h[3] as number);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `total` among n candidates with random weights (deterministic for the seed). */
export function split(total: number, n: number, next: () => number): number[] {
  const w = Array.from({ length: n }, () => next() ** 2 + 0.05);
  return splitByWeights(total, w);
}

/** Splits `total` in proportion to `weights` (floors, the remainder one by one from the first). */
export function splitByWeights(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  const sum = weights.reduce((s, x) => s + x, 0);
  const out = weights.map((x) => Math.floor((total * x) / sum));
  let rest = total - out.reduce((s, x) => s + x, 0);
  for (let i = 0; rest > 0; i = (i + 1) % n, rest--) out[i] = (out[i] as number) + 1;
  return out;
}

/** Shuffles `a` in place (Fisher-Yates) with `next`. */
export function shuffle<T>(a: T[] | Uint32Array, next: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  }
}

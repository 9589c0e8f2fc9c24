// ColoradoRLA's pseudo-random number generator, kept to check kura's SHA-256
// arithmetic against a second published sampler (its vector): the i-th pick,
// i = 1, 2, …, is min + (SHA-256(utf8(seed + "," + i)) as a big-endian integer
// mod (max − min + 1)); without replacement a number already picked is skipped.
import { sha256 } from '@noble/hashes/sha2.js';

const utf8 = new TextEncoder();

export function coloradoPrng(
  seed: string,
  min: number,
  max: number,
  count: number,
  withReplacement: boolean,
): number[] {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min)
    throw new RangeError(`coloradoPrng: need whole numbers min ≤ max, not ${min}..${max}`);
  const range = BigInt(max - min + 1);
  if (!Number.isSafeInteger(count) || count < 0 || (!withReplacement && BigInt(count) > range))
    throw new RangeError(`coloradoPrng: cannot pick ${count} numbers from ${min}..${max}`);
  const picks: number[] = [];
  const seen = new Set<number>();
  for (let i = 1; picks.length < count; i++) {
    let n = 0n;
    for (const byte of sha256(utf8.encode(`${seed},${i}`))) n = (n << 8n) | BigInt(byte);
    const pick = min + Number(n % range);
    if (withReplacement || !seen.has(pick)) picks.push(pick);
    seen.add(pick);
  }
  return picks;
}

// Batch-comparison samples: batches (polling stations) drawn with replacement,
// each with probability proportional to its error bound u_p, as Arlo's MACRO
// audit does. Arlo draws with numpy's PCG64 generator, which nothing outside
// numpy reproduces; kura draws with "kura-ppeb-v1", a generator any language
// rebuilds from SHA-256 and binary64 arithmetic:
//
//   For draw k = 1, 2, 3, … (numbered over the whole audit, so that later
//   rounds continue one sequence):
//   1. h = SHA-256 of the UTF-8 bytes of "kura-ppeb-v1:" + seed + ":" + k,
//      k in decimal ASCII without leading zeros;
//   2. m = the first 53 bits of h, big-endian (h[0..5] and the top 5 bits of
//      h[6]), an integer 0 ≤ m < 2^53; x = m / 2^53 (exact in binary64);
//   3. S_1 … S_n: running sums of the batches' weights, in the order given,
//      each S_p = S_(p−1) + w_p rounded to binary64 (S_0 = 0);
//   4. t = x × S_n rounded to binary64 (always < S_n, as S_n is a normal
//      number: totals of 0, below 2^−1022 or infinite are refused);
//   5. the drawn batch is the first p with S_p > t. A batch of weight 0 (or
//      one whose weight vanishes in the rounding of its sum) is never drawn.
//
// Ticket numbers follow Arlo's rule, so each draw carries a printable number:
// the first time a batch is drawn, trimTicket(firstFraction(id, seed), 18);
// its j-th time, trimTicket(nextFraction(its (j−1)-th ticket, trimmed), 18).
import { sha256 } from '@noble/hashes/sha2.js';
import { nextFraction, sha256Hex, sha256Uniform, trimTicket } from './consistent-sampler.js';

/** A batch and its weight: u_p, its maximum relative overstatement (> 0 to be drawable). */
export interface WeightedBatch {
  id: string;
  weight: number;
}

/** One draw: its number over the whole audit (1, 2, 3, …), the batch drawn, its ticket. */
export interface BatchDraw {
  draw: number;
  id: string;
  ticket: string;
}

/** The name of the generator, hashed into every draw. */
export const PPEB_PRNG = 'kura-ppeb-v1';

/** Digits of the printed tickets, as Arlo. */
export const TICKET_DIGITS = 18;

const utf8 = new TextEncoder();
const TWO_POW_53 = 2 ** 53;

/** x for draw k: the first 53 bits of SHA-256("kura-ppeb-v1:" + seed + ":" + k) over 2^53. */
export function ppebFraction(seed: string, draw: number): number {
  if (!Number.isSafeInteger(draw) || draw < 1)
    throw new RangeError(`draw numbers are whole numbers ≥ 1, not ${draw}`);
  const h = sha256(utf8.encode(`${PPEB_PRNG}:${seed}:${draw}`));
  const high =
    (((h[0] as number) << 24) |
      ((h[1] as number) << 16) |
      ((h[2] as number) << 8) |
      (h[3] as number)) >>>
    0;
  const low =
    (((h[4] as number) << 24) |
      ((h[5] as number) << 16) |
      ((h[6] as number) << 8) |
      (h[7] as number)) >>>
    0;
  return (high * 2 ** 21 + (low >>> 11)) / TWO_POW_53;
}

/**
 * Draws number fromDraw+1 .. fromDraw+count. Draw k depends only on the seed,
 * k and the weights (in their order), so rounds continue one sequence; the
 * earlier draws are replayed only to chain the tickets of repeated batches.
 */
export function drawBatches(
  batches: readonly WeightedBatch[],
  seed: string,
  fromDraw: number,
  count: number,
): BatchDraw[] {
  checkDrawRange(fromDraw, count);
  const ids = drawBatchIds(batches, seed, 0, fromDraw + count);
  const tickets = ppebTickets(ids, seed);
  const draws: BatchDraw[] = [];
  for (let k = fromDraw + 1; k <= fromDraw + count; k++)
    draws.push({ draw: k, id: ids[k - 1] as string, ticket: tickets[k - 1] as string });
  return draws;
}

/** The ids of draws fromDraw+1 .. fromDraw+count, without their tickets. */
export function drawBatchIds(
  batches: readonly WeightedBatch[],
  seed: string,
  fromDraw: number,
  count: number,
): string[] {
  checkDrawRange(fromDraw, count);
  const sums = cumulativeWeights(batches);
  if (count === 0) return [];
  const total = sums[sums.length - 1] ?? 0;
  if (!(total > 0)) throw new RangeError('no batch has a positive weight: nothing can be drawn');
  // Below 2^-1022 (subnormal) or at infinity, x × total could round up to total.
  if (total < 2 ** -1022 || total === Number.POSITIVE_INFINITY)
    throw new RangeError(`the weights sum to ${total}, outside the normal binary64 range`);
  const ids: string[] = [];
  for (let k = fromDraw + 1; k <= fromDraw + count; k++)
    ids.push((batches[firstAbove(sums, ppebFraction(seed, k) * total)] as WeightedBatch).id);
  return ids;
}

/**
 * Arlo's tickets for batches in the order they were drawn: a batch's first
 * draw gets its first fraction, each repeat the next fraction of its previous
 * ticket as printed (trimmed to 18 digits), not at full precision.
 */
export function ppebTickets(drawnIds: readonly string[], seed: string): string[] {
  const seedHash = sha256Hex(seed);
  const last = new Map<string, string>();
  return drawnIds.map((id) => {
    const previous = last.get(id);
    const full = previous === undefined ? sha256Uniform(seedHash + id) : nextFraction(previous);
    const ticket = trimTicket(full, TICKET_DIGITS);
    last.set(id, ticket);
    return ticket;
  });
}

function checkDrawRange(fromDraw: number, count: number): void {
  if (!Number.isSafeInteger(fromDraw) || fromDraw < 0)
    throw new RangeError(`fromDraw must be a whole number ≥ 0, not ${fromDraw}`);
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`count must be a whole number ≥ 0, not ${count}`);
}

/** S_1 … S_n, summed left to right in binary64; refuses a bad weight or a repeated id. */
function cumulativeWeights(batches: readonly WeightedBatch[]): number[] {
  const seen = new Set<string>();
  const sums: number[] = [];
  let sum = 0;
  for (const { id, weight } of batches) {
    if (seen.has(id)) throw new RangeError(`the batch "${id}" is listed twice`);
    seen.add(id);
    if (!Number.isFinite(weight) || weight < 0)
      throw new RangeError(`the batch "${id}" has weight ${weight}: weights are finite and ≥ 0`);
    sum += weight;
    sums.push(sum);
  }
  return sums;
}

/** The first index p with sums[p] > t (sums non-decreasing, t < the last). */
function firstAbove(sums: readonly number[], t: number): number {
  let lo = 0;
  let hi = sums.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sums[mid] as number) > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

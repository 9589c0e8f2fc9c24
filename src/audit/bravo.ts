// BRAVO ballot-polling audits (Lindeman, Stark and Yates 2012) as Arlo runs
// them (server/audit_math/bravo.py): one sequential probability ratio test per
// reported winner–loser pair over the cumulative sample, the risk being the
// largest pair's p-value. Sampled ballots that cannot be found count as votes
// for every loser.
//
// The p-value is an official figure that anyone must be able to recompute bit
// for bit, so it uses IEEE-754 binary64 + − × ÷ only, in the order written in
// docs/FORMATS.md §15 (and below): no log, exp or pow, whose last bits differ
// between languages. The sample-size estimates are advice, not checked, and
// use log and the normal and binomial distributions (distributions.ts).
import { binomialQuantile, normalCdf, normalQuantile } from './distributions.js';
import {
  count,
  type PollingContest,
  type PollingTally,
  pollingContest,
  riskLimitFraction,
  sampleTally,
  withNotFound,
} from './polling-contest.js';

export type { PollingTally } from './polling-contest.js';

export interface BravoOptions {
  /** Ballots cast in the contest: a sample of at least this many is a full hand count (risk 0). */
  ballots?: number;
  /** Sampled ballots not found: each counts as a vote for every loser. */
  notFound?: number;
}

export interface BravoRisk {
  /** The audit's risk: the largest pair p-value. */
  pValue: number;
  /** p-value per pair, keyed `${winner}>${loser}`, winners then losers in ranked order. */
  pairs: Record<string, number>;
  /** Every pair's p-value is at most the risk limit. */
  met: boolean;
}

/** The key of a winner–loser pair in `pairs`. */
export function pairKey(winner: string, loser: string): string {
  return `${winner}>${loser}`;
}

/**
 * BRAVO p-values of the cumulative `sample` (votes per candidate over all
 * rounds so far) against the `reported` tally (Arlo's compute_risk).
 */
export function bravoRisk(
  reported: PollingTally,
  numWinners: number,
  sample: PollingTally,
  riskLimitPercent: number,
  options: BravoOptions = {},
): BravoRisk {
  const alpha = riskLimitFraction(riskLimitPercent);
  const contest = pollingContest(reported, numWinners);
  let seen = sampleTally(contest, sample, 'sample');
  if (options.notFound !== undefined)
    seen = withNotFound(contest, seen, options.notFound, 'notFound');
  const sampled = contest.candidates.reduce((s, c) => s + (seen[c] as number), 0);
  const fullCount = options.ballots !== undefined && sampled >= count(options.ballots, 'ballots');

  const pairs: Record<string, number> = {};
  let pValue = 0;
  for (const w of contest.winners) {
    for (const l of contest.losers) {
      const p = fullCount ? 0 : pairPValue(contest, w, l, seen[w] as number, seen[l] as number);
      pairs[pairKey(w, l)] = p;
      if (p > pValue) pValue = p;
    }
  }
  return { pValue, pairs, met: pValue <= alpha };
}

/**
 * The factors a sampled vote multiplies the pair's test statistic by (Arlo's
 * arithmetic): s_w = V_w ÷ valid, s_l = V_l ÷ valid, swl = s_w ÷ (s_w + s_l);
 * a winner vote ×(swl × 2), a loser vote ×((1 − swl) × 2).
 */
export function pairFactors(contest: PollingContest, winner: string, loser: string) {
  const valid = contest.validVotes;
  const sw = (contest.votes[winner] as number) / valid;
  const sl = (contest.votes[loser] as number) / valid;
  const swl = sw / (sw + sl);
  return { winnerFactor: swl * 2, loserFactor: (1 - swl) * 2 };
}

/** One pair's p-value: min(1, 1 ÷ T), T = g^winnerVotes × h^loserVotes; 1 when T = 0. */
function pairPValue(
  contest: PollingContest,
  winner: string,
  loser: string,
  winnerVotes: number,
  loserVotes: number,
): number {
  const { winnerFactor, loserFactor } = pairFactors(contest, winner, loser);
  const t = scaledMul(scaledPow(winnerFactor, winnerVotes), scaledPow(loserFactor, loserVotes));
  if (t.m === 0) return 1;
  const p = scaleByPowerOfTwo(1 / t.m, -t.e);
  return Math.min(p, 1);
}

// ---- binary64 with a separate binary exponent (no overflow, no underflow) ----
//
// A scaled number is m × 2^e with m = 0 or 2^−256 ≤ m < 2^256. Multiplying by
// 2^±256 is exact, so the only roundings are those of the products of m's.

const TWO_256 = powerOfTwo(256);
const TWO_MINUS_256 = powerOfTwo(-256);
// The smallest x for which x × 2^−256 is still normal.
const MIN_BEFORE_STEP = powerOfTwo(-766);

interface Scaled {
  m: number;
  e: number;
}

function normalize(m: number, e: number): Scaled {
  if (m === 0) return { m: 0, e: 0 };
  while (m >= TWO_256) {
    m *= TWO_MINUS_256;
    e += 256;
  }
  while (m < TWO_MINUS_256) {
    m *= TWO_256;
    e -= 256;
  }
  return { m, e };
}

function scaledMul(a: Scaled, b: Scaled): Scaled {
  return normalize(a.m * b.m, a.e + b.e);
}

/**
 * The binary64 number nearest x × 2^k (ties to even), for 2^−257 < x < 2^257:
 * exact unless the result is subnormal; results of 1 or more are returned as
 * they come (the caller caps at 1), so no overflow matters here.
 */
export function scaleByPowerOfTwo(x: number, k: number): number {
  if (k >= 0) return k >= 600 ? Number.POSITIVE_INFINITY : x * powerOfTwo(k);
  let rest = k;
  // Exact steps while the result stays normal (x × 2^−256 ≥ 2^−1022) ...
  while (rest <= -256 && x >= MIN_BEFORE_STEP) {
    x *= TWO_MINUS_256;
    rest += 256;
  }
  // ... then one correctly rounded product (2^rest exists down to 2^−1074).
  if (rest < -1074) return 0;
  return x * powerOfTwo(rest);
}

/** 2^k exactly, for −1074 ≤ k ≤ 1023, built from its bits. */
export function powerOfTwo(k: number): number {
  if (!Number.isInteger(k) || k < -1074 || k > 1023) throw new RangeError(`2^${k}`);
  const bits = k >= -1022 ? BigInt(k + 1023) << 52n : 1n << BigInt(k + 1074);
  return new Float64Array(new BigUint64Array([bits]).buffer)[0] as number;
}

/**
 * x^n for x in [0, 2], n ≥ 0 by binary exponentiation, low bit first:
 * r = 1, b = x; while n > 0 { if n is odd, r = r × b; n = ⌊n/2⌋; if n > 0, b = b × b }.
 */
export function scaledPow(x: number, n: number): Scaled {
  let r: Scaled = { m: 1, e: 0 };
  let b = normalize(x, 0);
  let k = n;
  while (k > 0) {
    if (k % 2 === 1) r = scaledMul(r, b);
    k = Math.floor(k / 2);
    if (k > 0) b = scaledMul(b, b);
  }
  return r;
}

// ---- sample sizes (estimates: Arlo's get_sample_size, with log and scipy-like distributions) ----

/** Next-round sample sizes for ballot polling (new ballots to draw, not cumulative). */
export interface PollingSampleSizes {
  /** Arlo advises a full hand count (a tie, or a round that would take ≥ ¼ of a large contest). */
  allBallots: boolean;
  /** BRAVO's average sample number and its chance of ending the audit in one round (null when Arlo gives none: several winners). */
  asn: { size: number; prob: number | null };
  /** Sizes that end the audit in one round with probability 70/80/90 % if the reported outcome is right. */
  '0.7': number;
  '0.8': number;
  '0.9': number;
}

const QUANTS = [0.7, 0.8, 0.9] as const;
// Arlo: above this many ballots, a round of ≥ ¼ of them suggests a full hand count.
const LARGE_ELECTION = 100000;

/**
 * BRAVO sample sizes for the next round (Arlo's bravo.get_sample_size), given
 * the cumulative sample so far. Arlo returns only the ASN when there are
 * several winners; kura also gives the 70/80/90 % sizes then, each the
 * largest over the pairs of the one-pair estimate (a lower bound).
 */
export function bravoSampleSizes(
  reported: PollingTally,
  numWinners: number,
  sampleSoFar: PollingTally,
  riskLimitPercent: number,
  totalBallots: number,
  options: { notFound?: number } = {},
): PollingSampleSizes {
  const alpha = riskLimitFraction(riskLimitPercent);
  const contest = pollingContest(reported, numWinners);
  const ballots = count(totalBallots, 'totalBallots');
  if (ballots < 1) throw new RangeError('totalBallots: must be at least 1');
  let seen = sampleTally(contest, sampleSoFar, 'sampleSoFar');
  if (options.notFound !== undefined)
    seen = withNotFound(contest, seen, options.notFound, 'notFound');
  const share = (c: string) => (contest.votes[c] as number) / ballots;
  const allBallots = (): PollingSampleSizes => ({
    allBallots: true,
    asn: { size: ballots, prob: null },
    '0.7': ballots,
    '0.8': ballots,
    '0.9': ballots,
  });

  const smallestWinner = Math.min(...contest.winners.map(share));
  const largestLoser = Math.max(...contest.losers.map(share));
  if (smallestWinner === largestLoser) return allBallots(); // a tie
  if (largestLoser === 0) {
    // Arlo's landslide: one ballot, certain to end the audit.
    return { allBallots: false, asn: { size: 1, prob: 1 }, '0.7': 1, '0.8': 1, '0.9': 1 };
  }

  const lnInverseAlpha = -Math.log(alpha);
  // ASN (Arlo's get_expected_sample_size): the largest over the pairs.
  let asnSize = 0;
  let asnPair: { pw: number; pl: number; sw: number; sl: number } | null = null;
  for (const w of contest.winners) {
    for (const l of contest.losers) {
      const pw = share(w);
      const pl = share(l);
      if (pl === 0) continue; // the loser had no votes: nothing to test
      const { winnerFactor, loserFactor } = pairFactors(contest, w, l);
      const lnT =
        lnPower(winnerFactor, seen[w] as number) + lnPower(loserFactor, seen[l] as number);
      const sw = pw / (pw + pl);
      const zw = Math.log(2 * sw);
      const zl = Math.log(2 - 2 * sw);
      const size = Math.ceil((lnInverseAlpha - lnT + zw / 2) / (pw * zw + pl * zl));
      if (size > asnSize) {
        asnSize = size;
        asnPair = { pw, pl, sw: seen[w] as number, sl: seen[l] as number };
      }
    }
  }
  if (asnSize === 0 || asnPair === null) {
    // The sample already meets the limit for every pair (Arlo raises here).
    return { allBallots: false, asn: { size: 0, prob: null }, '0.7': 0, '0.8': 0, '0.9': 0 };
  }
  const asnProb =
    contest.winners.length === 1
      ? bravoExpectedProb(alpha, asnPair.pw, asnPair.pl, asnPair.sw, asnPair.sl, asnSize)
      : null;

  const sizes = QUANTS.map((quant) => {
    let size = 0;
    for (const w of contest.winners) {
      for (const l of contest.losers) {
        const pl = share(l);
        if (pl === 0) continue;
        const s = bravoOnePairSampleSize(
          alpha,
          share(w),
          pl,
          seen[w] as number,
          seen[l] as number,
          quant,
          ballots,
        );
        if (s > size) size = s;
      }
    }
    return size;
  });
  const [s70, s80, s90] = sizes as [number, number, number];
  if (ballots > LARGE_ELECTION && s90 >= ballots * 0.25) return allBallots();
  return {
    allBallots: false,
    asn: { size: asnSize, prob: asnProb },
    '0.7': s70,
    '0.8': s80,
    '0.9': s90,
  };
}

/** n ln x, with 0 for n = 0 (also when x = 0). */
function lnPower(x: number, n: number): number {
  return n === 0 ? 0 : n * Math.log(x);
}

/** The two-way BRAVO setting of Mark Lindeman's estimates (Arlo's bravo_sample_sizes, expected_prob). */
function twoWay(alpha: number, pw: number, pr: number, sampleW: number, sampleR: number) {
  const pwr = pw + pr;
  const pw2 = pw / pwr;
  const pr2 = 1 - pw2;
  const plus = Math.log(pw2 / 0.5);
  const minus = Math.log(pr2 / 0.5);
  const threshold = Math.log(1 / alpha) - (sampleW * plus + sampleR * minus);
  return { pwr, pw2, pr2, plus, minus, threshold };
}

/**
 * Arlo's bravo_sample_sizes (Mark Lindeman's analytic estimate): the size of
 * the next round that ends the audit with probability pCompletion if the
 * reported shares pw, pr (of all ballots) are right, given sampleW, sampleR
 * votes already seen. 0 when the sample already suffices.
 */
export function bravoOnePairSampleSize(
  alpha: number,
  pw: number,
  pr: number,
  sampleW: number,
  sampleR: number,
  pCompletion: number,
  totalBallots: number,
): number {
  const { pw2, pr2, plus, minus, threshold } = twoWay(alpha, pw, pr, sampleW, sampleR);
  if (threshold <= 0) return 0;
  const z = -normalQuantile(pCompletion);
  // Expected successes at the (1 − pCompletion) quantile, n·pw2 + z√(n·pw2·pr2),
  // equal to the fewest that reach the limit, (threshold − minus·n)/(plus − minus):
  // a quadratic in n.
  const d = pw2 * pr2;
  const f = threshold / (plus - minus);
  const g = minus / (plus - minus) + pw2;
  const qa = g * g;
  const qb = -(z * z * d + 2 * f * g);
  const qc = f * f;
  const radical = Math.sqrt(Math.max(0, qb * qb - 4 * qa * qc));
  let size = Math.floor((pCompletion > 0.5 ? -qb + radical : -qb - radical) / (2 * qa));
  // The estimate is not a guarantee: grow it until the quantile reaches the threshold.
  let testStat = 0;
  const lowerQuantile = 1.0 - pCompletion;
  while (Number.isNaN(testStat) || (testStat < threshold && size < totalBallots)) {
    const xc = binomialQuantile(lowerQuantile, size, pw2);
    testStat = xc * plus + (size - xc) * minus;
    if (Number.isNaN(testStat) || testStat < threshold) size += 1;
  }
  // Then scale for the ballots that are votes for neither: ⌈size ÷ (pw + pr)⌉
  // exactly (Arlo's Decimal sum keeps the binary inputs' bits that a binary64
  // sum would round away, and a quotient near a whole number goes up).
  return ceilDivBySum(size, pw, pr);
}

/** ⌈n ÷ (a + b)⌉ in exact rational arithmetic, for a whole n ≥ 0 and positive finite a, b. */
export function ceilDivBySum(n: number, a: number, b: number): number {
  const fa = exactFraction(a);
  const fb = exactFraction(b);
  const shift = Math.min(fa.exp, fb.exp);
  // a + b = (ma·2^(ea−shift) + mb·2^(eb−shift)) · 2^shift
  const sum = (fa.mant << BigInt(fa.exp - shift)) + (fb.mant << BigInt(fb.exp - shift));
  // n ÷ (sum·2^shift) = n·2^−shift ÷ sum
  let num = BigInt(n);
  let den = sum;
  if (shift < 0) num <<= BigInt(-shift);
  else den <<= BigInt(shift);
  const q = num / den;
  return Number(num % den === 0n ? q : q + 1n);
}

/** A positive finite binary64 as mant × 2^exp exactly. */
function exactFraction(x: number): { mant: bigint; exp: number } {
  const bits = new BigUint64Array(new Float64Array([x]).buffer)[0] as bigint;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0
    ? { mant: fraction, exp: -1074 }
    : { mant: fraction | (1n << 52n), exp: biased - 1075 };
}

/**
 * Arlo's expected_prob: the chance that a round of `asn` ballots ends the
 * audit, by the same normal approximation, rounded to two decimals.
 */
export function bravoExpectedProb(
  alpha: number,
  pw: number,
  pr: number,
  sampleW: number,
  sampleR: number,
  asn: number,
): number {
  const { pwr, pw2, pr2, plus, minus, threshold } = twoWay(alpha, pw, pr, sampleW, sampleR);
  if (threshold <= 0) return 0;
  const n = asn * pwr;
  const rx = (threshold - minus * n) / (plus - minus);
  const z = (rx - n * pw2) / Math.sqrt(n * pw2 * pr2);
  return roundHalfEven2(normalCdf(-z));
}

/** Python's round(x, 2): the binary value rounded to two decimals, exact ties to even. */
export function roundHalfEven2(x: number): number {
  const up = Number(x.toFixed(2)); // toFixed rounds exact ties away from zero
  const eighths = x * 8; // exact: a tie at two decimals is an odd multiple of 1/8
  if (Number.isInteger(eighths) && eighths % 2 !== 0) {
    const down = Math.round((up - 0.01) * 100) / 100;
    return Math.round(up * 100) % 2 === 0 ? up : down;
  }
  return up;
}

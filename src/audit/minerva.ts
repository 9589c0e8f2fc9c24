// Minerva ballot-polling audits (Zagórski, McClearn, Morin, Ottoboni, Vora,
// "Minerva – an efficient risk-limiting ballot polling audit", 2021) as Arlo
// runs them through athena v0.8.3 (server/audit_math/minerva.py). For each
// reported winner–loser pair, only the ballots for one of the two count. With
// n relevant ballots after a round and k of them for the winner, the pair's
// risk is the ratio of two tail probabilities, P(K ≥ k) if the pair were tied
// over P(K ≥ k) if the reported shares were right, where K is the winner's
// count in a sequential audit that would have stopped at an earlier round's
// kmin (the distributions are truncated there). A pair is confirmed in a round
// when k reaches that round's kmin: the least k whose tied tail is at most α
// times its reported-shares tail. The audit's risk is the largest risk of the
// pairs not yet confirmed before the last round.
//
// The risk is an official figure, so it uses IEEE-754 binary64 + − × ÷ only,
// in the order docs/FORMATS.md §15 gives (athena takes binomial probabilities
// from scipy, whose last bits no other language reproduces; these agree with
// athena's within 1e-9 relative). Sample sizes are estimates (athena's search
// for the first round, Arlo's growth rule after it).
import { normalQuantile } from './distributions.js';
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

export interface MinervaOptions {
  /** Reported winners (default 1). */
  numWinners?: number;
  /** Per round: sampled ballots not found, each a vote for every loser (Arlo's rule). */
  notFound?: readonly number[];
}

export interface MinervaRisk {
  /** The audit's risk after the last round: min(1, the largest pair risk still in play). */
  pValue: number;
  /** Risk per pair still in play in the last round, keyed `${winner}>${loser}`. */
  pairs: Record<string, number>;
  met: boolean;
}

/**
 * The Minerva risk after the rounds so far. `sampleRounds[r]` holds the votes
 * per candidate among round r's NEW ballots, `roundSizes[r]` how many ballots
 * round r drew (the rest were blank, invalid or not found).
 */
export function minervaRisk(
  reported: PollingTally,
  sampleRounds: readonly PollingTally[],
  roundSizes: readonly number[],
  riskLimitPercent: number,
  options: MinervaOptions = {},
): MinervaRisk {
  const alpha = riskLimitFraction(riskLimitPercent);
  const contest = pollingContest(reported, options.numWinners ?? 1);
  const rounds = roundTallies(contest, sampleRounds, roundSizes, options.notFound);

  const pairs: Record<string, number> = {};
  let pValue = 0;
  let inPlay = 0;
  for (const w of contest.winners) {
    for (const l of contest.losers) {
      const risk = pairRisk(contest, w, l, rounds, alpha);
      if (risk === null) continue; // confirmed in an earlier round
      inPlay++;
      pairs[`${w}>${l}`] = risk;
      if (risk > pValue) pValue = risk;
    }
  }
  if (inPlay === 0) {
    throw new RangeError(
      'sampleRounds: the audit already met the risk limit before the last round',
    );
  }
  pValue = Math.min(pValue, 1);
  return { pValue, pairs, met: pValue <= alpha };
}

/** Rounds checked and made cumulative-ready: votes per candidate, not-found added to each loser. */
function roundTallies(
  contest: PollingContest,
  sampleRounds: readonly PollingTally[],
  roundSizes: readonly number[],
  notFound: readonly number[] | undefined,
): Record<string, number>[] {
  if (sampleRounds.length === 0) throw new RangeError('sampleRounds: at least one round');
  if (roundSizes.length !== sampleRounds.length) {
    throw new RangeError(
      `roundSizes: one size per round (${sampleRounds.length}), got ${roundSizes.length}`,
    );
  }
  if (notFound !== undefined && notFound.length !== sampleRounds.length) {
    throw new RangeError(
      `notFound: one count per round (${sampleRounds.length}), got ${notFound.length}`,
    );
  }
  return sampleRounds.map((s, r) => {
    const votes = sampleTally(contest, s, `sampleRounds[${r}]`);
    const size = count(roundSizes[r], `roundSizes[${r}]`);
    const missing = notFound === undefined ? 0 : count(notFound[r], `notFound[${r}]`);
    const seen = contest.candidates.reduce((n, c) => n + (votes[c] as number), 0);
    if (seen + missing > size) {
      throw new RangeError(
        `roundSizes[${r}]: ${size} ballots cannot hold ${seen} votes and ${missing} not found`,
      );
    }
    return missing > 0 ? withNotFound(contest, votes, missing, `notFound[${r}]`) : votes;
  });
}

/**
 * p = (1 + m) ÷ 2 with m = (V_w − V_l) ÷ (V_w + V_l): the winner's share of the
 * pair's votes, computed as athena does.
 */
export function pairShare(votesWinner: number, votesLoser: number): number {
  const m = (votesWinner - votesLoser) / (votesWinner + votesLoser);
  return (1 + m) / 2;
}

/** One pair's risk after the last round; null when confirmed in an earlier round. */
function pairRisk(
  contest: PollingContest,
  winner: string,
  loser: string,
  rounds: readonly Record<string, number>[],
  alpha: number,
): number | null {
  const p = pairShare(contest.votes[winner] as number, contest.votes[loser] as number);
  let margin: Float64Array = new Float64Array([1]);
  let tied: Float64Array = new Float64Array([1]);
  let n = 0;
  let k = 0;
  let risk = 1;
  for (let r = 0; r < rounds.length; r++) {
    const round = rounds[r] as Record<string, number>;
    const kw = round[winner] as number;
    const d = kw + (round[loser] as number);
    n += d;
    k += kw;
    margin = convolve(margin, binomialTable(d, p));
    tied = convolve(tied, binomialTable(d, 0.5));
    const tailM = tails(margin);
    const tailT = tails(tied);
    const kmin = minervaKmin(tailM, tailT, n, alpha);
    const tm = tailM[k] as number;
    if (tm > 0) risk = (tailT[k] as number) / tm;
    else risk = kmin > 0 && kmin < k ? 0 : Number.POSITIVE_INFINITY;
    const confirmed = kmin > 0 && kmin <= k;
    if (r === rounds.length - 1) return risk;
    if (confirmed) return null;
    if (kmin > 0) {
      // A sequential audit would have stopped at or above kmin: those paths end here.
      margin.fill(0, kmin);
      tied.fill(0, kmin);
    }
  }
  return risk;
}

/**
 * The least j in [⌊n/2⌋, n] with α × tailM[j] ≥ tailT[j]; 0 when there is none.
 * (The ratio tailT/tailM falls as j grows, so this is athena's bisection result.)
 */
export function minervaKmin(
  tailM: Float64Array,
  tailT: Float64Array,
  n: number,
  alpha: number,
): number {
  for (let j = Math.floor(n / 2); j <= n; j++) {
    if (alpha * (tailM[j] as number) >= (tailT[j] as number)) return j;
  }
  return 0;
}

/**
 * Binomial(d, p) probabilities b_0..b_d with + − × ÷ only: q = 1 − p; start at
 * j0 = min(d, ⌊(d + 1) × p⌋) with weight 1; upward w_j = w_{j−1} × ((d − j + 1) × p)
 * ÷ (j × q); downward w_j = w_{j+1} × ((j + 1) × q) ÷ ((d − j) × p); S = w_0 + … + w_d
 * left to right; b_j = w_j ÷ S.
 */
export function binomialTable(d: number, p: number): Float64Array {
  const q = 1 - p;
  const w = new Float64Array(d + 1);
  const j0 = Math.min(d, Math.floor((d + 1) * p));
  w[j0] = 1;
  for (let j = j0 + 1; j <= d; j++) w[j] = ((w[j - 1] as number) * ((d - j + 1) * p)) / (j * q);
  for (let j = j0 - 1; j >= 0; j--) w[j] = ((w[j + 1] as number) * ((j + 1) * q)) / ((d - j) * p);
  let s = 0;
  for (let j = 0; j <= d; j++) s += w[j] as number;
  for (let j = 0; j <= d; j++) w[j] = (w[j] as number) / s;
  return w;
}

/**
 * c_j = Σ_i a_i × b_{j−i}, each sum taken over ascending i starting from 0.
 * (Row by row over i: every c_j still receives its terms in ascending i. A
 * zero a_i or b_j only adds exact zeros, so those are skipped: the far tails
 * of a large table underflow to 0, which makes big rounds much faster.)
 */
export function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const c = new Float64Array(a.length + b.length - 1);
  let lo = 0;
  let hi = b.length - 1;
  while (lo < hi && b[lo] === 0) lo++;
  while (hi > lo && b[hi] === 0) hi--;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i] as number;
    if (ai === 0) continue;
    for (let j = lo; j <= hi; j++) c[i + j] = (c[i + j] as number) + ai * (b[j] as number);
  }
  return c;
}

/** Upper tails t_j = x_j + t_{j+1}, summed from the top (t_{len} = 0). */
export function tails(x: Float64Array): Float64Array {
  const t = new Float64Array(x.length + 1);
  for (let j = x.length - 1; j >= 0; j--) t[j] = (x[j] as number) + (t[j + 1] as number);
  return t;
}

// ---- sample sizes (estimates) ----

export interface MinervaSampleSizes {
  /** Ballots to draw in the next round for a 70/80/90 % chance that it ends the audit. */
  '0.7': number;
  '0.8': number;
  '0.9': number;
}

const QUANTS = [0.7, 0.8, 0.9] as const;
// athena: below this pair margin, the normal approximation replaces the search.
const APPROXIMATION_THRESHOLD = 0.015;
// Arlo (ARLO_MINERVA_MULTIPLE): round r of a Minerva audit draws first × 1.5^r.
const MINERVA_MULTIPLE = 1.5;

/**
 * Minerva's next round size (Arlo's minerva.get_sample_size). First round:
 * athena's search, for each pair, for the fewest relevant ballots whose
 * chance of confirming the pair in one round exceeds each goal, scaled up by
 * ballots ÷ the pair's votes; the largest over the pairs. Later rounds: Arlo
 * grows the first round's size, ⌊first × 1.5^r⌋ for round r (the same for
 * every goal: Arlo offers only 90 % there).
 */
export function minervaSampleSizes(
  reported: PollingTally,
  roundSizes: readonly number[],
  riskLimitPercent: number,
  options: { numWinners?: number; ballots?: number } = {},
): MinervaSampleSizes {
  const alpha = riskLimitFraction(riskLimitPercent);
  const contest = pollingContest(reported, options.numWinners ?? 1);
  const ballots =
    options.ballots === undefined ? contest.validVotes : count(options.ballots, 'ballots');
  if (ballots < contest.validVotes) {
    throw new RangeError(`ballots: ${ballots} is fewer than the ${contest.validVotes} votes`);
  }
  if (roundSizes.length > 0) {
    const first = count(roundSizes[0], 'roundSizes[0]');
    const next = Math.floor(first * MINERVA_MULTIPLE ** (roundSizes.length + 1));
    return { '0.7': next, '0.8': next, '0.9': next };
  }
  const lowestWinner = Math.min(...contest.winners.map((w) => contest.votes[w] as number));
  const highestLoser = Math.max(...contest.losers.map((l) => contest.votes[l] as number));
  if (lowestWinner === highestLoser) return { '0.7': ballots, '0.8': ballots, '0.9': ballots };

  const sizes = QUANTS.map((quant) => {
    let size = 0;
    for (const w of contest.winners) {
      for (const l of contest.losers) {
        const vw = contest.votes[w] as number;
        const vl = contest.votes[l] as number;
        const relevant = firstRoundSize(pairMargin(vw, vl), alpha, quant);
        size = Math.max(size, Math.ceil(relevant * (ballots / (vw + vl))));
      }
    }
    return size;
  });
  const [s70, s80, s90] = sizes as [number, number, number];
  return { '0.7': s70, '0.8': s80, '0.9': s90 };
}

/** athena's pair margin (2·V_w − (V_w + V_l)) ÷ (V_w + V_l). */
function pairMargin(vw: number, vl: number): number {
  return (vw - vl) / (vw + vl);
}

/**
 * athena's find_next_round_size for a first round: the relevant ballots for a
 * chance above `quant` of confirming the pair (bisection, as athena does it).
 */
export function firstRoundSize(margin: number, alpha: number, quant: number): number {
  if (margin < APPROXIMATION_THRESHOLD) return approximateRoundSize(margin, alpha, quant);
  const p = (1 + margin) / 2;
  let max = 10000;
  while (stoppingProbability(max, p, alpha) < quant) max *= 2;
  let min = 1;
  for (;;) {
    const candidate = Math.floor((max + min) / 2);
    if (max - min <= 1) return max;
    if (stoppingProbability(candidate, p, alpha) <= quant) min = candidate;
    else max = candidate;
  }
}

/** The chance that n relevant ballots reach Minerva's kmin, if the pair's share p is right. */
export function stoppingProbability(n: number, p: number, alpha: number): number {
  const tailM = tails(binomialTable(n, p));
  const tailT = tails(binomialTable(n, 0.5));
  const kmin = minervaKmin(tailM, tailT, n, alpha);
  return kmin > 0 ? (tailM[kmin] as number) : 0;
}

/** athena's round_size_approx: the normal approximation for very small margins. */
function approximateRoundSize(margin: number, alpha: number, quant: number): number {
  const za = -normalQuantile(quant);
  const zb = -normalQuantile(alpha * quant);
  const p = (1 + margin) / 2;
  return Math.ceil(((za * Math.sqrt(p * (1 - p)) - 0.5 * zb) / (p - 0.5)) ** 2);
}

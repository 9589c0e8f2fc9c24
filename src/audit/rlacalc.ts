// Ballot-level comparison audits: the Kaplan–Markov minimum sample size of
// Stark's "gentle introduction" (2012), as rlacalc's nmin computes it. kura
// audits batches, not ballots; this sizes what a ballot comparison would need,
// for comparison. An estimate (Math.log), not part of any checked risk.

export interface BallotComparisonInput {
  /** Risk limit as a fraction, 0 < alpha < 1. */
  alpha: number;
  /** Diluted margin: (winner − runner-up) ÷ ballots, 0 < margin ≤ 1. */
  margin: number;
  /** Ballots seen so far whose paper overstated the margin by 1 vote, by 2; understated it by 1, by 2. */
  o1?: number;
  o2?: number;
  u1?: number;
  u2?: number;
  /** Error inflation factor, > 1 (Stark's default 1.03905). */
  gamma?: number;
}

/** The default error inflation factor. */
export const DEFAULT_GAMMA = 1.03905;

/**
 * n = max(o1+o2+u1+u2, ⌈−2γ·(ln α + o1·ln(1 − 1/(2γ)) + o2·ln(1 − 1/γ)
 *                         + u1·ln(1 + 1/(2γ)) + u2·ln(1 + 1/γ)) ÷ margin⌉).
 */
export function ballotComparisonSampleSize(input: BallotComparisonInput): number {
  const { alpha, margin, o1 = 0, o2 = 0, u1 = 0, u2 = 0, gamma = DEFAULT_GAMMA } = input;
  if (!(alpha > 0 && alpha < 1))
    throw new RangeError(`alpha: must be above 0 and below 1, got ${alpha}`);
  if (!(margin > 0 && margin <= 1))
    throw new RangeError(`margin: must be above 0 and at most 1, got ${margin}`);
  if (!(gamma > 1) || gamma === Infinity)
    throw new RangeError(`gamma: must be a finite number above 1, got ${gamma}`);
  for (const [name, n] of Object.entries({ o1, o2, u1, u2 })) {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new RangeError(`${name}: must be a whole number ≥ 0, got ${n}`);
  }
  const logTerms =
    Math.log(alpha) +
    o1 * Math.log(1 - 1 / (2 * gamma)) +
    o2 * Math.log(1 - 1 / gamma) +
    u1 * Math.log(1 + 1 / (2 * gamma)) +
    u2 * Math.log(1 + 1 / gamma);
  return Math.max(o1 + o2 + u1 + u2, Math.ceil((-2 * gamma * logTerms) / margin));
}

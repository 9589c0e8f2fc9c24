// A ballot-polling contest as the BRAVO and Minerva math see it: the reported
// votes per candidate, split into reported winners and losers exactly as Arlo
// splits them (most votes first, ties kept in the given order), and the sample
// tallies those tests read. Bad input is a RangeError naming the field: these
// functions are pure math, their callers turn the message into a 4xx refusal.

/** Votes per candidate (reported totals, or what sampled ballots showed). */
export interface PollingTally {
  readonly [candidate: string]: number;
}

export interface PollingContest {
  /** Candidates in the reported tally's key order. */
  readonly candidates: readonly string[];
  readonly votes: PollingTally;
  /** Reported winners, most votes first (ties in tally order). */
  readonly winners: readonly string[];
  /** Everyone else, most votes first (ties in tally order). */
  readonly losers: readonly string[];
  /** Sum of the reported votes. */
  readonly validVotes: number;
}

/** Splits a reported tally into winners and losers (Arlo's sampler_contest rule). */
export function pollingContest(reported: PollingTally, numWinners: number): PollingContest {
  const candidates = Object.keys(reported);
  if (candidates.length === 0) throw new RangeError('reported: no candidates');
  for (const c of candidates) count(reported[c], `reported.${c}`);
  if (!Number.isSafeInteger(numWinners) || numWinners < 1 || numWinners >= candidates.length) {
    throw new RangeError(
      `numWinners: must be an integer from 1 to ${candidates.length - 1} (one fewer than the candidates), got ${numWinners}`,
    );
  }
  // Array.prototype.sort is stable: equal totals keep the tally's order.
  const ranked = [...candidates].sort((a, b) => (reported[b] as number) - (reported[a] as number));
  const validVotes = candidates.reduce((s, c) => s + (reported[c] as number), 0);
  if (!Number.isSafeInteger(validVotes)) throw new RangeError('reported: the total is too large');
  const lastWinner = ranked[numWinners - 1] as string;
  if (reported[lastWinner] === 0) {
    throw new RangeError(`reported.${lastWinner}: a reported winner needs at least one vote`);
  }
  return {
    candidates,
    votes: reported,
    winners: ranked.slice(0, numWinners),
    losers: ranked.slice(numWinners),
    validVotes,
  };
}

/**
 * A sample tally checked against the contest: every key a candidate, every
 * count a non-negative integer; absent candidates count 0.
 */
export function sampleTally(contest: PollingContest, sample: PollingTally, field: string) {
  const out: Record<string, number> = {};
  for (const c of contest.candidates) out[c] = 0;
  for (const [c, n] of Object.entries(sample)) {
    if (!(c in out)) throw new RangeError(`${field}.${c}: not a candidate of the contest`);
    out[c] = count(n, `${field}.${c}`);
  }
  return out;
}

/**
 * Arlo's rule for sampled ballots that cannot be found: each one counts as a
 * vote for every loser (the worst case for the reported outcome).
 */
export function withNotFound(
  contest: PollingContest,
  sample: Readonly<Record<string, number>>,
  notFound: number,
  field: string,
): Record<string, number> {
  count(notFound, field);
  const out = { ...sample };
  for (const l of contest.losers) out[l] = (out[l] as number) + notFound;
  return out;
}

/** The risk limit as a fraction: riskLimitPercent ÷ 100, for a whole percent 1..99. */
export function riskLimitFraction(riskLimitPercent: number): number {
  if (!Number.isSafeInteger(riskLimitPercent) || riskLimitPercent < 1 || riskLimitPercent > 99) {
    throw new RangeError(
      `riskLimitPercent: must be a whole percent from 1 to 99, got ${riskLimitPercent}`,
    );
  }
  return riskLimitPercent / 100;
}

export function count(n: unknown, field: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${field}: must be a non-negative integer, got ${String(n)}`);
  }
  return n;
}

// Linear assertions: the claims a batch-comparison audit checks. Each reported
// outcome is a set of claims "Σ_c coefficient[c]·votes[c] > 0 over the
// batches it covers" (SHANGRLA's assertions written as integer vote
// combinations, the form MACRO needs). A plurality winner w beats a loser l:
// w − l > 0. A winner has more than num/den of the valid votes:
// (den − num)·w − num·(everyone else) > 0. The batch-comparison math
// (macro.ts) measures how far each batch's paper could move each sum.

/** One assertion: Σ_c coef[c]·votes[c] > 0 over the audited batches; every single ballot adds at least minPerBallot (< 0). */
export interface LinearAssertion {
  /** Names the claim, e.g. "ruto>odinga" or "ruto≥1/4:022". */
  id: string;
  /** Candidate → integer coefficient; a candidate absent here (and a rejected ballot) adds 0. */
  coefficients: Readonly<Record<string, number>>;
  /** The least one ballot can add to the sum (a negative integer): its worst case, the bound on a batch's overstatement. */
  minPerBallot: number;
  /** The batches it covers; null: every batch. */
  batches: ReadonlySet<string> | null;
}

/** One batch's figures. `ballots` = valid votes + rejected ballots (every ballot, each of which could be misread). */
export interface BatchTally {
  votes: Readonly<Record<string, number>>;
  ballots: number;
}

/** Σ_c coef[c]·votes[c] for one batch, candidates in the coefficients' own order. */
export function assertionSum(a: LinearAssertion, votes: Readonly<Record<string, number>>): number {
  let sum = 0;
  for (const candidate in a.coefficients) {
    const v = votes[candidate];
    if (v !== undefined) sum += (a.coefficients[candidate] as number) * v;
  }
  return sum;
}

/** V_a: the assertion's reported sum over the batches it covers (its margin in votes). */
export function assertionMargin(
  a: LinearAssertion,
  reported: ReadonlyMap<string, BatchTally>,
): number {
  let margin = 0;
  if (a.batches === null) {
    for (const tally of reported.values()) margin += assertionSum(a, tally.votes);
  } else {
    for (const batch of a.batches) {
      const tally = reported.get(batch);
      if (tally) margin += assertionSum(a, tally.votes);
    }
  }
  return margin;
}

/** Throws a RangeError naming the field when an assertion cannot be audited as written. */
export function checkAssertion(a: LinearAssertion): void {
  if (typeof a.id !== 'string' || a.id === '')
    throw new RangeError('assertion id: must be a non-empty string');
  for (const [candidate, c] of Object.entries(a.coefficients)) {
    if (!Number.isSafeInteger(c)) {
      throw new RangeError(
        `assertion ${a.id}: coefficient of ${candidate} must be an integer, got ${c}`,
      );
    }
  }
  if (!Number.isSafeInteger(a.minPerBallot) || a.minPerBallot >= 0) {
    throw new RangeError(
      `assertion ${a.id}: minPerBallot must be a negative integer, got ${a.minPerBallot}`,
    );
  }
  for (const c of Object.values(a.coefficients)) {
    if (c < a.minPerBallot) {
      throw new RangeError(
        `assertion ${a.id}: minPerBallot ${a.minPerBallot} is above coefficient ${c}: one ballot can add less`,
      );
    }
  }
}

/**
 * Arlo's plurality assertions: the candidates sorted by reported votes, most
 * first (ties keep the order of `totals`); the first numWinners win; one
 * assertion "w>l" (w − l > 0, minPerBallot −1) per winner–loser pair, winners
 * outer, losers inner, over every batch.
 */
export function pluralityAssertions(
  totals: Readonly<Record<string, number>>,
  numWinners: number,
): LinearAssertion[] {
  if (!Number.isSafeInteger(numWinners) || numWinners < 1) {
    throw new RangeError(`numWinners: must be a positive integer, got ${numWinners}`);
  }
  const ranked = Object.entries(totals).sort((x, y) => y[1] - x[1]);
  const winners = ranked.slice(0, numWinners).map(([c]) => c);
  const losers = ranked.slice(numWinners).map(([c]) => c);
  const out: LinearAssertion[] = [];
  for (const w of winners) {
    for (const l of losers) {
      out.push({
        id: `${w}>${l}`,
        coefficients: { [w]: 1, [l]: -1 },
        minPerBallot: -1,
        batches: null,
      });
    }
  }
  return out;
}

/**
 * The winner has more than num/den of the valid votes cast for `candidates`
 * in the covered batches: (den − num)·winner − num·(each other candidate) > 0.
 * One ballot adds at least −num (a vote for another candidate).
 */
export function shareAssertion(
  id: string,
  winner: string,
  candidates: readonly string[],
  share: { num: number; den: number },
  batches: ReadonlySet<string> | null,
): LinearAssertion {
  const { num, den } = share;
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || num < 1 || den <= num) {
    throw new RangeError(`share: must be num/den with integers 0 < num < den, got ${num}/${den}`);
  }
  if (!candidates.includes(winner))
    throw new RangeError(`winner: ${winner} is not among the candidates`);
  const coefficients: Record<string, number> = {};
  for (const c of candidates) coefficients[c] = c === winner ? den - num : -num;
  return { id, coefficients, minPerBallot: -num, batches };
}

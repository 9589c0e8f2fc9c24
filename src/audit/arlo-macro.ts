// Arlo's batch-comparison entry points, on kura's MACRO math: a plurality
// contest (numWinners, votesAllowed) whose margins Arlo takes from the
// contest's reported totals, less the pending ballots (not yet tallied) and
// the unauditable ones (in the totals but in no batch), all assumed to be
// votes for the loser. kura's own audits build their assertions directly; these
// wrappers exist so that Arlo's published cases run unchanged against our code.
import { type BatchTally, pluralityAssertions } from './assertions.js';
import {
  cleanDrawsNeeded,
  type MacroContext,
  macroContext,
  macroRisk,
  type PaperTally,
} from './macro.js';

export interface ArloContest {
  name: string;
  /** Candidate → reported total. */
  candidates: Readonly<Record<string, number>>;
  numWinners: number;
  votesAllowed: number;
  /** Ballots cast but not yet tallied. */
  pendingBallots?: number;
}

/** Batch → contest name → reported tally (a batch lacks the contests it does not hold). */
export type ArloBatches = ReadonlyMap<string, Readonly<Record<string, BatchTally>>>;

/** Batch → contest name → the paper's votes, for the sampled batches. */
export type ArloSampleResults = ReadonlyMap<string, Readonly<Record<string, PaperTally>>>;

/** ⌈(contest votes − votes in its batches) ÷ votesAllowed⌉: ballots in the totals that no batch holds. */
export function arloUnauditableBallots(contest: ArloContest, batches: ArloBatches): number {
  let inBatches = 0;
  for (const results of batches.values()) {
    const tally = results[contest.name];
    if (!tally) continue;
    for (const c of Object.keys(contest.candidates)) inBatches += tally.votes[c] ?? 0;
  }
  let inTotals = 0;
  for (const v of Object.values(contest.candidates)) inTotals += v;
  return Math.ceil((inTotals - inBatches) / contest.votesAllowed);
}

/** The contest's MACRO context: its plurality assertions over the batches that hold it, Arlo's margins. */
export function arloMacroContext(contest: ArloContest, batches: ArloBatches): MacroContext {
  if (!Number.isSafeInteger(contest.votesAllowed) || contest.votesAllowed < 1) {
    throw new RangeError(`votesAllowed: must be a positive integer, got ${contest.votesAllowed}`);
  }
  const reported = new Map<string, BatchTally>();
  for (const [batch, results] of batches) {
    const tally = results[contest.name];
    if (tally) reported.set(batch, tally);
  }
  const assertions = pluralityAssertions(contest.candidates, contest.numWinners);
  const unauditable = arloUnauditableBallots(contest, batches);
  const pending = contest.pendingBallots ?? 0;
  const margins = new Map<string, number>();
  for (const a of assertions) {
    let won = 0; // winner − loser, read from the assertion's ±1 coefficients
    for (const [c, k] of Object.entries(a.coefficients))
      won += k * (contest.candidates[c] as number);
    margins.set(a.id, won - pending - unauditable);
  }
  return macroContext(assertions, reported, { margins });
}

function contestDraws(
  contest: ArloContest,
  draws: readonly string[],
  results: ArloSampleResults,
): { draws: string[]; paper: Map<string, PaperTally> } {
  const paper = new Map<string, PaperTally>();
  const held: string[] = [];
  for (const batch of draws) {
    const found = results.get(batch)?.[contest.name];
    if (found === undefined) continue; // Arlo skips a drawn batch without this contest
    paper.set(batch, found);
    held.push(batch);
  }
  return { draws: held, paper };
}

/**
 * Arlo's compute_risk: risk 0 once every batch has been counted; otherwise
 * macroRisk over the draws of batches holding the contest. `met`: risk ≤ alpha.
 */
export function arloMacroRisk(
  contest: ArloContest,
  riskLimitPercent: number,
  batches: ArloBatches,
  draws: readonly string[],
  results: ArloSampleResults,
): { risk: number; met: boolean } {
  if (results.size === batches.size) return { risk: 0, met: true };
  const ctx = arloMacroContext(contest, batches);
  const { draws: held, paper } = contestDraws(contest, draws, results);
  const risk = macroRisk(ctx, held, paper);
  return { risk, met: risk <= riskLimitPercent / 100 };
}

/**
 * Arlo's get_sample_sizes: 0 when the limit is met; the number of batches
 * when a margin is 0 or less; else ⌈(ln alpha − ln risk)/ln(1 − 1/U)⌉ + 1,
 * at most the number of batches.
 */
export function arloMacroSampleSize(
  contest: ArloContest,
  riskLimitPercent: number,
  batches: ArloBatches,
  draws: readonly string[],
  results: ArloSampleResults,
): number {
  if (results.size === batches.size)
    throw new RangeError('results: all batches have already been counted');
  const ctx = arloMacroContext(contest, batches);
  if (ctx.errorBound === Infinity) return batches.size;
  const { risk, met } = arloMacroRisk(contest, riskLimitPercent, batches, draws, results);
  if (met) return 0;
  return Math.min(cleanDrawsNeeded(ctx.errorBound, risk, riskLimitPercent / 100) + 1, batches.size);
}

// Batch comparison (MACRO, Stark 2009, as Arlo's macro.py runs it), over any
// set of linear assertions. Each batch p has an error bound u_p: the most its
// paper could overstate any assertion, relative to that assertion's margin.
// Batches are drawn with probability u_p/U (U = Σ u_p); each drawn batch's
// paper gives its overstatement e_p; the Kaplan–Markov risk is
// Π (1 − 1/U)/(1 − e_p/u_p) over the draws.
//
// THE ARITHMETIC, so that any implementation reproduces the risk bit for bit.
// Every value is an IEEE-754 binary64; each + − × ÷ rounds to nearest, ties to
// even; no other operation is used. Vote figures and coefficients are
// integers, so every sum and product of them below is exact (they stay far
// under 2^53).
//   d_a(p)   = Σ_c coef_a[c]·votes_p[c]                                (exact)
//   V_a      = Σ over the batches a covers of d_a(p)                   (exact)
//              (or a margin given by the caller: Arlo's contest margin)
//   u_p      = max over the assertions a covering p of
//              (d_a(p) − ballots_p·minPerBallot_a) ÷ V_a               (one ÷ each)
//              (+∞ when some covering V_a ≤ 0; 0 when none covers p)
//   U        = ((0 + u_1) + u_2) + … + u_n, batches in the order of the
//              reported map, left to right
//   e_p      = max(0, max over a covering p of (d_a(p) − d_a(paper)) ÷ V_a)
//              (one ÷ each; the paper's ballots figure is not used;
//              a paper not found: e_p = u_p)
//   f        = 1 − (1 ÷ U)                                             (once)
//   risk     : p ← 1; for each draw, in draw order, repeats included:
//                if u_p = 0: skip the draw when e_p = 0, else the risk is 1;
//                t ← e_p ÷ u_p; if t ≥ 1 the risk is 1;
//                p ← p × (f ÷ (1 − t))
//              risk = min(p, 1)
//   (U = +∞ ⇒ risk 1; U = 0, nothing any paper could overturn ⇒ risk 0)
// The maxima and the clamp at 0 are exact (no rounding), so only the order of
// U's sum and of the draws' products matters. An understatement (paper better
// for the assertion than reported) counts as e_p = 0, as in Arlo: it never
// lowers the risk below a matching paper's. A taint above 1 (the paper holds
// more votes than the reported ballots allow) makes the risk 1, where Arlo's
// product would turn negative.
import {
  assertionSum,
  type BatchTally,
  checkAssertion,
  type LinearAssertion,
} from './assertions.js';

/** A paper as the audit board read it, or the paper was not found (counted as the worst case). */
export type PaperTally = BatchTally | 'not-found';

/** What one batch contributes: the assertions covering it and its reported sums, computed once. */
interface BatchBound {
  /** Indexes into the context's assertions. */
  assertions: number[];
  /** d_a(p) for each of them, same order. */
  reportedSums: number[];
  /** u_p. */
  bound: number;
}

export interface MacroContext {
  assertions: readonly LinearAssertion[];
  reported: ReadonlyMap<string, BatchTally>;
  /** V_a by assertion id. */
  margins: ReadonlyMap<string, number>;
  /** U. */
  errorBound: number;
  /** u_p by batch, in the reported map's order (the weights of the draw). */
  bounds: ReadonlyMap<string, number>;
  /** Per batch: what overstatement() needs. */
  readonly perBatch: ReadonlyMap<string, BatchBound>;
}

export interface MacroContextOptions {
  /**
   * V_a by assertion id, instead of the sums over the reported batches (Arlo
   * takes the margins from the contest totals, less pending and unauditable
   * ballots).
   */
  margins?: ReadonlyMap<string, number>;
}

/** Throws a RangeError naming the batch and field when a tally is not a set of finite counts ≥ 0. */
function checkTally(what: 'batch' | 'paper of batch', batch: string, t: BatchTally): void {
  if (!(t.ballots >= 0) || t.ballots === Infinity) {
    throw new RangeError(`${what} ${batch}: ballots must be a finite number ≥ 0, got ${t.ballots}`);
  }
  for (const c in t.votes) {
    const v = t.votes[c] as number;
    if (!(v >= 0) || v === Infinity) {
      throw new RangeError(
        `${what} ${batch}: votes for ${c} must be a finite number ≥ 0, got ${v}`,
      );
    }
  }
}

/** Precomputes every batch's bound u_p and U: O(batches × assertions covering each). */
export function macroContext(
  assertions: readonly LinearAssertion[],
  reported: ReadonlyMap<string, BatchTally>,
  options: MacroContextOptions = {},
): MacroContext {
  const ids = new Set<string>();
  for (const a of assertions) {
    checkAssertion(a);
    if (ids.has(a.id)) throw new RangeError(`assertion ${a.id}: the id is used twice`);
    ids.add(a.id);
  }
  // Which assertions cover each batch: those over every batch, then those naming it.
  const overAll: number[] = [];
  const naming = new Map<string, number[]>();
  assertions.forEach((a, i) => {
    if (a.batches === null) {
      overAll.push(i);
      return;
    }
    for (const batch of a.batches) {
      if (!reported.has(batch)) {
        throw new RangeError(
          `assertion ${a.id}: covers batch ${batch}, which has no reported tally`,
        );
      }
      const list = naming.get(batch);
      if (list) list.push(i);
      else naming.set(batch, [i]);
    }
  });
  // Each assertion's terms as parallel arrays, read once per batch it covers.
  const candidatesOf = assertions.map((a) => Object.keys(a.coefficients));
  const coefficientsOf = assertions.map((a, i) =>
    (candidatesOf[i] as string[]).map((c) => a.coefficients[c] as number),
  );
  const sums = new Float64Array(assertions.length);
  const perBatch = new Map<string, BatchBound>();
  for (const [batch, tally] of reported) {
    checkTally('batch', batch, tally);
    const more = naming.get(batch);
    const covering = more ? overAll.concat(more) : overAll;
    const reportedSums = new Array<number>(covering.length);
    for (let k = 0; k < covering.length; k++) {
      const i = covering[k] as number;
      const candidates = candidatesOf[i] as string[];
      const coefficients = coefficientsOf[i] as number[];
      let d = 0;
      for (let j = 0; j < candidates.length; j++) {
        const v = tally.votes[candidates[j] as string];
        if (v !== undefined) d += (coefficients[j] as number) * v;
      }
      reportedSums[k] = d;
      sums[i] = (sums[i] as number) + d;
    }
    perBatch.set(batch, { assertions: covering, reportedSums, bound: 0 });
  }
  const margins = new Map<string, number>();
  assertions.forEach((a, i) => {
    const given = options.margins?.get(a.id);
    if (options.margins && given === undefined)
      throw new RangeError(`margins: no margin for assertion ${a.id}`);
    if (given !== undefined && !Number.isFinite(given)) {
      throw new RangeError(`margins: the margin of ${a.id} must be finite, got ${given}`);
    }
    margins.set(a.id, given ?? (sums[i] as number));
  });
  const marginOf = assertions.map((a) => margins.get(a.id) as number);
  const bounds = new Map<string, number>();
  let errorBound = 0;
  for (const [batch, info] of perBatch) {
    const ballots = (reported.get(batch) as BatchTally).ballots;
    let bound = 0;
    for (let k = 0; k < info.assertions.length; k++) {
      const i = info.assertions[k] as number;
      const a = assertions[i] as LinearAssertion;
      const v = marginOf[i] as number;
      const u =
        v > 0 ? ((info.reportedSums[k] as number) - ballots * a.minPerBallot) / v : Infinity;
      if (u > bound) bound = u;
    }
    info.bound = bound;
    bounds.set(batch, bound);
    errorBound += bound;
  }
  if (errorBound > 0 && errorBound <= 1) {
    throw new RangeError(
      `margins: the total error bound U = ${errorBound} is at most 1: the margins exceed what the batches can hold`,
    );
  }
  return { assertions, reported, margins, errorBound, bounds, perBatch };
}

function batchOf(ctx: MacroContext, batch: string): BatchBound {
  const info = ctx.perBatch.get(batch);
  if (!info) throw new RangeError(`batch ${batch}: not among the reported batches`);
  return info;
}

/** u_p = max_a (d_a(p) − ballots·minPerBallot)/V_a over the assertions covering p (0 if none). */
export function maxOverstatement(ctx: MacroContext, batch: string): number {
  return batchOf(ctx, batch).bound;
}

/** e_p = max(0, max_a (d_a(reported) − d_a(paper))/V_a); a paper not found counts as u_p. */
export function overstatement(ctx: MacroContext, batch: string, paper: PaperTally): number {
  const info = batchOf(ctx, batch);
  if (paper === 'not-found') return info.bound;
  checkTally('paper of batch', batch, paper);
  let worst = 0;
  for (let k = 0; k < info.assertions.length; k++) {
    const i = info.assertions[k] as number;
    const a = ctx.assertions[i] as LinearAssertion;
    const v = ctx.margins.get(a.id) as number;
    const error = (info.reportedSums[k] as number) - assertionSum(a, paper.votes);
    if (error <= 0) continue;
    const e = v > 0 ? error / v : Infinity;
    if (e > worst) worst = e;
  }
  return worst;
}

/** U = Σ u_p, summed in the reported map's order. */
export function totalErrorBound(ctx: MacroContext): number {
  return ctx.errorBound;
}

/**
 * Arlo's compute_risk: p = Π over the draws (in draw order, repeats included)
 * of (1 − 1/U)/(1 − e_p/u_p), capped at 1; a draw whose taint e_p/u_p reaches
 * 1 (a paper not found, or as bad as it can be) makes the risk 1. Every drawn
 * batch needs its paper.
 */
export function macroRisk(
  ctx: MacroContext,
  draws: readonly string[],
  paper: ReadonlyMap<string, PaperTally>,
): number {
  const U = ctx.errorBound;
  if (U === Infinity) return 1;
  if (U === 0) return 0;
  const factor = 1 - 1 / U;
  let p = 1;
  for (const batch of draws) {
    const found = paper.get(batch);
    if (found === undefined) throw new RangeError(`paper: no paper for drawn batch ${batch}`);
    const u = maxOverstatement(ctx, batch);
    const e = overstatement(ctx, batch, found);
    if (u === 0) {
      if (e === 0) continue;
      return 1;
    }
    const taint = e / u;
    if (taint >= 1) return 1;
    p = p * (factor / (1 - taint));
  }
  return Math.min(p, 1);
}

/** The rule for stopping: risk ≤ riskLimitPercent ÷ 100 (one binary64 division). */
export function riskLimitMet(risk: number, riskLimitPercent: number): boolean {
  return risk <= riskLimitPercent / 100;
}

function checkRiskLimit(riskLimitPercent: number): void {
  if (!Number.isFinite(riskLimitPercent) || riskLimitPercent <= 0 || riskLimitPercent >= 100) {
    throw new RangeError(
      `riskLimitPercent: must be above 0 and below 100, got ${riskLimitPercent}`,
    );
  }
}

/**
 * Draws needed, from `risk`, for the risk to reach alpha when no further
 * paper differs: the least n with risk·(1 − 1/U)^n ≤ alpha. An estimate
 * (Math.log), not part of the checked arithmetic.
 */
export function cleanDrawsNeeded(errorBound: number, risk: number, alpha: number): number {
  if (risk <= alpha) return 0;
  if (!(errorBound > 1) || errorBound === Infinity) return Infinity;
  return Math.ceil((Math.log(alpha) - Math.log(risk)) / Math.log1p(-1 / errorBound));
}

/**
 * Arlo's sample-size estimate: how many more draws should bring the risk to
 * ≤ alpha, assuming no further discrepancy, plus 1 for small ones; 0 when the
 * limit is met; never more than the number of batches (a full count).
 */
export function macroSampleSize(
  ctx: MacroContext,
  riskLimitPercent: number,
  draws: readonly string[],
  paper: ReadonlyMap<string, PaperTally>,
): number {
  checkRiskLimit(riskLimitPercent);
  const all = ctx.reported.size;
  const U = ctx.errorBound;
  if (U === Infinity) return all;
  const risk = macroRisk(ctx, draws, paper);
  const alpha = riskLimitPercent / 100;
  if (risk <= alpha) return 0;
  return Math.min(cleanDrawsNeeded(U, risk, alpha) + 1, all);
}

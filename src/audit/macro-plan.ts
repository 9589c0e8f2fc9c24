// Planning a batch-comparison audit: how many draws (and distinct batches) it
// should take to reach a risk limit, given what the papers would show. These
// are estimates for tables and round sizes, not checked risks: the simulation
// uses its own fast seeded generator (not kura-ppeb-v1) and Math.log is
// allowed. Deterministic for a given seed, so a table printed from it is
// reproducible.
import { sha256 } from '@noble/hashes/sha2.js';
import { type MacroContext, maxOverstatement, overstatement, type PaperTally } from './macro.js';

/**
 * Each batch's taint e_p/u_p (in the reported map's order) if its paper were
 * `paper.get(batch)`; a batch without an entry matches its report (taint 0);
 * a paper not found has taint 1.
 */
export function batchTaints(
  ctx: MacroContext,
  paper: ReadonlyMap<string, PaperTally>,
): Float64Array {
  const out = new Float64Array(ctx.reported.size);
  let i = 0;
  for (const batch of ctx.reported.keys()) {
    const found = paper.get(batch);
    const u = maxOverstatement(ctx, batch);
    if (found !== undefined && u > 0) out[i] = overstatement(ctx, batch, found) / u;
    i++;
  }
  return out;
}

/** One share of the draws: a fraction of the total error bound U lies in batches whose paper has this taint. */
export interface TaintShare {
  /** Probability that a draw lands on such a batch (their Σ u_p ÷ U), 0..1. */
  share: number;
  /** Their taint e_p/u_p, below 1. */
  taint: number;
}

/**
 * Draws expected to reach the limit when each draw's taint follows `mix`
 * (the rest of the draws taint 0): the least n with n·drift ≤ ln alpha, drift
 * = ln(1 − 1/U) − Σ share·ln(1 − taint), the mean change of ln(risk) per draw.
 * Infinity when the drift is not negative (the audit would go to a full count).
 */
export function expectedMacroDraws(
  errorBound: number,
  riskLimitPercent: number,
  mix: readonly TaintShare[],
): number {
  checkPlanInputs(errorBound, riskLimitPercent);
  let total = 0;
  let drift = Math.log1p(-1 / errorBound);
  for (const [k, { share, taint }] of mix.entries()) {
    if (!(share >= 0 && share <= 1))
      throw new RangeError(`mix[${k}].share: must be in 0..1, got ${share}`);
    if (!(taint < 1) || Number.isNaN(taint))
      throw new RangeError(`mix[${k}].taint: must be below 1, got ${taint}`);
    total += share;
    drift -= share * Math.log1p(-taint);
  }
  if (total > 1 + 1e-9) throw new RangeError(`mix: the shares add up to ${total}, more than 1`);
  if (drift >= 0) return Infinity;
  return Math.ceil(Math.log(riskLimitPercent / 100) / drift);
}

function checkPlanInputs(errorBound: number, riskLimitPercent: number): void {
  if (!(errorBound > 1) || errorBound === Infinity) {
    throw new RangeError(`errorBound: must be a finite number above 1, got ${errorBound}`);
  }
  if (!(riskLimitPercent > 0 && riskLimitPercent < 100)) {
    throw new RangeError(
      `riskLimitPercent: must be above 0 and below 100, got ${riskLimitPercent}`,
    );
  }
}

export interface SimulationOptions {
  riskLimitPercent: number;
  /** Simulated audits. */
  trials: number;
  /** Any string; the same seed gives the same result. */
  seed: string;
  /** Stop a trial after this many draws (default: the number of batches: by then a full count is cheaper). */
  maxDraws?: number;
}

export interface SimulatedAudit {
  /** Draws to reach the limit, or Infinity when it was not reached within maxDraws. */
  draws: number;
  /** Distinct batches among those draws (the paper forms to find): the batches drawn so far when it stopped. */
  batches: number;
}

export interface SimulationResult {
  /** One per trial, sorted by draws (then batches). */
  trials: SimulatedAudit[];
  /** The smallest number of draws that finished at least fraction q of the trials (Infinity if fewer finished). */
  drawsQuantile(q: number): number;
  /** Likewise for distinct batches (the stations to check); counting batches examined by unfinished trials as all. */
  batchesQuantile(q: number): number;
}

/**
 * Simulated audits: draws with probability weight_p/Σweight (PPEB when the
 * weights are the u_p), the risk multiplied per draw by (1 − 1/U)/(1 − t_p)
 * as macroRisk does, until it is at most the limit. A batch's paper is the
 * same every time it is drawn. `weights` and `taints` are per batch, same
 * order (see batchTaints and MacroContext.bounds).
 */
export function simulateMacroDraws(
  weights: ArrayLike<number>,
  taints: ArrayLike<number>,
  errorBound: number,
  options: SimulationOptions,
): SimulationResult {
  checkPlanInputs(errorBound, options.riskLimitPercent);
  const n = weights.length;
  if (taints.length !== n) throw new RangeError(`taints: ${taints.length} values for ${n} weights`);
  const { trials, seed } = options;
  const maxDraws = options.maxDraws ?? n;
  if (!Number.isSafeInteger(trials) || trials < 1)
    throw new RangeError(`trials: must be a positive integer, got ${trials}`);
  if (!Number.isSafeInteger(maxDraws) || maxDraws < 1) {
    throw new RangeError(`maxDraws: must be a positive integer, got ${maxDraws}`);
  }
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let p = 0; p < n; p++) {
    const w = weights[p] as number;
    if (!(w >= 0) || w === Infinity)
      throw new RangeError(`weights[${p}]: must be a finite number ≥ 0, got ${w}`);
    sum += w;
    cumulative[p] = sum;
  }
  if (!(sum > 0)) throw new RangeError('weights: no batch has a positive weight');
  const factor = 1 - 1 / errorBound;
  const alpha = options.riskLimitPercent / 100;
  const random = sfc32(seed);
  const seenIn = new Int32Array(n).fill(-1);
  const results: SimulatedAudit[] = [];
  for (let trial = 0; trial < trials; trial++) {
    let risk = 1;
    let distinct = 0;
    let draws = 0;
    let met = false;
    while (draws < maxDraws) {
      const target = random() * sum;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((cumulative[mid] as number) > target) hi = mid;
        else lo = mid + 1;
      }
      draws++;
      if (seenIn[lo] !== trial) {
        seenIn[lo] = trial;
        distinct++;
      }
      const t = taints[lo] as number;
      risk = t >= 1 ? Infinity : risk * (factor / (1 - t));
      if (risk <= alpha) {
        met = true;
        break;
      }
    }
    results.push({ draws: met ? draws : Infinity, batches: met ? distinct : n });
  }
  results.sort((a, b) =>
    a.draws === b.draws ? a.batches - b.batches : a.draws < b.draws ? -1 : 1,
  );
  const quantile = (values: number[], q: number) => {
    if (!(q > 0 && q <= 1)) throw new RangeError(`q: must be in (0, 1], got ${q}`);
    return values[Math.ceil(q * values.length) - 1] as number;
  };
  const drawCounts = results.map((r) => r.draws);
  const batchCounts = results.map((r) => r.batches).sort((a, b) => a - b);
  return {
    trials: results,
    drawsQuantile: (q) => quantile(drawCounts, q),
    batchesQuantile: (q) => quantile(batchCounts, q),
  };
}

/** Chris Doty-Humphrey's sfc32, seeded from SHA-256 of the seed string: uniform doubles in [0, 1), 53 random bits each. */
function sfc32(seed: string): () => number {
  const h = sha256(new TextEncoder().encode(`kura-macro-plan:${seed}`));
  const word = (i: number) =>
    ((h[i] as number) |
      ((h[i + 1] as number) << 8) |
      ((h[i + 2] as number) << 16) |
      ((h[i + 3] as number) << 24)) >>>
    0;
  let a = word(0);
  let b = word(4);
  let c = word(8);
  let d = word(12);
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) next();
  // 53 bits from two outputs, so that weights as small as 2^−40 of the total are still drawable.
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

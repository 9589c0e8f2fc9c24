// Properties of the MACRO risk on generated elections (fast-check, fixed
// seeds): a matching paper never raises the risk, a missing one makes it 1,
// an overstatement can only raise it and an understatement only lower it;
// and the risk is exactly what the arithmetic written in macro.ts gives,
// recomputed here from that text alone, bit for bit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  assertionSum,
  type BatchTally,
  type LinearAssertion,
  pluralityAssertions,
  shareAssertion,
} from '../../src/audit/assertions.js';
import {
  type MacroContext,
  macroContext,
  macroRisk,
  macroSampleSize,
  maxOverstatement,
  overstatement,
  type PaperTally,
  riskLimitMet,
  totalErrorBound,
} from '../../src/audit/macro.js';

const CANDIDATES = ['a', 'b', 'c', 'd'];

interface Election {
  ctx: MacroContext;
  winner: string;
  /** Batches a draw can land on (u_p > 0), in the reported order. */
  drawable: string[];
}

/** A generated election in which the leader won: plurality assertions, plus a "leader ≥ 1/4" over some batches. */
const electionArb = fc
  .record({
    candidates: fc.integer({ min: 2, max: 4 }),
    batches: fc.array(
      fc.record({
        votes: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 4, maxLength: 4 }),
        rejected: fc.integer({ min: 0, max: 20 }),
        inShare: fc.boolean(),
      }),
      { minLength: 2, maxLength: 25 },
    ),
    leaderBoost: fc.integer({ min: 0, max: 200 }),
  })
  .map(({ candidates, batches, leaderBoost }): Election | null => {
    const names = CANDIDATES.slice(0, candidates);
    const reported = new Map<string, BatchTally>();
    const share = new Set<string>();
    const totals: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    batches.forEach((b, i) => {
      const votes: Record<string, number> = {};
      names.forEach((n, k) => {
        votes[n] = (b.votes[k] as number) + (k === 0 ? leaderBoost : 0);
        totals[n] = (totals[n] as number) + (votes[n] as number);
      });
      const valid = names.reduce((s, n) => s + (votes[n] as number), 0);
      reported.set(`station ${i}`, { votes, ballots: valid + b.rejected });
      if (b.inShare) share.add(`station ${i}`);
    });
    const assertions: LinearAssertion[] = pluralityAssertions(totals, 1);
    const winner = Object.keys(assertions[0]?.coefficients ?? {})[0] as string;
    if (share.size > 0) {
      assertions.push(shareAssertion(`${winner}≥1/4`, winner, names, { num: 1, den: 4 }, share));
    }
    let ctx: MacroContext;
    try {
      ctx = macroContext(assertions, reported);
    } catch {
      return null; // e.g. a margin that no batch could hold
    }
    if (totalErrorBound(ctx) === Infinity) return null; // a tie or a failed assertion: a full count
    const drawable = [...reported.keys()].filter((b) => maxOverstatement(ctx, b) > 0);
    return drawable.length > 0 ? { ctx, winner, drawable } : null;
  })
  .filter((e): e is Election => e !== null);

/** An election and a sequence of draws (repeats allowed) with each drawn batch's paper. */
const auditArb = electionArb.chain((e) =>
  fc
    .record({
      picks: fc.array(fc.nat(), { minLength: 0, maxLength: 30 }),
      // Per drawn batch: how many of the winner's votes the paper moves to each other candidate (0 = matches).
      moves: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 25, maxLength: 25 }),
    })
    .map(({ picks, moves }) => {
      const draws = picks.map((k) => e.drawable[k % e.drawable.length] as string);
      const paper = new Map<string, PaperTally>();
      draws.forEach((b) => {
        const index = Number(b.slice('station '.length));
        paper.set(b, shiftWinner(e, b, moves[index] as number));
      });
      return { e, draws, paper };
    }),
);

/** The reported tally of batch b, with `move` of the winner's votes moved to the runner-up (negative: back). */
function shiftWinner(e: Election, b: string, move: number): BatchTally {
  const r = e.ctx.reported.get(b) as BatchTally;
  const votes = { ...r.votes };
  const other = Object.keys(votes).find((c) => c !== e.winner) as string;
  const m =
    move > 0 ? Math.min(move, votes[e.winner] as number) : -Math.min(-move, votes[other] as number);
  votes[e.winner] = (votes[e.winner] as number) - m;
  votes[other] = (votes[other] as number) + m;
  return { votes, ballots: r.ballots };
}

const matching = (e: Election, b: string): BatchTally => e.ctx.reported.get(b) as BatchTally;

const RUNS = { seed: 1414, numRuns: 300 };

test('property: a draw whose paper matches never raises the risk (it multiplies it by 1 − 1/U)', () => {
  fc.assert(
    fc.property(auditArb, fc.nat(), ({ e, draws, paper }, k) => {
      const b = e.drawable[k % e.drawable.length] as string;
      const clean = new Map(paper).set(b, matching(e, b));
      const before = macroRisk(e.ctx, draws, clean);
      const after = macroRisk(e.ctx, [...draws, b], clean);
      return after <= before && (before === 1 || after < before);
    }),
    RUNS,
  );
});

test('property: replacing a discrepant paper by a matching one never raises the risk', () => {
  fc.assert(
    fc.property(auditArb, ({ e, draws, paper }) => {
      const risk = macroRisk(e.ctx, draws, paper);
      for (const b of new Set(draws)) {
        const fixed = new Map(paper).set(b, matching(e, b));
        if (macroRisk(e.ctx, draws, fixed) > risk) return false;
      }
      return true;
    }),
    RUNS,
  );
});

test('property: a paper not found counts as the worst case, taint 1: the risk is 1', () => {
  fc.assert(
    fc.property(auditArb, fc.nat(), ({ e, draws, paper }, k) => {
      if (draws.length === 0) return true;
      const b = draws[k % draws.length] as string;
      assert.equal(overstatement(e.ctx, b, 'not-found'), maxOverstatement(e.ctx, b));
      return macroRisk(e.ctx, draws, new Map(paper).set(b, 'not-found')) === 1;
    }),
    RUNS,
  );
});

test('property: an overstatement can only raise the risk, an understatement only lower it', () => {
  fc.assert(
    fc.property(auditArb, fc.nat(), fc.integer({ min: 1, max: 5 }), ({ e, draws, paper }, k, n) => {
      if (draws.length === 0) return true;
      const b = draws[k % draws.length] as string;
      const risk = macroRisk(e.ctx, draws, paper);
      const current = paper.get(b) as BatchTally;
      const r = e.ctx.reported.get(b) as BatchTally;
      // n fewer votes for the winner on paper: every assertion's sum falls (or stays).
      const fewer = {
        ...current.votes,
        [e.winner]: Math.max(0, (current.votes[e.winner] as number) - n),
      };
      // n more: every sum rises.
      const more = { ...current.votes, [e.winner]: (current.votes[e.winner] as number) + n };
      const over = macroRisk(
        e.ctx,
        draws,
        new Map(paper).set(b, { votes: fewer, ballots: r.ballots }),
      );
      const under = macroRisk(
        e.ctx,
        draws,
        new Map(paper).set(b, { votes: more, ballots: r.ballots }),
      );
      const upE = overstatement(e.ctx, b, { votes: fewer, ballots: r.ballots });
      return over >= risk && under <= risk && upE >= overstatement(e.ctx, b, current);
    }),
    RUNS,
  );
});

test('property: a paper holding no more ballots than reported has taint ≤ 1; the risk stays in [0, 1]', () => {
  fc.assert(
    fc.property(auditArb, ({ e, draws, paper }) => {
      for (const b of draws) {
        const t = overstatement(e.ctx, b, paper.get(b) as PaperTally) / maxOverstatement(e.ctx, b);
        if (!(t >= 0 && t <= 1)) return false;
      }
      const risk = macroRisk(e.ctx, draws, paper);
      return risk >= 0 && risk <= 1 && (draws.length > 0 || risk === 1);
    }),
    RUNS,
  );
});

/**
 * The arithmetic of macro.ts's header, written again from that text alone,
 * naively (every bound recomputed from the tallies at each draw).
 */
function riskBySpec(
  assertions: readonly LinearAssertion[],
  reported: ReadonlyMap<string, BatchTally>,
  draws: readonly string[],
  paper: ReadonlyMap<string, PaperTally>,
): number {
  const coversBatch = (a: LinearAssertion, p: string) => a.batches === null || a.batches.has(p);
  const V = (a: LinearAssertion) => {
    let s = 0;
    for (const [p, t] of reported) if (coversBatch(a, p)) s += assertionSum(a, t.votes);
    return s;
  };
  const u = (p: string) => {
    let best = 0;
    for (const a of assertions) {
      if (!coversBatch(a, p)) continue;
      const t = reported.get(p) as BatchTally;
      const v = V(a);
      const q = v > 0 ? (assertionSum(a, t.votes) - t.ballots * a.minPerBallot) / v : Infinity;
      best = Math.max(best, q);
    }
    return best;
  };
  const e = (p: string, paperOf: PaperTally) => {
    if (paperOf === 'not-found') return u(p);
    let best = 0;
    for (const a of assertions) {
      if (!coversBatch(a, p)) continue;
      const diff =
        assertionSum(a, (reported.get(p) as BatchTally).votes) - assertionSum(a, paperOf.votes);
      best = Math.max(best, diff / V(a));
    }
    return best;
  };
  let U = 0;
  for (const p of reported.keys()) U = U + u(p);
  if (U === Infinity) return 1;
  if (U === 0) return 0;
  const f = 1 - 1 / U;
  let risk = 1;
  for (const p of draws) {
    const up = u(p);
    const ep = e(p, paper.get(p) as PaperTally);
    if (up === 0) {
      if (ep === 0) continue;
      return 1;
    }
    const t = ep / up;
    if (t >= 1) return 1;
    risk = risk * (f / (1 - t));
  }
  return Math.min(risk, 1);
}

test('property: the risk is, bit for bit, the documented arithmetic recomputed independently', () => {
  fc.assert(
    fc.property(auditArb, ({ e, draws, paper }) => {
      const ours = macroRisk(e.ctx, draws, paper);
      const spec = riskBySpec(e.ctx.assertions, e.ctx.reported, draws, paper);
      return Object.is(ours, spec);
    }),
    RUNS,
  );
});

test('the sample size: 0 once the limit is met, else n − 1 clean draws meet it and n − 2 do not (Arlo adds 1)', () => {
  fc.assert(
    fc.property(auditArb, fc.integer({ min: 1, max: 20 }), ({ e, draws, paper }, limit) => {
      const n = macroSampleSize(e.ctx, limit, draws, paper);
      const risk = macroRisk(e.ctx, draws, paper);
      if (riskLimitMet(risk, limit)) return n === 0;
      if (n === e.ctx.reported.size)
        return (
          n <=
          Math.ceil(Math.log(limit / 100 / risk) / Math.log(1 - 1 / totalErrorBound(e.ctx))) + 1
        );
      const b = e.drawable.find((d) => !paper.has(d));
      if (b === undefined) return true;
      const clean = new Map(paper).set(b, matching(e, b));
      const after = (m: number) => macroRisk(e.ctx, [...draws, ...Array<string>(m).fill(b)], clean);
      return riskLimitMet(after(n - 1), limit) && (n < 2 || !riskLimitMet(after(n - 2), limit));
    }),
    RUNS,
  );
});

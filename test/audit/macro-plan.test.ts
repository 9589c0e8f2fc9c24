// Planning estimates: taints from papers, the drift estimate, and the
// simulated audits (seeded, so every number here is reproducible).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BatchTally, pluralityAssertions } from '../../src/audit/assertions.js';
import {
  macroContext,
  macroRisk,
  maxOverstatement,
  type PaperTally,
  totalErrorBound,
} from '../../src/audit/macro.js';
import { batchTaints, expectedMacroDraws, simulateMacroDraws } from '../../src/audit/macro-plan.js';

/** 400 stations, the winner ahead by 10 votes in each (margin 4,000 of 200,000 valid votes). */
function election() {
  const reported = new Map<string, BatchTally>();
  for (let i = 0; i < 400; i++) {
    const big = i % 4 === 0 ? 2 : 1;
    reported.set(`s${i}`, { votes: { w: 255 * big, l: 245 * big }, ballots: 510 * big });
  }
  const ctx = macroContext(pluralityAssertions({ w: 1, l: 0 }, 1), reported);
  return { reported, ctx };
}

/** The least n for which n matching draws bring macroRisk to alpha (the risk's own arithmetic). */
function cleanDrawsByRisk(ctx: ReturnType<typeof election>['ctx'], alpha: number): number {
  const batch = 's1';
  const paper = new Map([[batch, ctx.reported.get(batch) as BatchTally]]);
  let n = 0;
  while (macroRisk(ctx, Array<string>(n).fill(batch), paper) > alpha) n++;
  return n;
}

test('batchTaints: 0 for a matching or absent paper, e_p/u_p for a discrepancy, 1 for a paper not found', () => {
  const { ctx } = election();
  const paper = new Map<string, PaperTally>([
    ['s0', { votes: { w: 510, l: 490 }, ballots: 1020 }],
    ['s1', { votes: { w: 250, l: 250 }, ballots: 510 }],
    ['s2', 'not-found'],
  ]);
  const t = batchTaints(ctx, paper);
  assert.equal(t.length, 400);
  assert.equal(t[0], 0);
  assert.equal(t[1], 10 / (ctx.margins.get('w>l') as number) / maxOverstatement(ctx, 's1'));
  assert.equal(t[2], 1);
  assert.equal(t[3], 0);
});

test('expectedMacroDraws: clean papers need ⌈ln α / ln(1 − 1/U)⌉; taints push it up; taint 1/U everywhere never ends', () => {
  const { ctx } = election();
  const U = totalErrorBound(ctx);
  for (const limit of [1, 5, 10]) {
    assert.equal(
      expectedMacroDraws(U, limit, []),
      cleanDrawsByRisk(ctx, limit / 100),
      `limit ${limit}`,
    );
  }
  const clean = expectedMacroDraws(U, 5, []);
  const some = expectedMacroDraws(U, 5, [{ share: 0.05, taint: 0.1 }]);
  const more = expectedMacroDraws(U, 5, [{ share: 0.2, taint: 0.1 }]);
  assert.ok(clean < some && some < more, `${clean} < ${some} < ${more}`);
  // Arlo's observation: a taint of 1/U exactly cancels the draw's (1 − 1/U).
  assert.equal(expectedMacroDraws(U, 5, [{ share: 1, taint: 1 / U }]), Infinity);
  assert.throws(
    () => expectedMacroDraws(U, 5, [{ share: 0.5, taint: 1 }]),
    /^RangeError: mix\[0\]\.taint:/,
  );
  assert.throws(
    () =>
      expectedMacroDraws(U, 5, [
        { share: 0.7, taint: 0 },
        { share: 0.7, taint: 0 },
      ]),
    /^RangeError: mix:/,
  );
  assert.throws(() => expectedMacroDraws(1, 5, []), /^RangeError: errorBound:/);
  assert.throws(() => expectedMacroDraws(U, 0, []), /^RangeError: riskLimitPercent:/);
});

test('simulateMacroDraws: clean papers finish every trial in exactly the draws macroRisk needs', () => {
  const { ctx } = election();
  const weights = [...ctx.bounds.values()];
  const sim = simulateMacroDraws(weights, new Float64Array(400), totalErrorBound(ctx), {
    riskLimitPercent: 5,
    trials: 50,
    seed: '1',
  });
  const needed = cleanDrawsByRisk(ctx, 0.05);
  assert.ok(sim.trials.every((t) => t.draws === needed && t.batches <= needed && t.batches > 0));
  assert.equal(sim.drawsQuantile(0.9), needed);
  // With replacement, some stations repeat: fewer forms than draws in most trials.
  assert.ok(sim.batchesQuantile(0.5) < needed);
});

test('simulateMacroDraws: reproducible from its seed; its median tracks the drift estimate', () => {
  const { ctx } = election();
  const weights = [...ctx.bounds.values()];
  const U = totalErrorBound(ctx);
  // Every 10th station's paper moves 3 votes from the winner to the loser.
  const paper = new Map<string, PaperTally>();
  for (let i = 0; i < 400; i += 10) {
    const r = ctx.reported.get(`s${i}`) as BatchTally;
    paper.set(`s${i}`, {
      votes: { w: (r.votes.w as number) - 3, l: (r.votes.l as number) + 3 },
      ballots: r.ballots,
    });
  }
  const taints = batchTaints(ctx, paper);
  const options = { riskLimitPercent: 5, trials: 400, seed: 'dice 1234' };
  const a = simulateMacroDraws(weights, taints, U, options);
  const b = simulateMacroDraws(weights, taints, U, options);
  assert.deepEqual(a.trials, b.trials);
  const c = simulateMacroDraws(weights, taints, U, { ...options, seed: 'dice 1235' });
  assert.notDeepEqual(a.trials, c.trials);
  let share = 0;
  let tainted = 0;
  taints.forEach((t, p) => {
    if (t > 0) {
      share += (weights[p] as number) / U;
      tainted = t;
    }
  });
  const estimate = expectedMacroDraws(U, 5, [{ share, taint: tainted }]);
  const median = a.drawsQuantile(0.5);
  const clean = expectedMacroDraws(U, 5, []);
  assert.ok(median > clean, `discrepancies need more draws: ${median} > ${clean}`);
  assert.ok(
    Math.abs(median - estimate) <= 0.1 * estimate,
    `median ${median}, drift estimate ${estimate}`,
  );
  assert.ok(a.drawsQuantile(0.9) >= median);
});

test('simulateMacroDraws: a batch of weight 0 is never drawn; a paper not found ends the trial at a full count', () => {
  const sim = simulateMacroDraws([0, 1, 1], [1, 0, 0], 3, {
    riskLimitPercent: 10,
    trials: 100,
    seed: 'x',
    maxDraws: 100,
  });
  assert.ok(sim.trials.every((t) => Number.isFinite(t.draws)));
  const lost = simulateMacroDraws([1, 1, 1], [1, 0, 0], 3, {
    riskLimitPercent: 10,
    trials: 200,
    seed: 'x',
    maxDraws: 100,
  });
  const unfinished = lost.trials.filter((t) => t.draws === Infinity);
  assert.ok(unfinished.length > 100, `most trials draw the missing paper: ${unfinished.length}`);
  assert.ok(unfinished.every((t) => t.batches === 3));
  assert.equal(lost.drawsQuantile(1), Infinity);
  assert.throws(
    () => simulateMacroDraws([1], [0, 0], 3, { riskLimitPercent: 5, trials: 1, seed: '' }),
    /^RangeError: taints:/,
  );
  assert.throws(
    () => simulateMacroDraws([0], [0], 3, { riskLimitPercent: 5, trials: 1, seed: '' }),
    /^RangeError: weights:/,
  );
  assert.throws(
    () => simulateMacroDraws([1], [0], 3, { riskLimitPercent: 5, trials: 0, seed: '' }),
    /^RangeError: trials:/,
  );
});

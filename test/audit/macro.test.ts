// Arlo's batch-comparison (MACRO) cases, run against kura's math: the
// arlo_macro_* sections of the shared RLA vectors (Arlo's test fixtures, and
// the values Arlo's macro.py computes for them), plus the facts Arlo's
// test_macro.py asserts for the same fixtures. Arlo computes in 28-digit
// Decimal; kura in binary64, so risks and U are compared within a relative
// 1e-12 (far inside Arlo's own 1e-4), sample sizes exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ArloBatches,
  type ArloContest,
  type ArloSampleResults,
  arloMacroContext,
  arloMacroRisk,
  arloMacroSampleSize,
  arloUnauditableBallots,
} from '../../src/audit/arlo-macro.js';
import type { BatchTally } from '../../src/audit/assertions.js';
import { maxOverstatement, totalErrorBound } from '../../src/audit/macro.js';
import { readVectorJson } from '../log/vectors.js';

interface ContestFixture {
  winner: number;
  loser: number;
  third?: number;
  ballots: number;
  numWinners: number;
  votesAllowed: number;
  pendingBallots?: number;
}
interface Vectors {
  arlo_macro_batch_comparison: {
    risk_limit_percent: number;
    contests: Record<string, ContestFixture>;
    u_p_expected_in_test: Record<string, { Batch: number; AV: number }>;
    asserted_in_test: {
      round1: Record<string, number>;
      round2_after_4_clean: Record<string, number>;
      'p_values(test_compute_risk)': Record<string, string>;
    };
    computed: Record<
      string,
      {
        U: string;
        round1_sample_size_risk25: number;
        p_after_4_clean_batches: number;
        round2_sample_size_after_4_clean: number;
        'p_after_30_clean_plus_6_batches(test_compute_risk)': number;
        risk_limit_met: boolean;
      }
    >;
  };
  arlo_macro_pending_ballots: {
    contest: ContestFixture;
    batches: Record<string, { winner: number; loser: number; third: number; ballots: number }>;
    U: string;
    sampled: string[];
    p_no_discrepancy: number;
    p_with_batch3_audited_loser_plus2: number;
    sample_size_risk25: number;
  };
  arlo_macro_unauditable_ballots_snapshot: {
    U: string;
    U_without_unauditable: string;
    computed_p: number;
    computed_p_without_unauditable: number;
  };
  arlo_ppeb_batch_sample: { U: string };
}

const vectors = readVectorJson<Vectors>('rla', 'rla_vectors.json');

/** |actual − expected| ≤ 1e-12·|expected|. */
function close(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 * Math.abs(expected),
    `${what}: got ${actual}, expected ${expected}`,
  );
}

function contestOf(name: string, f: ContestFixture): ArloContest {
  const candidates: Record<string, number> = { winner: f.winner, loser: f.loser };
  if (f.third !== undefined) candidates.third = f.third;
  return {
    name,
    candidates,
    numWinners: f.numWinners,
    votesAllowed: f.votesAllowed,
    ...(f.pendingBallots ? { pendingBallots: f.pendingBallots } : {}),
  };
}

const tally = (winner: number, loser: number, ballots: number): BatchTally => ({
  votes: { winner, loser },
  ballots,
});

/** Arlo's 400-batch fixture: 'Batch i' and 'Batch i AV' for i = 0..199, contests A, B, C on some. */
function batchComparisonFixture(): Map<string, Record<string, BatchTally>> {
  const batches = new Map<string, Record<string, BatchTally>>();
  for (let i = 0; i < 200; i++) {
    batches.set(`Batch ${i}`, { 'Contest A': tally(200, 180, 400) });
    batches.set(`Batch ${i} AV`, { 'Contest A': tally(100, 90, 200) });
  }
  const add = (i: number, contest: string, full: BatchTally, av: BatchTally) => {
    (batches.get(`Batch ${i}`) as Record<string, BatchTally>)[contest] = full;
    (batches.get(`Batch ${i} AV`) as Record<string, BatchTally>)[contest] = av;
  };
  for (let i = 0; i < 100; i++) add(i, 'Contest B', tally(200, 160, 400), tally(100, 80, 200));
  for (const i of [...Array(30).keys(), ...Array.from({ length: 30 }, (_, k) => 100 + k)]) {
    add(i, 'Contest C', tally(200, 140, 400), tally(100, 70, 200));
  }
  return batches;
}

const bc = vectors.arlo_macro_batch_comparison;
const bcContests = Object.entries(bc.contests).map(([name, f]) => contestOf(name, f));

/** Arlo orders draws by ticket number, a string; its tests use "0", "1", … as tickets. */
function drawsInTicketOrder(tickets: Map<string, string>): string[] {
  return [...tickets.keys()].sort().map((t) => tickets.get(t) as string);
}

test('arlo_macro_batch_comparison: u_p per batch and U per contest', () => {
  const batches = batchComparisonFixture();
  for (const contest of bcContests) {
    const ctx = arloMacroContext(contest, batches);
    close(totalErrorBound(ctx), Number(bc.computed[contest.name]?.U), `${contest.name} U`);
    const expected = bc.u_p_expected_in_test[contest.name] as { Batch: number; AV: number };
    for (const batch of batches.keys()) {
      const held = ctx.reported.has(batch);
      const up = held ? maxOverstatement(ctx, batch) : 0;
      const want = !held ? 0 : batch.endsWith('AV') ? expected.AV : expected.Batch;
      // Arlo's test states u_p to 3-4 digits and checks it within 0.001.
      assert.ok(
        Math.abs(up - want) < 0.001,
        `${contest.name} ${batch}: u_p ${up}, expected ${want}`,
      );
    }
  }
});

test('arlo_macro_batch_comparison: sample sizes by round and the risk after clean and tainted draws', () => {
  const batches = batchComparisonFixture();
  const rl = bc.risk_limit_percent;
  const results = new Map<string, Record<string, BatchTally>>();
  const tickets = new Map<string, string>();
  const sizes = (c: ArloContest) =>
    arloMacroSampleSize(c, rl, batches, drawsInTicketOrder(tickets), results);

  for (const c of bcContests) {
    assert.equal(sizes(c), bc.asserted_in_test.round1[c.name], `${c.name} round 1`);
    assert.equal(sizes(c), bc.computed[c.name]?.round1_sample_size_risk25);
  }
  // Four batches whose paper matches.
  for (let i = 0; i < 4; i++) {
    results.set(`Batch ${i}`, {
      'Contest A': tally(200, 180, 400),
      'Contest B': tally(200, 160, 400),
      'Contest C': tally(200, 140, 400),
    });
    tickets.set(String(i), `Batch ${i}`);
  }
  for (const c of bcContests) {
    const { risk } = arloMacroRisk(c, rl, batches, drawsInTicketOrder(tickets), results);
    close(risk, bc.computed[c.name]?.p_after_4_clean_batches as number, `${c.name} p after 4`);
    assert.equal(sizes(c), bc.asserted_in_test.round2_after_4_clean[c.name], `${c.name} round 2`);
    assert.equal(sizes(c), bc.computed[c.name]?.round2_sample_size_after_4_clean);
  }
  // Arlo's test_get_sample_sizes goes on: batches 4..8 with A's taint equal to
  // 1/U (sizes unchanged), B not in them (unchanged), C clean (5 fewer).
  for (let i = 4; i < 9; i++) {
    results.set(`Batch ${i}`, {
      'Contest A': tally(190, 190, 400),
      'Contest C': tally(200, 140, 400),
    });
    tickets.set(String(i), `Batch ${i}`);
  }
  const third: Record<string, number> = { 'Contest A': 26, 'Contest B': 12, 'Contest C': 2 };
  for (const c of bcContests) assert.equal(sizes(c), third[c.name], `${c.name} round 3`);
  results.set('Batch 9', { 'Contest C': tally(200, 140, 400) });
  tickets.set('9', 'Batch 9');
  assert.equal(sizes(bcContests[2] as ArloContest), 0, 'Contest C needs no fourth round');
});

test('arlo_macro_batch_comparison: test_compute_risk (30 clean draws, 6 tainted for A, then 3 repeats)', () => {
  const batches = batchComparisonFixture();
  const rl = bc.risk_limit_percent;
  const results = new Map<string, Record<string, BatchTally>>();
  const tickets = new Map<string, string>();
  for (let i = 0; i < 30; i++) {
    results.set(`Batch ${i}`, {
      'Contest A': tally(200, 180, 400),
      'Contest B': tally(200, 160, 400),
      'Contest C': tally(200, 140, 400),
    });
    tickets.set(String(i), `Batch ${i}`);
  }
  for (let i = 100; i < 106; i++) {
    results.set(`Batch ${i}`, {
      'Contest A': tally(190, 190, 400),
      'Contest C': tally(200, 140, 400),
    });
    tickets.set(String(i), `Batch ${i}`);
  }
  const formula: Record<string, (repeats: number) => number> = {
    'Contest A': () => (20 / 21) ** 30,
    'Contest B': () => (10 / 11) ** 30,
    'Contest C': (repeats) => (20 / 23) ** (36 + repeats),
  };
  for (const c of bcContests) {
    const { risk, met } = arloMacroRisk(c, rl, batches, drawsInTicketOrder(tickets), results);
    const computed = bc.computed[c.name];
    close(risk, computed?.['p_after_30_clean_plus_6_batches(test_compute_risk)'] as number, c.name);
    assert.ok(Math.abs(risk - (formula[c.name] as (r: number) => number)(0)) < 1e-4);
    assert.equal(met, computed?.risk_limit_met);
  }
  // The same batches drawn again (new tickets): A and B unchanged, C lower.
  for (let i = 100; i < 103; i++) tickets.set(String(i + 6), `Batch ${i}`);
  for (const c of bcContests) {
    const { risk, met } = arloMacroRisk(c, rl, batches, drawsInTicketOrder(tickets), results);
    assert.ok(Math.abs(risk - (formula[c.name] as (r: number) => number)(3)) < 1e-4, c.name);
    assert.ok(met);
  }
});

test('Arlo: a full hand count has risk 0; a further sample size is refused', () => {
  const batches = batchComparisonFixture();
  const draws = [...batches.keys(), ...batches.keys()];
  for (const c of bcContests) {
    assert.deepEqual(arloMacroRisk(c, 25, batches, draws, batches), { risk: 0, met: true });
    assert.throws(
      () => arloMacroSampleSize(c, 25, batches, draws, batches),
      /already been counted/,
    );
  }
});

const pending = vectors.arlo_macro_pending_ballots;

function pendingBatches(minusEach = 0): Map<string, Record<string, BatchTally>> {
  const out = new Map<string, Record<string, BatchTally>>();
  for (const [name, b] of Object.entries(pending.batches)) {
    const cut = name === 'Batch 1' || name === 'Batch 2' ? minusEach : 0;
    out.set(name, {
      Contest: {
        votes: { winner: b.winner, loser: b.loser - cut, third: b.third },
        ballots: b.ballots - cut,
      },
    });
  }
  return out;
}

test('arlo_macro_pending_ballots: U, the risk without and with a discrepancy, the sample size', () => {
  const contest = contestOf('Contest', pending.contest);
  const batches = pendingBatches();
  const ctx = arloMacroContext(contest, batches);
  close(totalErrorBound(ctx), Number(pending.U), 'U');
  const without = arloMacroContext({ ...contest, pendingBallots: 0 }, batches);
  assert.ok(totalErrorBound(ctx) > totalErrorBound(without), 'pending ballots raise U');
  assert.equal(
    arloMacroSampleSize(contest, 25, batches, [], new Map()),
    pending.sample_size_risk25,
  );

  const results = new Map([...batches].filter(([name]) => pending.sampled.includes(name)));
  const clean = arloMacroRisk(contest, 25, batches, pending.sampled, results);
  close(clean.risk, pending.p_no_discrepancy, 'p without discrepancy');
  assert.equal(clean.met, pending.p_no_discrepancy <= 0.25);

  const b3 = pending.batches['Batch 3'] as {
    winner: number;
    loser: number;
    third: number;
    ballots: number;
  };
  results.set('Batch 3', {
    Contest: {
      votes: { winner: b3.winner, loser: b3.loser + 2, third: b3.third },
      ballots: b3.ballots,
    },
  });
  const tainted = arloMacroRisk(contest, 25, batches, pending.sampled, results);
  close(tainted.risk, pending.p_with_batch3_audited_loser_plus2, 'p with batch 3 loser +2');
  assert.equal(tainted.met, pending.p_with_batch3_audited_loser_plus2 <= 0.25);
});

test('arlo_macro_unauditable_ballots_snapshot: ballots in the totals but in no batch narrow the margin', () => {
  const v = vectors.arlo_macro_unauditable_ballots_snapshot;
  const contest = contestOf('Contest', { ...pending.contest, pendingBallots: 0 });
  const batches = pendingBatches(0.5); // Arlo's fixture: 1 unauditable ballot, n/2 off batches 1 and 2
  const clean = pendingBatches(0);
  assert.equal(arloUnauditableBallots(contest, batches), 1);
  assert.equal(arloUnauditableBallots(contest, clean), 0);
  close(totalErrorBound(arloMacroContext(contest, batches)), Number(v.U), 'U');
  close(
    totalErrorBound(arloMacroContext(contest, clean)),
    Number(v.U_without_unauditable),
    'U without',
  );
  assert.equal(arloMacroSampleSize(contest, 25, batches, [], new Map()), batches.size);
  const sampled = ['Batch 1', 'Batch 2', 'Batch 3'];
  const pick = (m: ArloBatches): ArloSampleResults =>
    new Map([...m].filter(([n]) => sampled.includes(n)));
  const p = arloMacroRisk(contest, 25, batches, sampled, pick(batches)).risk;
  const pWithout = arloMacroRisk(contest, 25, clean, sampled, pick(clean)).risk;
  close(p, v.computed_p, 'p');
  close(pWithout, v.computed_p_without_unauditable, 'p without');
  assert.ok(p > pWithout);
});

test('arlo_ppeb_batch_sample: U of the sampler fixture (50 ballots in the totals are in no batch)', () => {
  const batches = new Map<string, Record<string, BatchTally>>();
  for (let i = 0; i < 10; i++) {
    batches.set(`('Jx 1', 'pct ${i}')`, { c: { votes: { cand1: 40, cand2: 10 }, ballots: 50 } });
  }
  for (let i = 11; i < 20; i++) {
    batches.set(`('Jx 1', 'pct ${i}')`, { c: { votes: { cand1: 20, cand2: 30 }, ballots: 50 } });
  }
  const contest: ArloContest = {
    name: 'c',
    candidates: { cand1: 600, cand2: 400 },
    numWinners: 1,
    votesAllowed: 1,
  };
  close(
    totalErrorBound(arloMacroContext(contest, batches)),
    Number(vectors.arlo_ppeb_batch_sample.U),
    'U',
  );
});

test('Arlo: worst case (taint 1) gives risk 1; a tied or too close contest needs a full count', () => {
  const worst: ArloContest = {
    name: 't',
    candidates: { winner: 1000, loser: 0 },
    numWinners: 1,
    votesAllowed: 1,
  };
  const batches = new Map([
    ['Batch 1', { t: tally(500, 0, 500) }],
    ['Batch 2', { t: tally(500, 0, 500) }],
  ]);
  const flipped = new Map([['Batch 1', { t: tally(0, 500, 500) }]]);
  assert.deepEqual(arloMacroRisk(worst, 25, batches, ['Batch 1'], flipped), {
    risk: 1,
    met: false,
  });

  const tied: ArloContest = {
    name: 't',
    candidates: { winner: 50000, loser: 50000 },
    numWinners: 1,
    votesAllowed: 1,
  };
  const tiedBatches = new Map(
    Array.from({ length: 100 }, (_, i) => [String(i), { t: tally(500, 500, 1000) }]),
  );
  assert.equal(arloMacroSampleSize(tied, 25, tiedBatches, [], new Map()), 100);
  const one = new Map([['0', { t: tally(500, 500, 1000) }]]);
  const r = arloMacroRisk(tied, 25, tiedBatches, ['0'], one);
  assert.ok(r.risk > 0.25 && !r.met);
  assert.deepEqual(arloMacroRisk(tied, 25, tiedBatches, [...tiedBatches.keys()], tiedBatches), {
    risk: 0,
    met: true,
  });

  const close4: ArloContest = {
    name: 't',
    candidates: { winner: 200, loser: 198 },
    numWinners: 1,
    votesAllowed: 1,
  };
  const closeBatches = new Map([
    ['1', { t: tally(100, 0, 100) }],
    ['2', { t: tally(100, 0, 100) }],
    ['3', { t: tally(0, 100, 100) }],
    ['4', { t: tally(0, 98, 100) }],
  ]);
  assert.equal(arloMacroSampleSize(close4, 25, closeBatches, [], new Map()), 4);
  const r4 = arloMacroRisk(
    close4,
    25,
    closeBatches,
    ['1'],
    new Map([['1', { t: tally(100, 0, 100) }]]),
  );
  assert.ok(r4.risk > 0.25 && !r4.met);
});

test('Arlo: two winners of three with two votes each; unauditable ballots round up by votesAllowed', () => {
  const contest: ArloContest = {
    name: 'council',
    candidates: { ann: 500, bob: 450, cy: 300 },
    numWinners: 2,
    votesAllowed: 2,
    pendingBallots: 4,
  };
  // The batches hold 3 votes fewer than the totals: ⌈3/2⌉ = 2 unauditable ballots.
  const batches = new Map([
    ['b1', { council: { votes: { ann: 300, bob: 200, cy: 100 }, ballots: 320 } }],
    ['b2', { council: { votes: { ann: 199, bob: 249, cy: 199 }, ballots: 340 } }],
  ]);
  assert.equal(arloUnauditableBallots(contest, batches), 2);
  const ctx = arloMacroContext(contest, batches);
  assert.deepEqual(
    [...ctx.margins],
    [
      ['ann>cy', 200 - 4 - 2],
      ['bob>cy', 150 - 4 - 2],
    ],
  );
  // b1: ann>cy (200 + 320)/194, bob>cy (100 + 320)/144: the larger.
  assert.equal(maxOverstatement(ctx, 'b1'), Math.max(520 / 194, 420 / 144));
  assert.throws(
    () => arloMacroContext({ ...contest, votesAllowed: 0 }, batches),
    /^RangeError: votesAllowed:/,
  );
});

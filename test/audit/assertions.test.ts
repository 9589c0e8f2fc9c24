// Linear assertions and the MACRO context: what each claim sums, its margin,
// each batch's bound, and the precise refusals of inputs that cannot be audited.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertionMargin,
  assertionSum,
  type BatchTally,
  pluralityAssertions,
  shareAssertion,
} from '../../src/audit/assertions.js';
import {
  macroContext,
  macroRisk,
  macroSampleSize,
  maxOverstatement,
  overstatement,
  riskLimitMet,
  totalErrorBound,
} from '../../src/audit/macro.js';

const reported = new Map<string, BatchTally>([
  ['s1', { votes: { ruto: 60, raila: 30, other: 10 }, ballots: 105 }],
  ['s2', { votes: { ruto: 20, raila: 70, other: 5 }, ballots: 100 }],
  ['s3', { votes: { ruto: 80, raila: 10, other: 5 }, ballots: 96 }],
]);

test('pluralityAssertions: the leaders (ties in the given order) against every loser, winner − loser, −1 per ballot', () => {
  const a = pluralityAssertions({ x: 5, z: 9, y: 9, w: 1 }, 2);
  assert.deepEqual(
    a.map((x) => x.id),
    ['z>x', 'z>w', 'y>x', 'y>w'],
  );
  assert.deepEqual(a[0], {
    id: 'z>x',
    coefficients: { z: 1, x: -1 },
    minPerBallot: -1,
    batches: null,
  });
  assert.throws(() => pluralityAssertions({ x: 1 }, 0), /^RangeError: numWinners:/);
});

test('shareAssertion: (den − num)·winner − num·others; its margin over the covered batches only', () => {
  const half = shareAssertion(
    'ruto>1/2',
    'ruto',
    ['ruto', 'raila', 'other'],
    { num: 1, den: 2 },
    null,
  );
  assert.deepEqual(half.coefficients, { ruto: 1, raila: -1, other: -1 });
  assert.equal(half.minPerBallot, -1);
  assert.equal(assertionMargin(half, reported), 160 - 130);
  const quarter = shareAssertion(
    'ruto≥1/4:s2',
    'ruto',
    ['ruto', 'raila', 'other'],
    { num: 1, den: 4 },
    new Set(['s2']),
  );
  assert.deepEqual(quarter.coefficients, { ruto: 3, raila: -1, other: -1 });
  assert.equal(quarter.minPerBallot, -1);
  assert.equal(assertionSum(quarter, { ruto: 20, raila: 70, other: 5 }), 60 - 75);
  assert.equal(assertionMargin(quarter, reported), -15);
  assert.throws(
    () => shareAssertion('x', 'ruto', ['ruto'], { num: 2, den: 2 }, null),
    /^RangeError: share:/,
  );
  assert.throws(
    () => shareAssertion('x', 'nobody', ['ruto'], { num: 1, den: 2 }, null),
    /^RangeError: winner:/,
  );
});

test('macroContext: u_p is the largest relative bound over the covering assertions; U their sum', () => {
  const half = shareAssertion(
    'ruto>1/2',
    'ruto',
    ['ruto', 'raila', 'other'],
    { num: 1, den: 2 },
    null,
  );
  const pair = pluralityAssertions({ ruto: 160, raila: 110, other: 20 }, 1);
  const ctx = macroContext([half, ...pair], reported);
  assert.equal(ctx.margins.get('ruto>1/2'), 30);
  assert.equal(ctx.margins.get('ruto>raila'), 50);
  // s1: half (20 + 105)/30, ruto>raila (30 + 105)/50, ruto>other (50 + 105)/140.
  assert.equal(maxOverstatement(ctx, 's1'), 125 / 30);
  assert.equal(maxOverstatement(ctx, 's2'), (-55 + 100) / 30);
  assert.equal(totalErrorBound(ctx), 125 / 30 + 45 / 30 + 161 / 30);
  // A paper moving 5 of s1's votes from ruto to raila: the half assertion moves 10 of its 30.
  const moved = { votes: { ruto: 55, raila: 35, other: 10 }, ballots: 105 };
  assert.equal(overstatement(ctx, 's1', moved), 10 / 30);
  assert.equal(overstatement(ctx, 's1', reported.get('s1') as BatchTally), 0);
  // Better for ruto on paper: an understatement counts as 0, as in Arlo.
  assert.equal(
    overstatement(ctx, 's1', { votes: { ruto: 70, raila: 20, other: 10 }, ballots: 105 }),
    0,
  );
});

test('a batch of bound 0 (covered by no assertion, or all its ballots already the worst) leaves the risk alone', () => {
  const withWorst = new Map([...reported, ['s4', { votes: { ruto: 0, raila: 40 }, ballots: 40 }]]);
  const quarter = shareAssertion(
    'q',
    'ruto',
    ['ruto', 'raila'],
    { num: 1, den: 4 },
    new Set(['s1', 's3', 's4']),
  );
  const ctx = macroContext([quarter], withWorst);
  assert.equal(maxOverstatement(ctx, 's2'), 0); // not covered
  assert.equal(maxOverstatement(ctx, 's4'), 0); // (−40 + 40)/V
  assert.equal(ctx.bounds.get('s2'), 0);
  const paper = new Map([...withWorst]);
  const one = macroRisk(ctx, ['s1'], paper);
  assert.ok(one < 1);
  assert.equal(macroRisk(ctx, ['s1', 's2', 's4'], paper), one);
  // A paper showing more than the batch's bound allows (more ballots than reported): the risk is 1.
  paper.set('s4', { votes: { ruto: 0, raila: 41 }, ballots: 41 });
  assert.equal(macroRisk(ctx, ['s1', 's4'], paper), 1);
});

test('a margin of 0 or less: U is infinite, the risk 1, the sample a full count', () => {
  const lost = shareAssertion(
    'raila>1/2',
    'raila',
    ['ruto', 'raila', 'other'],
    { num: 1, den: 2 },
    null,
  );
  const ctx = macroContext([lost], reported);
  assert.equal(totalErrorBound(ctx), Infinity);
  const paper = new Map([...reported]);
  assert.equal(macroRisk(ctx, ['s1', 's2', 's3'], paper), 1);
  assert.equal(macroSampleSize(ctx, 5, [], new Map()), 3);
});

test('no assertion at all: nothing a paper could overturn, risk 0', () => {
  const ctx = macroContext([], reported);
  assert.equal(macroRisk(ctx, [], new Map()), 0);
  assert.equal(macroSampleSize(ctx, 5, [], new Map()), 0);
});

test('riskLimitMet: risk ≤ limit ÷ 100', () => {
  assert.ok(riskLimitMet(0.05, 5));
  assert.ok(!riskLimitMet(0.05000000000000001, 5));
});

test('refusals name the field and why', () => {
  const ok = pluralityAssertions({ ruto: 160, raila: 110 }, 1);
  const bad = (f: () => unknown, re: RegExp) => assert.throws(f, re);
  bad(() => macroContext([...ok, ...ok], reported), /assertion ruto>raila: the id is used twice/);
  bad(
    () => macroContext([{ ...(ok[0] as (typeof ok)[0]), minPerBallot: 0 }], reported),
    /minPerBallot must be a negative integer/,
  );
  bad(
    () => macroContext([{ ...(ok[0] as (typeof ok)[0]), coefficients: { ruto: 0.5 } }], reported),
    /coefficient of ruto must be an integer/,
  );
  bad(
    () =>
      macroContext(
        [{ ...(ok[0] as (typeof ok)[0]), coefficients: { ruto: 1, raila: -2 } }],
        reported,
      ),
    /minPerBallot -1 is above coefficient -2/,
  );
  bad(
    () => macroContext([{ ...(ok[0] as (typeof ok)[0]), batches: new Set(['s9']) }], reported),
    /covers batch s9, which has no reported tally/,
  );
  bad(
    () => macroContext(ok, new Map([['s1', { votes: { ruto: -1 }, ballots: 1 }]])),
    /batch s1: votes for ruto/,
  );
  bad(
    () => macroContext(ok, new Map([['s1', { votes: {}, ballots: Number.NaN }]])),
    /batch s1: ballots/,
  );
  bad(
    () => macroContext(ok, reported, { margins: new Map() }),
    /margins: no margin for assertion ruto>raila/,
  );
  bad(
    () => macroContext(ok, reported, { margins: new Map([['ruto>raila', 1e9]]) }),
    /margins: the total error bound U = .* is at most 1/,
  );
  const ctx = macroContext(ok, reported);
  bad(() => macroRisk(ctx, ['s1'], new Map()), /paper: no paper for drawn batch s1/);
  bad(() => maxOverstatement(ctx, 's9'), /batch s9: not among the reported batches/);
  bad(
    () => overstatement(ctx, 's1', { votes: { ruto: -3 }, ballots: 0 }),
    /paper of batch s1: votes for ruto/,
  );
  bad(
    () => macroSampleSize(ctx, 100, [], new Map()),
    /riskLimitPercent: must be above 0 and below 100/,
  );
});

test('a taint above 1 (the paper holds more votes than the reported ballots allow) makes the risk 1, not negative', () => {
  const ctx = macroContext(pluralityAssertions({ ruto: 160, raila: 110 }, 1), reported);
  // Reported 60–30 of 105 ballots; the paper reads 0–400 (a misread form, say).
  const paper = new Map<string, BatchTally>([
    ['s1', { votes: { ruto: 0, raila: 400, other: 10 }, ballots: 410 }],
  ]);
  assert.ok(overstatement(ctx, 's1', paper.get('s1') as BatchTally) > maxOverstatement(ctx, 's1'));
  assert.equal(macroRisk(ctx, ['s1'], paper), 1);
  paper.set('s2', reported.get('s2') as BatchTally);
  assert.equal(macroRisk(ctx, ['s2', 's1', 's2'], paper), 1);
});

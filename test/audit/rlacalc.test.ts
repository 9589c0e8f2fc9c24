// rlacalc's nmin doctests (the shared RLA vectors), exactly, and the bad inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ballotComparisonSampleSize } from '../../src/audit/rlacalc.js';
import { readVectorJson } from '../log/vectors.js';

interface Case {
  alpha: number;
  margin: number;
  o1?: number;
  o2?: number;
  u1?: number;
  u2?: number;
  expected: number;
}
const { cases } = readVectorJson<{
  rlacalc_ballot_comparison_nmin_asserted: { cases: Case[] };
}>('rla', 'rla_vectors.json').rlacalc_ballot_comparison_nmin_asserted;

test('rlacalc_ballot_comparison_nmin_asserted: every case, exactly', () => {
  assert.ok(cases.length >= 7);
  for (const { expected, ...input } of cases) {
    assert.equal(ballotComparisonSampleSize(input), expected, JSON.stringify(input));
  }
});

test('ballot comparison: more overstatements need more ballots, understatements fewer, a wider margin fewer', () => {
  const base = ballotComparisonSampleSize({ alpha: 0.05, margin: 0.02 });
  assert.ok(ballotComparisonSampleSize({ alpha: 0.05, margin: 0.02, o1: 1 }) > base);
  assert.ok(
    ballotComparisonSampleSize({ alpha: 0.05, margin: 0.02, o2: 1 }) >
      ballotComparisonSampleSize({ alpha: 0.05, margin: 0.02, o1: 1 }),
  );
  assert.ok(ballotComparisonSampleSize({ alpha: 0.05, margin: 0.02, u1: 1 }) < base);
  assert.ok(ballotComparisonSampleSize({ alpha: 0.05, margin: 0.04 }) < base);
  // Never fewer than the ballots already seen.
  assert.equal(ballotComparisonSampleSize({ alpha: 0.5, margin: 1, u2: 30 }), 30);
});

test('ballot comparison: a bad input is refused, naming the field', () => {
  assert.throws(() => ballotComparisonSampleSize({ alpha: 0, margin: 0.1 }), /^RangeError: alpha:/);
  assert.throws(
    () => ballotComparisonSampleSize({ alpha: 0.1, margin: 0 }),
    /^RangeError: margin:/,
  );
  assert.throws(
    () => ballotComparisonSampleSize({ alpha: 0.1, margin: 0.1, gamma: 1 }),
    /^RangeError: gamma:/,
  );
  assert.throws(
    () => ballotComparisonSampleSize({ alpha: 0.1, margin: 0.1, o1: -1 }),
    /^RangeError: o1:/,
  );
  assert.throws(
    () => ballotComparisonSampleSize({ alpha: 0.1, margin: 0.1, u2: 0.5 }),
    /^RangeError: u2:/,
  );
});

// The end of `npm start` (issue 18, item 7): the president's valid votes in the
// table of forms (each form's own "total valid") exceed Form 34C's (the
// candidates' sum); the demo says by how much and why, from the tally itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadKenya2022 } from '../../src/kenya/data.js';
import { presidentialStationResults } from '../../src/kenya/presidential-votes.js';
import { explainValidVotes } from '../../src/simulate/demo.js';
import type { ContestComparison } from '../../src/simulate/totals.js';

/** The presidential row of the demo's comparison, as the log holds the Kenya night's forms. */
function presidentRow(): ContestComparison {
  const votes: Record<string, number> = { odinga: 0, ruto: 0, wajackoyah: 0, mwaure: 0 };
  let totalValid = 0;
  let mismatched = 0;
  for (const s of presidentialStationResults()) {
    const sum = s.odinga + s.ruto + s.wajackoyah + s.mwaure;
    for (const c of Object.keys(votes)) votes[c] = (votes[c] ?? 0) + s[c as 'odinga'];
    totalValid += s.totalValid;
    if (sum !== s.totalValid) mismatched++;
  }
  const log = { votes, totalValid, flagged: { 'sum-mismatch': mismatched, 'over-registered': 13 } };
  return {
    contest: 'president',
    agree: true,
    differences: [],
    log,
  } as unknown as ContestComparison;
}

test("the demo explains the gap between the forms' valid votes and Form 34C's", () => {
  const row = presidentRow();
  let printed = '';
  explainValidVotes([row], (s) => {
    printed += s;
  });
  const declared = loadKenya2022().national34C.totalValid;
  const gap = row.log.totalValid - declared;
  assert.equal(gap, 110, 'the county file adds 110 to Form 34C (PROVENANCE.md)');
  const text = printed.replace(/\s+/g, ' ');
  assert.match(
    text,
    new RegExp(
      `${row.log.totalValid.toLocaleString('en')} above is the sum of the forms' own "total valid"`,
    ),
  );
  assert.match(
    text,
    new RegExp(`Form 34C's ${declared.toLocaleString('en')} is the sum of the candidates' votes`),
  );
  assert.match(text, /The 110 between them are in the 2 forms flagged sum-mismatch/);
  assert.match(text, /13 forms over-registered, 0 over-cap/);
  assert.match(text, /data\/kenya2022\/PROVENANCE\.md/);
});

test('no gap, no explanation', () => {
  const row = presidentRow();
  row.log.totalValid = Object.values(row.log.votes ?? {}).reduce((s, n) => s + n, 0);
  let printed = '';
  explainValidVotes([row], (s) => {
    printed += s;
  });
  assert.equal(printed, '');
});

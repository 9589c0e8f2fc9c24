import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditPaper, auditPapers, paperDifferences } from '../../src/kenya/audit-paper.js';
import { loadKenya2022 } from '../../src/kenya/data.js';
import {
  PRESIDENTIAL_IDS,
  presidentialAdjustments,
  presidentialStationResults,
} from '../../src/kenya/presidential-votes.js';

const logged = presidentialStationResults('reconciled');
const adjustments = presidentialAdjustments();
const adjustedStations = new Set(adjustments.map((a) => a.station));
const crowdsourced = new Map(loadKenya2022().stations.map((s) => [s.code, s.crowdsourced]));

describe('the paper of the Kenya 2022 audit', () => {
  test('one paper per station; it differs from the log at exactly the adjusted stations (2,810)', () => {
    assert.equal(auditPapers().size, logged.length);
    const differing = logged.filter((r) => {
      const p = auditPaper(r.code);
      return (
        PRESIDENTIAL_IDS.some((id) => p.votes[id] !== r[id]) ||
        p.rejected !== r.rejected ||
        p.totalValid !== r.totalValid
      );
    });
    assert.deepEqual(new Set(differing.map((r) => r.code)), adjustedStations);
    assert.equal(adjustedStations.size, 2810);
    assert.equal(paperDifferences().stations, adjustedStations.size);
    assert.equal(
      logged.filter((r) => r.source === 'adjusted').length,
      adjustedStations.size,
      "the reconciliation's own count",
    );
  });

  test('an adjusted station reads as its crowdsourced tally; every adjustment is undone', () => {
    for (const a of adjustments) {
      const p = auditPaper(a.station);
      assert.equal(p.source, 'crowdsourced');
      assert.equal(p.votes[a.candidate], a.crowdsourced, `${a.station} ${a.candidate}`);
      assert.deepEqual(p.votes, crowdsourced.get(a.station));
    }
  });

  test('an unadjusted station reads as logged, figure for figure', () => {
    let checked = 0;
    for (const r of logged) {
      if (adjustedStations.has(r.code)) continue;
      const p = auditPaper(r.code);
      assert.equal(p.source, 'logged');
      assert.deepEqual(
        { ...p.votes, rejected: p.rejected, totalValid: p.totalValid },
        {
          odinga: r.odinga,
          ruto: r.ruto,
          wajackoyah: r.wajackoyah,
          mwaure: r.mwaure,
          rejected: r.rejected,
          totalValid: r.totalValid,
        },
        r.code,
      );
      checked++;
    }
    assert.equal(checked, logged.length - 2810);
  });

  test('rejected as logged; total valid keeps the form’s own difference from its candidates', () => {
    for (const r of logged) {
      const p = auditPaper(r.code);
      const paperSum = PRESIDENTIAL_IDS.reduce((s, id) => s + p.votes[id], 0);
      const loggedSum = PRESIDENTIAL_IDS.reduce((s, id) => s + r[id], 0);
      assert.equal(p.rejected, r.rejected, r.code);
      assert.equal(p.totalValid - paperSum, r.totalValid - loggedSum, r.code);
    }
  });

  test('how much: the net and absolute differences are the adjustments, candidate by candidate', () => {
    const d = paperDifferences();
    for (const id of PRESIDENTIAL_IDS) {
      const mine = adjustments.filter((a) => a.candidate === id);
      assert.equal(
        d.net[id],
        mine.reduce((s, a) => s + a.crowdsourced - a.used, 0),
        id,
      );
      assert.equal(
        d.absolute[id],
        mine.reduce((s, a) => s + Math.abs(a.crowdsourced - a.used), 0),
        id,
      );
    }
    // The figures PROVENANCE.md gives for the reconciliation, seen from the paper.
    assert.deepEqual(d.net, { odinga: 1585, ruto: -20470, wajackoyah: 8796, mwaure: 8953 });
    const biggest = Math.max(...adjustments.map((a) => Math.abs(a.crowdsourced - a.used)));
    assert.equal(Math.abs(d.largest.paper - d.largest.logged), biggest);
  });

  test('an unknown station is refused by name', () => {
    assert.throws(() => auditPaper('999999999999999'), /no Kenya 2022 station 999999999999999/);
  });
});

// The README's Kenya 2022 audit table cannot drift: cells are recomputed here
// (real seeded audits of the 2022 presidential log, as the script prints them)
// and compared with the README's rows, and the table's shape and seed are checked.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { differsFromLog } from '../../src/simulate/audit-rounds.js';
import {
  auditTableCell,
  auditTableHeader,
  auditTableRow,
  KENYA_AUDIT_RISK_LIMITS,
  KENYA_AUDIT_SCENARIOS,
  KENYA_AUDIT_SEED,
  kenyaAudit,
  SIMULATED_AUDITS,
  scenarioPaper,
  syntheticMisreadStations,
} from '../../src/simulate/kenya-audit-table.js';

const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
const BEGIN = '<!-- kenya-audit-table: begin (scripts/kenya-audit-table.ts prints it) -->';
const END = '<!-- kenya-audit-table: end -->';

/** A markdown row's cells, trimmed (the formatter pads the README's columns). */
function cells(row: string): string[] {
  return row
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim().replace(/^-+:?$/, '---'));
}

/** The README's table, row by row, as cells. */
function readmeTable(): string[][] {
  const from = readme.indexOf(BEGIN);
  const to = readme.indexOf(END);
  assert.ok(from >= 0 && to > from, 'the README has no Kenya audit table between its markers');
  return readme
    .slice(from + BEGIN.length, to)
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map(cells);
}

/** The README row of a cell: the rows follow the risk limits, then the scenarios, in order. */
function readmeRow(riskLimit: number, scenario: number): string[] {
  const rows = readmeTable().slice(2);
  const i =
    KENYA_AUDIT_RISK_LIMITS.indexOf(riskLimit as 1 | 5 | 10) * KENYA_AUDIT_SCENARIOS.length +
    scenario;
  return rows[i] as string[];
}

describe('the Kenya 2022 audit table in the README', () => {
  test('its header, one row per risk limit and scenario, the seed and the command', () => {
    const table = readmeTable();
    assert.deepEqual(table.slice(0, 2), auditTableHeader(SIMULATED_AUDITS).map(cells));
    assert.equal(table.length, 2 + KENYA_AUDIT_RISK_LIMITS.length * KENYA_AUDIT_SCENARIOS.length);
    KENYA_AUDIT_RISK_LIMITS.forEach((limit, i) => {
      KENYA_AUDIT_SCENARIOS.forEach((scenario, j) => {
        const row = table[2 + i * KENYA_AUDIT_SCENARIOS.length + j] as string[];
        assert.equal(row[0], `${limit} %`, row.join(' | '));
        assert.match(
          row[1] as string,
          scenario.kind === 'observed' ? /the crowdsourced readings/ : /votes misread/,
        );
      });
    });
    assert.ok(readme.includes(KENYA_AUDIT_SEED), 'the README names the seed');
    assert.ok(
      readme.includes('npx tsx scripts/kenya-audit-table.ts'),
      'the README names the command',
    );
  });

  test('the observed paper at 5 %: the row recomputed, simulations included, equals the README', () => {
    const cell = auditTableCell(5, { kind: 'observed' });
    assert.equal(cell.differing, 2810);
    assert.deepEqual(cells(auditTableRow(cell)), readmeRow(5, 0));
  });

  test('no discrepancy at 10 %: the row recomputed with the published seed equals the README', () => {
    const cell = auditTableCell(10, { kind: 'synthetic', percent: 0 }, 0);
    assert.equal(cell.differing, 0);
    assert.equal(cell.audit.discrepancies, 0);
    assert.equal(cell.audit.outcome, 'risk-limit-met');
    // Every column but the simulations' (not run here).
    const cut = (row: string[]) => row.filter((_, i) => i !== 3 && i !== 4);
    assert.deepEqual(cut(cells(auditTableRow(cell))), cut(readmeRow(10, 1)));
  });

  test('the synthetic misreadings: nested sets of the stated share, 5 of the winner’s votes to the runner-up', () => {
    const k = kenyaAudit();
    const all = [...k.frozen.figures.keys()];
    const one = syntheticMisreadStations(all, 1);
    const five = syntheticMisreadStations(all, 5);
    assert.equal(one.size, Math.round(all.length / 100));
    assert.equal(five.size, Math.round((all.length * 5) / 100));
    for (const s of one) assert.ok(five.has(s), s);
    const paper = scenarioPaper(k, { kind: 'synthetic', percent: 1 });
    let differing = 0;
    for (const s of all) {
      const logged = k.frozen.figures.get(s);
      assert.ok(logged);
      const p = paper(s);
      if (!differsFromLog(logged, p)) continue;
      differing++;
      assert.ok(one.has(s), s);
      const moved = Math.min(5, logged.votes[k.winner] ?? 0);
      assert.equal(p.votes[k.winner], (logged.votes[k.winner] ?? 0) - moved);
      assert.equal(p.votes[k.runnerUp], (logged.votes[k.runnerUp] ?? 0) + moved);
    }
    assert.equal(k.winner, 'ruto');
    assert.equal(k.runnerUp, 'odinga');
    assert.ok(differing > 0.99 * one.size, `${differing} of ${one.size}`);
  });
});

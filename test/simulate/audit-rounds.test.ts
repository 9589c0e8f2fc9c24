// The offline audit (src/simulate/audit-rounds.ts) that the Kenya table runs:
// when a round is a full count, and a whole audit on a small election, drawn
// and measured by the fold's own code (src/election/audit-measures.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { drawRound, freezeFigures, withMacro } from '../../src/election/audit-measures.js';
import type { Contest, StationCode } from '../../src/election/definition.js';
import { checkDefinition } from '../../src/election/election-index.js';
import type { Figures } from '../../src/election/official-entry.js';
import { generateKey } from '../../src/log/note.js';
import {
  differsFromLog,
  MAX_SAMPLED_ROUNDS,
  nextAuditRound,
  runMacroAudit,
} from '../../src/simulate/audit-rounds.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';

const SEED = '12345678901234567890123';

describe('nextAuditRound', () => {
  const base = { sampledRounds: 1, risk: 0.2, estimate: 40, stations: 1000 };
  test("Arlo's estimate while sampling can still meet the limit", () => {
    assert.deepEqual(nextAuditRound(base), { full: false, draws: 40 });
    assert.deepEqual(nextAuditRound({ ...base, sampledRounds: 0, risk: 1 }), {
      full: false,
      draws: 40,
    });
    assert.deepEqual(nextAuditRound({ ...base, estimate: 0 }), { full: false, draws: 1 });
  });
  test('a full count: a risk of 1 after a round, an estimate of every station, or too many rounds', () => {
    assert.equal(nextAuditRound({ ...base, risk: 1 }).full, true);
    assert.equal(nextAuditRound({ ...base, estimate: 1000 }).full, true);
    assert.equal(nextAuditRound({ ...base, sampledRounds: MAX_SAMPLED_ROUNDS }).full, true);
    assert.equal(nextAuditRound({ ...base, sampledRounds: MAX_SAMPLED_ROUNDS - 1 }).full, false);
  });
});

describe('runMacroAudit on a small election', () => {
  const key = (name: string, fill: number) =>
    generateKey(name, new Uint8Array(32).fill(fill)).verifierKey;
  const checked = checkDefinition(
    syntheticDefinition({
      stations: 200,
      logOrigin: 'kura.example/audit-rounds',
      logKey: key('kura.example/audit-rounds', 1),
      commissionKey: key('commission', 2),
      presidentOnly: true,
    }),
  );
  assert.ok(checked.ok);
  const index = checked.value;
  const contest = index.contests.get('president') as Contest;
  // alpha well ahead everywhere: 60 % of each station's valid votes.
  const figures = new Map<StationCode, Figures>();
  for (const code of index.stations.keys()) {
    const valid = 200 + (Number(code.slice(-4, -2)) % 50);
    const alpha = Math.round(valid * 0.6);
    const beta = Math.round(valid * 0.3);
    figures.set(code, {
      votes: { alpha, beta, gamma: valid - alpha - beta },
      rejected: 3,
      totalValid: valid,
    });
  }
  const frozen = withMacro(freezeFigures(index, contest, 'macro', figures));
  const logged = (s: StationCode) => figures.get(s) as Figures;

  test('paper as logged: the limit is met in the first round, with the fold’s own draws', () => {
    const a = runMacroAudit(frozen, SEED, 5, logged);
    assert.equal(a.outcome, 'risk-limit-met');
    assert.equal(a.discrepancies, 0);
    assert.equal(a.rounds.length, 1);
    assert.ok(a.risk <= 0.05 && a.risk > 0);
    assert.deepEqual(a.draws, drawRound(frozen, SEED, 0, a.draws.length));
    assert.equal(a.stationsChecked, new Set(a.draws.map((d) => d.station)).size);
  });

  test('a paper not found where drawn: the risk is 1, so the next round is a full count', () => {
    const first = runMacroAudit(frozen, SEED, 5, logged).draws[0]?.station as string;
    const a = runMacroAudit(frozen, SEED, 5, (s) => (s === first ? 'not-found' : logged(s)));
    assert.equal(a.rounds.length, 2);
    assert.equal(a.rounds[1]?.full, true);
    assert.equal(a.stationsChecked, figures.size);
    assert.equal(a.discrepancies, 1);
    // One station's ballots lost do not overturn a 30-point lead.
    assert.equal(a.outcome, 'confirmed');
    assert.match(a.fullCountWhy ?? '', /risk 1/);
  });

  test('every paper reversed: the full count overturns the outcome', () => {
    const reversed = (s: StationCode): Figures => {
      const f = logged(s);
      return {
        ...f,
        votes: { alpha: f.votes.beta ?? 0, beta: f.votes.alpha ?? 0, gamma: f.votes.gamma ?? 0 },
      };
    };
    const a = runMacroAudit(frozen, SEED, 5, reversed);
    assert.equal(a.outcome, 'overturned');
    assert.equal(a.discrepancies, figures.size);
    assert.ok(
      differsFromLog(
        logged([...figures.keys()][0] as string),
        reversed([...figures.keys()][0] as string),
      ),
    );
  });
});

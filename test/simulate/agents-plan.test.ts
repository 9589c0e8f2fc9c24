// The demo's party agents (kura demo --agents), planned: which stations have
// an agent of each coalition, which agents dissent and with what figures.
// Seeded and reproducible; on Kenya 2022 the dissents are the crowdsourced
// readings the reconciliation changed, in the dissenting coalition's favour.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { presidentialAdjustments, presidentialStationResults } from '../../src/kenya/kenya2022.js';
import { toBase64 } from '../../src/log/bytes.js';
import { ed25519PublicKey } from '../../src/log/crypto.js';
import {
  demoAgentSeed,
  dissentReason,
  type Figures,
  favours,
  KENYA_COALITIONS,
  type StationAgent,
  stationAgents,
  syntheticCopy,
} from '../../src/simulate/agents-plan.js';
import { kenyaAgentCopies } from '../../src/simulate/kenya-agent-copies.js';

const ELECTION = 'kenya-2022';
const [KK, AZIMIO] = KENYA_COALITIONS as [
  (typeof KENYA_COALITIONS)[0],
  (typeof KENYA_COALITIONS)[0],
];

function loggedOf(s: ReturnType<typeof presidentialStationResults>[number]): Figures {
  return {
    votes: { odinga: s.odinga, ruto: s.ruto, wajackoyah: s.wajackoyah, mwaure: s.mwaure },
    rejected: s.rejected,
    totalValid: s.totalValid,
  };
}

function kenyaAgents(): Map<string, StationAgent[]> {
  const copyOf = kenyaAgentCopies();
  const out = new Map<string, StationAgent[]>();
  for (const s of presidentialStationResults()) {
    const logged = loggedOf(s);
    out.set(
      s.code,
      stationAgents({
        electionId: ELECTION,
        station: s.code,
        logged,
        copy: copyOf(s.code, logged),
        coalitions: KENYA_COALITIONS,
      }),
    );
  }
  return out;
}

describe('the demo agents of Kenya 2022', () => {
  const plan = kenyaAgents();
  const stations = plan.size;
  const all = [...plan.values()].flat();

  test('each coalition has an agent at all but a seeded ~3 % of the 46,229 presidential stations, drawn apart', () => {
    assert.equal(stations, 46_229);
    const covered = (party: string) => all.filter((a) => a.party === party).length;
    for (const c of KENYA_COALITIONS) {
      const missing = stations - covered(c.party);
      assert.ok(
        missing > 0.025 * stations && missing < 0.035 * stations,
        `${c.party}: ${missing} stations without an agent`,
      );
    }
    // Independent draws: few stations lack both (about 0.1 %), not 3 %.
    const none = [...plan.values()].filter((a) => a.length === 0).length;
    assert.ok(none > 0 && none < 0.003 * stations, `${none} stations with no agent at all`);
  });

  test('the same election gives the same agents, keys and words; another election different ones', () => {
    const again = kenyaAgents();
    assert.deepEqual([...again.entries()].slice(0, 3000), [...plan.entries()].slice(0, 3000));
    const code = presidentialStationResults()[100] as ReturnType<
      typeof presidentialStationResults
    >[number];
    const other = stationAgents({
      electionId: 'other',
      station: code.code,
      logged: loggedOf(code),
      copy: null,
      coalitions: KENYA_COALITIONS,
    });
    const mine = plan.get(code.code) ?? [];
    for (const a of other)
      assert.notEqual(a.publicKey, mine.find((m) => m.party === a.party)?.publicKey);
  });

  test("each agent's key is its demo seed's, distinct per coalition and station", () => {
    const keys = new Set<string>();
    for (const a of all.slice(0, 2000)) {
      assert.deepEqual(a.seed, demoAgentSeed(ELECTION, a.party, a.agent));
      assert.equal(a.publicKey, toBase64(ed25519PublicKey(a.seed)));
      keys.add(a.publicKey);
    }
    assert.equal(keys.size, 2000);
  });

  test('a few hundred dissent per coalition, each with the crowdsourced reading, in its own favour', () => {
    const adjusted = new Map<string, Map<string, number>>();
    for (const a of presidentialAdjustments()) {
      const m = adjusted.get(a.station) ?? new Map<string, number>();
      m.set(a.candidate, a.crowdsourced);
      adjusted.set(a.station, m);
    }
    const logged = new Map(presidentialStationResults().map((s) => [s.code, loggedOf(s)]));
    for (const c of KENYA_COALITIONS) {
      const dissents = all.filter((a) => a.party === c.party && a.word.kind === 'dissent');
      assert.ok(
        dissents.length > 300 && dissents.length < 800,
        `${c.party}: ${dissents.length} dissents`,
      );
      for (const d of dissents) {
        if (d.word.kind !== 'dissent') continue;
        const f = d.word.figures;
        const l = logged.get(d.station) as Figures;
        const readings = adjusted.get(d.station);
        assert.ok(readings, `${d.station} dissents but its reading was not changed`);
        for (const id of Object.keys(l.votes))
          assert.equal(f.votes[id], readings.get(id) ?? l.votes[id], `${d.station} ${id}`);
        assert.equal(
          f.totalValid - l.totalValid,
          Object.keys(l.votes).reduce((s, id) => s + (f.votes[id] ?? 0) - (l.votes[id] ?? 0), 0),
        );
        assert.ok(
          favours(c, KENYA_COALITIONS, l, f),
          `${d.station}: a ${c.party} dissent against itself`,
        );
        assert.ok(f.totalValid + f.rejected <= 700, `${d.station}: an impossible copy`);
        assert.equal(d.word.reason, dissentReason(l, f));
      }
    }
    // Where nothing was changed, every agent co-signs.
    for (const [station, agents] of plan)
      if (!adjusted.has(station))
        for (const a of agents) assert.equal(a.word.kind, 'attestation', station);
  });
});

describe('the planning rules', () => {
  const logged: Figures = {
    votes: { odinga: 100, ruto: 120, wajackoyah: 3, mwaure: 1 },
    rejected: 2,
    totalValid: 224,
  };
  const copy: Figures = {
    votes: { odinga: 110, ruto: 120, wajackoyah: 3, mwaure: 1 },
    rejected: 2,
    totalValid: 234,
  };

  test('a copy favours the coalition whose candidate it gives more, or whose rival it gives less', () => {
    assert.ok(favours(AZIMIO, KENYA_COALITIONS, logged, copy));
    assert.ok(!favours(KK, KENYA_COALITIONS, logged, copy));
    const lessOdinga = { ...copy, votes: { ...copy.votes, odinga: 90 } };
    assert.ok(favours(KK, KENYA_COALITIONS, logged, lessOdinga));
    assert.ok(!favours(AZIMIO, KENYA_COALITIONS, logged, lessOdinga));
    assert.ok(!favours(KK, KENYA_COALITIONS, logged, logged));
  });

  test('only the favoured coalition dissents, at the dissent share; none with no copy', () => {
    const station = (i: number) => `s${i}`;
    let dissents = 0;
    for (let i = 0; i < 400; i++) {
      const agents = stationAgents({
        electionId: 'e',
        station: station(i),
        logged,
        copy,
        coalitions: KENYA_COALITIONS,
        shares: { uncovered: 0, dissent: 0.5 },
      });
      assert.equal(agents.length, 2);
      assert.equal(agents.find((a) => a.party === KK.party)?.word.kind, 'attestation');
      if (agents.find((a) => a.party === AZIMIO.party)?.word.kind === 'dissent') dissents++;
      const none = stationAgents({
        electionId: 'e',
        station: station(i),
        logged,
        copy: null,
        coalitions: KENYA_COALITIONS,
      });
      assert.ok(none.every((a) => a.word.kind === 'attestation'));
    }
    assert.ok(dissents > 150 && dissents < 250, `${dissents} of 400`);
    const all = stationAgents({
      electionId: 'e',
      station: 'x',
      logged,
      copy,
      coalitions: KENYA_COALITIONS,
      shares: { uncovered: 0, dissent: 1 },
    });
    const d = all.find((a) => a.party === AZIMIO.party)?.word;
    assert.deepEqual(d, {
      kind: 'dissent',
      figures: copy,
      reason: 'our copy of the form reads odinga 110 (not 100)',
    });
    assert.equal(
      stationAgents({
        electionId: 'e',
        station: 'x',
        logged,
        copy,
        coalitions: KENYA_COALITIONS,
        shares: { uncovered: 1, dissent: 1 },
      }).length,
      0,
    );
  });

  test("a synthetic country's copies move a few votes at ~2 % of stations, keeping the totals", () => {
    const f: Figures = { votes: { alpha: 50, beta: 40, gamma: 9 }, rejected: 1, totalValid: 99 };
    let changed = 0;
    for (let i = 0; i < 5000; i++) {
      const c = syntheticCopy('synthetic-5000', `st${i}`, f);
      assert.deepEqual(c, syntheticCopy('synthetic-5000', `st${i}`, f));
      if (!c) continue;
      changed++;
      const diff = Object.keys(f.votes).map((id) => (c.votes[id] ?? 0) - (f.votes[id] ?? 0));
      assert.equal(
        diff.reduce((a, b) => a + b, 0),
        0,
      );
      assert.ok(diff.some((d) => d !== 0) && diff.every((d) => Math.abs(d) <= 15));
      assert.equal(c.totalValid, f.totalValid);
    }
    assert.ok(changed > 60 && changed < 140, `${changed} copies differ`);
  });
});

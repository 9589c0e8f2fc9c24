// `kura demo --agents` on a small synthetic country: the commission enrols the
// two parties through the API, every planned agent is enrolled and gives its
// word on its station's presidential result, and the demo ends with both
// parties' parallel tallies beside the official one. What the server answered
// matches the plan, entry for entry.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { checkDefinition } from '../../src/election/election-index.js';
import {
  SYNTHETIC_COALITIONS,
  stationAgents,
  syntheticCopy,
} from '../../src/simulate/agents-plan.js';
import { demo } from '../../src/simulate/demo.js';
import { syntheticNightPlan } from '../../src/simulate/synthetic-night.js';

const dir = mkdtempSync(join(tmpdir(), 'kura-demo-agents-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('kura demo --agents', () => {
  test('enrols both parties, their agents, and their words on every presidential result, then prints the parallel tallies', async () => {
    let text = '';
    const report = await demo({
      synthetic: 300,
      agents: true,
      speed: Number.POSITIVE_INFINITY,
      exit: true,
      data: join(dir, 'data'),
      election: join(dir, 'election'),
      port: '0',
      progress: false,
      out: (s) => {
        text += s;
      },
      serverStderr: (s) => {
        text += `[server] ${s}`;
      },
    }).catch((e: Error) => {
      throw new Error(`${e.stack}\n--- the demo's output:\n${text}`);
    });
    assert.ok(report.ok, text);

    // The plan, recomputed: the agents and their words the server must have logged.
    const definition = JSON.parse(
      readFileSync(join(dir, 'election/definition.json'), 'utf8'),
    ) as ElectionDefinition;
    const index = checkDefinition(definition);
    assert.ok(index.ok);
    let agents = 0;
    let dissents = 0;
    for (const p of syntheticNightPlan(index.value).results) {
      if (p.contest !== 'president') continue;
      const logged = { votes: p.votes, rejected: p.rejected, totalValid: p.totalValid };
      for (const a of stationAgents({
        electionId: definition.electionId,
        station: p.station,
        logged,
        copy: syntheticCopy(definition.electionId, p.station, logged),
        coalitions: SYNTHETIC_COALITIONS,
      })) {
        agents++;
        if (a.word.kind === 'dissent') dissents++;
      }
    }
    assert.ok(agents > 500 && dissents > 0, `${agents} agents, ${dissents} dissents planned`);
    assert.deepEqual(report.agents, {
      parties: { '201': 2 },
      roster: { '201': agents },
      attestation: { '201': agents - dissents },
      dissent: { '201': dissents },
    });
    assert.match(
      text,
      /Alpha Party and Beta Party enrolled by the commission|Alpha Party \(Asha Alpha\) and Beta Party/,
    );
    assert.match(text, /parallel tally/);
    for (const name of [
      'Asha Alpha',
      'Baraka Beta',
      'Gathoni Gamma',
      'co-signed',
      'disputed',
      'without an agent',
    ])
      assert.match(text, new RegExp(name));
    assert.match(
      text,
      /Alpha Party \(Asha Alpha\): differs from the official figures at \d+ stations?/,
    );
  });
});

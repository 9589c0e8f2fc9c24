// compareStations answers a served result that is the counted row's own JSON
// from the row (StationResultTable.sameAsStored), without making the result:
// that shortcut must never pass a page that differs from the log. Each field
// of a served result changed in turn is named; the honest pages pass.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import { encodeEntry, type ResultEntry, type Unsigned } from '../../src/election/entries.js';
import { TallyFold } from '../../src/election/fold.js';
import type { OpenedGenesis } from '../../src/election/genesis.js';
import { compareStations } from '../../src/verify/compare.js';
import { Findings } from '../../src/verify/report.js';
import { syntheticGenesis } from '../helpers/synthetic-genesis.js';

let opened: OpenedGenesis;
let fold: TallyFold;
let size = 0;

before(() => {
  const { definition, entryBytes, opened: o } = syntheticGenesis('compare', 6);
  opened = o;
  const index = opened.index;
  fold = new TallyFold(index);
  fold.applyBytes(size++, entryBytes);
  let k = 0;
  for (const station of definition.stations)
    for (const contest of index.contests.keys()) {
      const race = index.raceFor(contest, station.code);
      if (!race) continue;
      k++;
      const votes = Object.fromEntries(race.candidates.map((c, j) => [c, 10 + j + k]));
      const device = definition.devices.find((d) => d.station === station.code)?.id ?? 'none';
      const u: Unsigned<ResultEntry> = {
        type: 'result',
        v: 1,
        election: definition.electionId,
        contest,
        station: station.code,
        device,
        votes,
        rejected: k % 3,
        totalValid: Object.values(votes).reduce((s, n) => s + n, 0),
        form: 'cd'.repeat(32),
        deviceTime: '2022-08-09T18:00:00Z',
      };
      const entry = signResult(u, demoDeviceSeed(definition.electionId, device));
      fold.applyBytes(size++, encodeEntry(entry));
    }
  assert.equal(fold.anomalies.length, 0);
});

type Page = {
  station: Record<string, unknown>;
  devices: Array<{ id: string; publicKey: string }>;
  results: Record<string, Record<string, unknown> | null>;
};

/** The page an honest server shows for a station: its facts, devices and counted results. */
function honestPage(code: string): Page {
  const index = opened.index;
  const facts = index.stations.get(code);
  assert.ok(facts);
  const results: Page['results'] = {};
  for (const contest of index.contests.keys())
    if (index.raceFor(contest, code))
      results[contest] = JSON.parse(JSON.stringify(fold.result(contest, code) ?? null));
  return {
    station: {
      code: facts.code,
      name: facts.name,
      ward: facts.ward,
      registeredVoters: facts.registeredVoters,
    },
    devices: opened.definition.devices
      .filter((d) => d.station === code)
      .map((d) => ({ id: d.id, publicKey: d.publicKey })),
    results,
  };
}

function compare(code: string, page: Page): Findings {
  const findings = new Findings();
  const r = compareStations({
    index: opened.index,
    fold,
    size,
    findings,
    stations: [code],
    page: () => ({ body: page, where: 'GET /test' }),
  });
  assert.equal(r.compared, 1);
  assert.deepEqual(r.ahead, []);
  return findings;
}

test('honest station pages pass, every contest answered from its row', () => {
  for (const st of opened.definition.stations) {
    const page = honestPage(st.code);
    for (const [contest, served] of Object.entries(page.results)) {
      assert.ok(served, `${st.code} ${contest} has a counted result`);
      // The shortcut is taken: the served JSON is the row's.
      assert.equal(fold.results.get(contest)?.sameAsStored(st.code, served), true);
    }
    assert.deepEqual(compare(st.code, page).list, []);
  }
});

test('a served result changed in any field the log fixes is a station mismatch naming it', () => {
  const code = opened.definition.stations[2]?.code as string;
  const contest = 'president';
  const bump = (n: unknown) => (n as number) + 1;
  // [the field the finding names, the member changed, its new value from the old]
  const changes: Array<[string, string, (old: unknown) => unknown]> = [
    ['contest', 'contest', () => 'governor'],
    ['station', 'station', () => opened.definition.stations[3]?.code],
    ['entryIndex', 'entryIndex', (n) => (n as number) - 1],
    ['device', 'device', () => 'another-device'],
    ['rejected', 'rejected', bump],
    ['totalValid', 'totalValid', bump],
    ['form', 'form', () => 'ab'.repeat(32)],
    ['deviceTime', 'deviceTime', () => '2022-08-09T18:00:01Z'],
    [
      'votes.',
      'votes',
      (v) => {
        const votes = { ...(v as Record<string, number>) };
        const first = Object.keys(votes)[0] as string;
        votes[first] = bump(votes[first]) as number;
        return votes;
      },
    ],
    ['votes.', 'votes', (v) => ({ ...(v as Record<string, number>), intruder: 5 })],
    ['flags', 'flags', () => ['over-cap']],
  ];
  for (const [field, member, to] of changes) {
    const page = honestPage(code);
    const served = page.results[contest] as Record<string, unknown>;
    served[member] = to(served[member]);
    const found = compare(code, page).list;
    assert.equal(found.length, 1, `${field}: ${JSON.stringify(found)}`);
    assert.equal(found[0]?.kind, 'station-mismatch');
    assert.equal(found[0]?.contest, contest);
    assert.ok(found[0]?.message.includes(field), `${field}: ${found[0]?.message}`);
  }
  // A result the page leaves out, or shows as none, is named too.
  const none = honestPage(code);
  none.results[contest] = null;
  assert.match(compare(code, none).list[0]?.message ?? '', /shows no result/);
  const gone = honestPage(code);
  delete gone.results[contest];
  assert.match(compare(code, gone).list[0]?.message ?? '', /leaves the contest out/);
});

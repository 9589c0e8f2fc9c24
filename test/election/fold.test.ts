// Tallies above a contest's races count per party (docs/FORMATS.md §8): a
// county-scope contest's national tally sums the county races by party, a
// ward within an MCA race still lists its candidates, and every party total
// equals the sum of its candidates' station results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Candidate, ElectionDefinition, ScopeLevel } from '../../src/election/definition.js';
import { demoDevicePublicKey, demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import { checkDefinition, type ElectionIndex, NATION } from '../../src/election/election-index.js';
import { encodeEntry, type ResultEntry, type Unsigned } from '../../src/election/entries.js';
import { TallyFold, type UnitTally } from '../../src/election/fold.js';
import { checkResultVerdict, workerVerdict } from '../../src/election/rules.js';
import { generateKey } from '../../src/log/note.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';

/** A party name that must never reach Object.prototype. */
const PROTO = '__proto__';
const SEED = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);
const logKey = generateKey('kura.test/fold', SEED('log')).verifierKey;
const commissionKey = generateKey('kura.test-commission', SEED('commission')).verifierKey;

/** Two counties; MCA races in two of the three wards; parties that meet Object.prototype. */
function smallDefinition(): ElectionDefinition {
  const electionId = 'party-fold';
  const stations = [
    ['00100100010001', '0010010001', 500],
    ['00100100010002', '0010010001', 300],
    ['00100100020001', '0010010002', 450],
    ['00200100010001', '0020010001', 600],
    ['00200100010002', '0020010001', 200],
  ] as const;
  const cand = (id: string, party: unknown, unit: string | null): Candidate =>
    ({ id, name: id, party, unit }) as Candidate;
  return {
    format: 'kura-election/v1',
    electionId,
    title: 'Party fold test',
    logOrigin: 'kura.test/fold',
    logKey,
    commissionKey,
    perStationCap: 700,
    units: [
      { code: '001', level: 'county', name: 'North', parent: null },
      { code: '001001', level: 'constituency', name: 'North Central', parent: '001' },
      { code: '0010010001', level: 'ward', name: 'Hill', parent: '001001' },
      { code: '0010010002', level: 'ward', name: 'River', parent: '001001' },
      { code: '002', level: 'county', name: 'South', parent: null },
      { code: '002001', level: 'constituency', name: 'South Central', parent: '002' },
      { code: '0020010001', level: 'ward', name: 'Lake', parent: '002001' },
    ],
    stations: stations.map(([code, ward, registeredVoters]) => ({
      code,
      name: code,
      ward,
      registeredVoters,
    })),
    contests: [
      {
        id: 'governor',
        kind: 'governor',
        title: 'Governor',
        scope: 'county',
        forms: { station: '37A', constituency: '37B', declaration: '37C' },
        candidates: [
          cand('gov-001-1', 'Umoja', '001'),
          cand('gov-001-2', 'Independent', '001'),
          cand('gov-001-3', 'Independent', '001'),
          cand('gov-002-1', 'Umoja', '002'),
          cand('gov-002-2', '__proto__', '002'),
          cand('gov-002-3', 'constructor', '002'),
          // The definition does not check `party`: a non-string counts under "".
          cand('gov-002-4', 42, '002'),
        ],
      },
      {
        id: 'mca',
        kind: 'member-of-county-assembly',
        title: 'MCA',
        scope: 'ward',
        forms: { station: '36A', constituency: '36B', declaration: '36C' },
        candidates: [
          cand('mca-hill-1', 'Umoja', '0010010001'),
          cand('mca-hill-2', 'Maendeleo', '0010010001'),
          cand('mca-lake-1', 'Umoja', '0020010001'),
          cand('mca-lake-2', 'Independent', '0020010001'),
        ],
      },
    ],
    devices: stations.map(([code]) => ({
      id: `dev-${code}`,
      publicKey: demoDevicePublicKey(electionId, `dev-${code}`),
      station: code,
    })),
  };
}

/** Signed results for every (station, contest) with a race, with varied counts. */
function resultsFor(index: ElectionIndex, salt: number): ResultEntry[] {
  const def = index.definition;
  const out: ResultEntry[] = [];
  let k = salt;
  for (const s of def.stations)
    for (const contest of index.contests.keys()) {
      const race = index.raceFor(contest, s.code);
      if (!race) continue;
      const votes = Object.fromEntries(
        race.candidates.map((c) => [c, (k++ * 37 + c.length * 11) % 97]),
      );
      const unsigned: Unsigned<ResultEntry> = {
        type: 'result',
        v: 1,
        election: def.electionId,
        contest,
        station: s.code,
        device: `dev-${s.code}`,
        votes,
        rejected: k % 5,
        totalValid: Object.values(votes).reduce((a, n) => a + n, 0),
        form: 'ef'.repeat(32),
        deviceTime: '2022-08-09T18:00:00Z',
      };
      out.push(signResult(unsigned, demoDeviceSeed(def.electionId, unsigned.device)));
    }
  return out;
}

function foldAll(index: ElectionIndex, results: ResultEntry[]): TallyFold {
  const fold = new TallyFold(index);
  // Entry 0 (the election entry) is the verifier's to check, not the fold's: a placeholder will do.
  fold.applyBytes(0, new TextEncoder().encode('{"type":"election"}'));
  results.forEach((r, i) => {
    fold.applyBytes(i + 1, encodeEntry(r));
  });
  assert.deepEqual(
    fold.anomalies.filter((a) => a.entryIndex > 0),
    [],
  );
  return fold;
}

function indexOf(def: ElectionDefinition): ElectionIndex {
  const r = checkDefinition(def);
  assert.ok(r.ok, r.ok ? '' : r.error.join('; '));
  return r.value;
}

test('a county-scope contest counts per party nationally: no candidates, the races summed', () => {
  const index = indexOf(smallDefinition());
  const before = new TallyFold(index).tally('governor', NATION);
  assert.ok(before);
  assert.equal(before.votes, undefined);
  assert.equal(before.races, 2);
  // Every party standing anywhere in the nation, at 0; the non-string party under "".
  assert.deepEqual(
    { ...before.partyVotes },
    { Umoja: 0, Independent: 0, ['__proto__']: 0, constructor: 0, '': 0 },
  );
  assert.equal(Object.getPrototypeOf(before.partyVotes), null);

  const results = resultsFor(index, 3);
  const fold = foldAll(index, results);
  const nation = fold.tally('governor', NATION);
  assert.ok(nation?.partyVotes);
  const of = (station: string, cand: string) =>
    fold.result('governor', station)?.votes[cand] ?? Number.NaN;
  const north = ['00100100010001', '00100100010002', '00100100020001'];
  const south = ['00200100010001', '00200100010002'];
  const sum = (stations: string[], cands: string[]) =>
    stations.reduce((a, s) => a + cands.reduce((b, c) => b + of(s, c), 0), 0);
  assert.equal(nation.partyVotes.Umoja, sum(north, ['gov-001-1']) + sum(south, ['gov-002-1']));
  // Two independents in one race both count under the party string they carry.
  assert.equal(nation.partyVotes.Independent, sum(north, ['gov-001-2', 'gov-001-3']));
  assert.equal(nation.partyVotes[PROTO], sum(south, ['gov-002-2']));
  assert.equal(nation.partyVotes.constructor, sum(south, ['gov-002-3']));
  assert.equal(nation.partyVotes[''], sum(south, ['gov-002-4']));
  assert.equal(nation.stationsReported, 5);
  assert.equal(nation.races, 2);
  // A tally survives JSON (the store and the API) with every party, "__proto__" included.
  const copy = JSON.parse(JSON.stringify(nation)) as UnitTally;
  assert.deepEqual(
    Object.keys(copy.partyVotes ?? {}).sort(),
    ['', '__proto__', 'constructor', 'Independent', 'Umoja'].sort(),
  );
  assert.equal(
    Object.getOwnPropertyDescriptor(copy.partyVotes, PROTO)?.value,
    nation.partyVotes[PROTO],
  );

  // The county is one race: its candidates, as before.
  const county = fold.tally('governor', '001');
  assert.ok(county?.votes);
  assert.equal(county.partyVotes, undefined);
  assert.equal(county.races, undefined);
  assert.deepEqual(Object.keys(county.votes), ['gov-001-1', 'gov-001-2', 'gov-001-3']);
  assert.equal(county.votes['gov-001-2'], sum(north, ['gov-001-2']));
});

test('an MCA ward lists its candidates; above the ward the tally counts parties and races', () => {
  const index = indexOf(smallDefinition());
  const fold = foldAll(index, resultsFor(index, 11));
  const hill = fold.tally('mca', '0010010001');
  assert.ok(hill?.votes);
  assert.deepEqual(Object.keys(hill.votes), ['mca-hill-1', 'mca-hill-2']);
  const station = fold.result('mca', '00100100010001');
  const other = fold.result('mca', '00100100010002');
  assert.ok(station && other);
  assert.equal(
    hill.votes['mca-hill-1'],
    (station.votes['mca-hill-1'] ?? 0) + (other.votes['mca-hill-1'] ?? 0),
  );
  // A ward without an MCA race has no tally.
  assert.equal(fold.tally('mca', '0010010002'), undefined);
  // Above the contest's scope the form follows the level, even with a single race inside.
  const constituency = fold.tally('mca', '001001');
  assert.ok(constituency?.partyVotes);
  assert.equal(constituency.votes, undefined);
  assert.equal(constituency.races, 1);
  assert.deepEqual(Object.keys(constituency.partyVotes), ['Umoja', 'Maendeleo']);
  assert.equal(constituency.stationsExpected, 2);
  const nation = fold.tally('mca', NATION);
  assert.equal(nation?.races, 2);
  assert.deepEqual(Object.keys(nation?.partyVotes ?? {}), ['Umoja', 'Maendeleo', 'Independent']);
});

test('every party total is the sum of its candidates’ station results (six contests, four levels)', () => {
  const def = syntheticDefinition({
    electionId: 'party-sums',
    stations: 75,
    logOrigin: 'kura.test/fold',
    logKey,
    commissionKey,
    presidentOnly: false,
  });
  // Give the candidates of some races the same party, as independents are.
  for (const c of def.contests)
    for (const [i, cand] of c.candidates.entries()) if (i % 5 === 4) cand.party = 'Independent';
  const index = indexOf(def);
  const results = resultsFor(index, 5);
  // Leave some stations out, so that partial sums are checked too.
  const fold = foldAll(
    index,
    results.filter((_, i) => i % 7 !== 3),
  );
  const rank: Record<ScopeLevel, number> = { nation: 0, county: 1, constituency: 2, ward: 3 };
  let partyTallies = 0;
  for (const contest of def.contests) {
    const partyOf = new Map(contest.candidates.map((c) => [c.id, c.party]));
    const units = fold.tallies.get(contest.id);
    assert.ok(units);
    for (const [unit, t] of units) {
      const level = unit === NATION ? 'nation' : (index.units.get(unit)?.level ?? 'nation');
      const inside = def.stations.filter((s) => index.rollup(s.code).includes(unit));
      const expected: Record<string, number> = {};
      const races = new Set<string>();
      for (const s of inside) {
        const race = index.raceFor(contest.id, s.code);
        if (!race) continue;
        races.add(race.unit);
        for (const c of race.candidates) {
          const key = t.partyVotes ? (partyOf.get(c) as string) : c;
          expected[key] = (expected[key] ?? 0) + (fold.result(contest.id, s.code)?.votes[c] ?? 0);
        }
      }
      if (rank[level] < rank[contest.scope]) {
        partyTallies++;
        assert.equal(t.votes, undefined, `${contest.id} ${unit}`);
        assert.equal(t.races, races.size, `${contest.id} ${unit}`);
        assert.deepEqual({ ...t.partyVotes }, expected, `${contest.id} ${unit}`);
      } else {
        assert.equal(t.partyVotes, undefined, `${contest.id} ${unit}`);
        assert.equal(races.size, 1);
        assert.deepEqual({ ...t.votes }, expected, `${contest.id} ${unit}`);
      }
      const sum = Object.values(t.votes ?? t.partyVotes ?? {}).reduce((a, n) => a + n, 0);
      assert.equal(sum, t.totalValid, `${contest.id} ${unit}: forms sum to their totals`);
    }
  }
  // Nation (5 contests) + 3 counties (county scope: 0; constituency: 3; ward: 3·2) + ...
  assert.ok(partyTallies > 20, `${partyTallies} party tallies checked`);
});

test('a prechecked result is counted on its verdict while its device stands; otherwise by the rules', () => {
  const index = indexOf(smallDefinition());
  const results = resultsFor(index, 7);
  const first = results[0];
  const second = results.find((r) => r.station !== first?.station);
  assert.ok(first && second);
  const fold = new TallyFold(index);
  fold.applyBytes(0, new TextEncoder().encode('{"type":"election"}'));
  // The verdict is taken at its word: its flags, and no second signature check.
  const unsigned = { ...first, sig: `${'A'.repeat(86)}==` };
  fold.applyPrechecked(1, unsigned, workerVerdict(['over-cap']));
  const after = (i: number) => fold.anomalies.filter((a) => a.entryIndex >= i);
  assert.deepEqual(after(1), []);
  assert.deepEqual(fold.result(first.contest, first.station)?.flags, ['over-cap']);
  // A verdict on a device that does not stand (here: another station's) is not enough.
  const verdict = checkResultVerdict(index, second);
  assert.ok(verdict.ok);
  const elsewhere = { ...second, device: `dev-${first.station}` };
  fold.applyPrechecked(2, elsewhere, verdict.value);
  assert.deepEqual(
    after(1).map((a) => [a.entryIndex, a.kind, a.detail.split(':')[0]]),
    [[2, 'rule-violation', 'DEVICE_NOT_ENROLLED_AT_STATION']],
  );
  assert.equal(fold.result(second.contest, second.station), undefined);
  assert.equal(fold.size, 3);
});

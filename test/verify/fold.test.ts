// The verifier's fold (worker threads check rules and signatures, bundles
// arrive in any order, the fold takes the workers' flags) must reach exactly
// what the server's own fold reaches from the same entries, anomalies
// included: bad signatures, duplicates, undecodable bytes, a second election
// entry, unknown candidates, wrong devices, and flagged results.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import type { ResultEntry, Unsigned } from '../../src/election/entries.js';
import { encodeEntry } from '../../src/election/entries.js';
import { TallyFold } from '../../src/election/fold.js';
import { createGenesis, type OpenedGenesis, openGenesis } from '../../src/election/genesis.js';
import { generateKey } from '../../src/log/note.js';
import { SignaturePool } from '../../src/platform/signature-pool.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';
import { diffTally } from '../../src/verify/compare.js';
import { StreamingFold } from '../../src/verify/fold.js';

const SEED = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);
let pool: SignaturePool;
let opened: OpenedGenesis;
let definitionBytes: Uint8Array;
const entries: Uint8Array[] = [];

before(async () => {
  const log = generateKey('kura.test/fold', SEED('log'));
  const commission = generateKey('kura.test-commission', SEED('commission'));
  const definition = syntheticDefinition({
    electionId: 'fold-test',
    stations: 40,
    logOrigin: 'kura.test/fold',
    logKey: log.verifierKey,
    commissionKey: commission.verifierKey,
    presidentOnly: false,
  });
  const genesis = createGenesis(definition, SEED('commission'), new Date('2022-08-09T05:00:00Z'));
  const o = openGenesis(genesis.entryBytes, genesis.definitionBytes);
  assert.ok(o.ok);
  opened = o.value;
  definitionBytes = genesis.definitionBytes;
  const index = opened.index;
  const sign = (u: Unsigned<ResultEntry>, device = u.device) =>
    signResult(u, demoDeviceSeed(definition.electionId, device));
  const result = (station: string, contest: string, k: number): Unsigned<ResultEntry> => {
    const race = index.raceFor(contest, station);
    const votes = Object.fromEntries((race?.candidates ?? []).map((c, j) => [c, 10 + j + k]));
    return {
      type: 'result',
      v: 1,
      election: definition.electionId,
      contest,
      station,
      device: definition.devices.find((d) => d.station === station)?.id ?? 'none',
      votes,
      rejected: k % 3,
      totalValid: Object.values(votes).reduce((s, n) => s + n, 0) + (k % 7 === 0 ? 1 : 0),
      form: 'cd'.repeat(32),
      deviceTime: '2022-08-09T18:00:00Z',
    };
  };
  entries.push(genesis.entryBytes);
  let k = 0;
  for (const station of definition.stations)
    for (const contest of index.contests.keys())
      if (index.raceFor(contest, station.code)) {
        k++;
        const u = result(station.code, contest, k);
        if (k % 50 === 0) u.votes = Object.fromEntries(Object.keys(u.votes).map((c) => [c, 900])); // over-registered, over-cap
        entries.push(encodeEntry(sign(u)));
        if (k % 37 === 0) entries.push(encodeEntry(sign({ ...u, rejected: u.rejected + 1 }))); // duplicate
        if (k % 41 === 0) entries.push(encodeEntry({ ...sign(u), rejected: 99 })); // bad signature
        if (k % 43 === 0) entries.push(new TextEncoder().encode('{"type":"result"}')); // undecodable
        if (k % 47 === 0) entries.push(genesis.entryBytes); // misplaced election entry
        if (k % 53 === 0) {
          const bad = result(station.code, contest, k);
          bad.votes = { ...bad.votes, nobody: 1 };
          entries.push(encodeEntry(sign(bad))); // unknown candidate
        }
        if (k % 59 === 0) {
          const other = definition.devices.find((d) => d.station !== station.code);
          entries.push(
            encodeEntry(sign({ ...result(station.code, contest, k), device: other?.id ?? '' })),
          ); // wrong device
        }
      }
  pool = await SignaturePool.start({ definitionBytes, threads: 2 });
});
after(async () => pool?.close());

test('the verifier fold equals the server fold on the same entries, anomalies included', async () => {
  const plain = new TallyFold(opened.index);
  for (const [i, e] of entries.entries()) plain.applyBytes(i, e);
  const kinds = new Set(plain.anomalies.map((a) => a.kind));
  assert.deepEqual([...kinds].sort(), [
    'duplicate-result',
    'misplaced-election-entry',
    'rule-violation',
    'undecodable',
  ]);
  assert.ok(plain.anomalies.some((a) => a.detail.startsWith('BAD_SIGNATURE')));

  // Bundles of 7 entries, handed over in a scrambled order.
  const sf = new StreamingFold(opened.index, pool);
  const bundles: Array<[number, number, Uint8Array[]]> = [];
  for (let b = 0; b * 7 < entries.length; b++)
    bundles.push([b, b * 7, entries.slice(b * 7, b * 7 + 7)]);
  const order = bundles
    .map((_, i) => i)
    .sort((x, y) => ((x * 7919) % 13) - ((y * 7919) % 13) || x - y);
  for (const i of order) {
    const [b, first, list] = bundles[i] as [number, number, Uint8Array[]];
    sf.add(b, first, list);
  }
  await sf.finish(bundles.length);
  assert.equal(sf.fold.size, entries.length);
  assert.deepEqual(sf.fold.anomalies, plain.anomalies);
  // The tables are packed: compare the results they give.
  const counted = (f: typeof plain) => [...f.results].map(([c, table]) => [c, [...table]]);
  assert.deepEqual(counted(sf.fold), counted(plain));
  assert.deepEqual(sf.fold.tallies, plain.tallies);
  const nation = sf.fold.tally('president');
  assert.ok((nation?.flagged['over-registered'] ?? 0) > 0);
  assert.ok((nation?.flagged['sum-mismatch'] ?? 0) > 0);
  // Every result that reached the signature check was verified on a worker.
  assert.ok(pool.signatures > 0);
});

test('a served party tally is compared party by party, and must not count per candidate', () => {
  const plain = new TallyFold(opened.index);
  for (const [i, e] of entries.entries()) plain.applyBytes(i, e);
  const log = plain.tally('governor');
  assert.ok(log?.partyVotes);
  const served = () => JSON.parse(JSON.stringify(log)) as Record<string, unknown>;
  assert.deepEqual(diffTally(log, served()), []);

  const changed = served();
  const parties = changed.partyVotes as Record<string, number>;
  const [party] = Object.keys(parties);
  assert.ok(party);
  parties[party] = (parties[party] ?? 0) + 5;
  changed.races = log.races + 1;
  assert.deepEqual(
    diffTally(log, changed).map((d) => d.field),
    ['races', `partyVotes.${party}`],
  );

  // The same figures per candidate instead: the wrong form for a unit above the races.
  const perCandidate = served();
  delete perCandidate.partyVotes;
  perCandidate.votes = { 'governor-001-1': 1 };
  const fields = diffTally(log, perCandidate).map((d) => d.field);
  assert.deepEqual(fields.slice(0, 2), ['votes', 'partyVotes']);
  // ...and then each party the log counts, missing from the served tally.
  assert.deepEqual(
    fields.slice(2),
    Object.keys(log.partyVotes)
      .filter((p) => log.partyVotes[p] !== 0)
      .sort()
      .map((p) => `partyVotes.${p}`),
  );
});

test('demo keys are recognised on the workers', async () => {
  const devices = opened.definition.devices.map((d) => ({ id: d.id, publicKey: d.publicKey }));
  const demo = await pool.demoKeyDevices([
    ...devices,
    { id: 'not-a-demo', publicKey: devices[0]?.publicKey ?? '' },
  ]);
  assert.equal(demo.length, devices.length);
});

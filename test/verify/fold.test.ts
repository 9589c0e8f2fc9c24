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
import { hashEntries, packEntries } from '../../src/election/entry-checks.js';
import { TallyFold } from '../../src/election/fold.js';
import type { OpenedGenesis } from '../../src/election/genesis.js';
import { sha256 } from '../../src/log/crypto.js';
import { leafHash, rootFromLeafHashes } from '../../src/log/merkle.js';
import { buildTiles, decodeEntryBundleViews, encodeEntryBundle } from '../../src/log/tiles.js';
import { SignaturePool } from '../../src/platform/signature-pool.js';
import { diffTally } from '../../src/verify/compare.js';
import { StreamingFold } from '../../src/verify/fold.js';
import type { LogReader } from '../../src/verify/log-reader.js';
import { mirrorLog } from '../../src/verify/mirror.js';
import { Findings } from '../../src/verify/report.js';
import { syntheticGenesis } from '../helpers/synthetic-genesis.js';

let pool: SignaturePool;
let opened: OpenedGenesis;
let definitionBytes: Uint8Array;
const entries: Uint8Array[] = [];

before(async () => {
  const genesis = syntheticGenesis('fold', 40);
  const { definition } = genesis;
  opened = genesis.opened;
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

test('the workers hash every entry they are given, leaf hash and entry hash, from an entry bundle or loose entries', async () => {
  const some = entries.slice(0, 9);
  some.push(new Uint8Array(0)); // an empty entry has a leaf hash too
  const bundle = encodeEntryBundle(some);
  const kept = bundle.slice();
  const views = decodeEntryBundleViews(bundle);
  assert.ok(views.ok);
  const loose = some.map((e) => e.slice());
  for (const [list, checkFrom] of [
    [views.value, 0],
    [views.value, 4],
    [loose, 0],
    [loose, some.length],
  ] as const) {
    const h = await pool.hashEntries(list);
    assert.equal(h.leaves.length, 32 * some.length);
    for (const [k, e] of some.entries()) {
      assert.deepEqual(h.leaves.subarray(32 * k, 32 * k + 32), leafHash(e), `leaf ${k}`);
      assert.deepEqual(h.hashes.subarray(32 * k, 32 * k + 32), sha256(e), `hash ${k}`);
    }
    assert.deepEqual(h.root, rootFromLeafHashes(some.map(leafHash)));
    // The entries come back, unchanged, for the checks; their verdicts are those from checkFrom on.
    const v = await pool.checkEntries(h.entries, checkFrom);
    const w = await pool.checkEntries(some.slice(checkFrom));
    assert.deepEqual([v.status, v.flags, v.signatures], [w.status, w.flags, w.signatures]);
    assert.equal(v.status.length, some.length - checkFrom);
  }
  // Entries a kept fold holds: their leaf hashes, and no entry hash (zeros) before hashesFrom.
  const part = await pool.hashEntries(views.value, 4);
  for (const [k, e] of some.entries()) {
    assert.deepEqual(part.leaves.subarray(32 * k, 32 * k + 32), leafHash(e), `leaf ${k}`);
    assert.deepEqual(
      part.hashes.subarray(32 * k, 32 * k + 32),
      k < 4 ? new Uint8Array(32) : sha256(e),
      `hash ${k}`,
    );
  }
  // The bundle read is the caller's: the workers hashed their own copy.
  assert.deepEqual(bundle, kept);
  // Entries with no spare byte before each are refused, not hashed wrongly.
  const packed = packEntries(some);
  assert.throws(
    () => hashEntries({ buffer: packed.buffer, bounds: Uint32Array.of(0, 3) }),
    /no spare byte/,
  );
  assert.throws(
    () => hashEntries({ buffer: packed.buffer, bounds: Uint32Array.of(1, 5, 5, 9) }),
    /no spare byte/,
  );
});

/** A log server in memory: the tiles and root of `signed`, the entries of `served`. */
function logOf(signed: Uint8Array[], served: Uint8Array[]) {
  const tiles = new Map<string, Uint8Array>();
  for (const t of buildTiles(signed.map(leafHash))) tiles.set(`${t.level}/${t.index}`, t.data);
  const read = (d: Uint8Array | undefined) =>
    d ? { ok: true as const, value: d } : { ok: false as const, error: { status: 404, text: '' } };
  const reader = {
    name: 'memory',
    where: (p: string) => p,
    entryBundle: async (index: number, width: number) =>
      read(encodeEntryBundle(served.slice(index * 256, index * 256 + width))),
    tile: async (level: number, index: number, width: number) =>
      read(tiles.get(`${level}/${index}`)?.subarray(0, width * 32)),
    entry: async (i: number) => read(served[i]),
  } as unknown as LogReader;
  return { reader, rootHash: rootFromLeafHashes(signed.map(leafHash)) };
}

test('the mirror builds the tree from the leaf hashes the workers compute, and still names a changed entry', async () => {
  // Three bundles (two full), so the tree has a level-1 tile.
  const signed: Uint8Array[] = [];
  while (signed.length < 600) signed.push(entries[signed.length % entries.length] as Uint8Array);
  const mirror = async (served: Uint8Array[], onBundle: 'workers' | 'garbage' | 'none') => {
    const findings = new Findings();
    const sf = new StreamingFold(opened.index, pool);
    const { reader, rootHash } = logOf(signed, served);
    const m = await mirrorLog({
      source: reader,
      state: null,
      readCache: false,
      size: signed.length,
      rootHash,
      concurrency: 3,
      findings,
      ...(onBundle === 'none'
        ? {}
        : {
            onBundle: (b: number, first: number, list: Uint8Array[]) =>
              onBundle === 'workers'
                ? sf.add(b, first, list)
                : Promise.resolve({
                    leaves: new Uint8Array(32 * list.length - 1),
                    root: new Uint8Array(32),
                  }),
          }),
    });
    return { m, findings };
  };
  for (const how of ['workers', 'garbage', 'none'] as const) {
    const { m, findings } = await mirror(signed, how);
    assert.equal(m.entriesVerified, true, how);
    assert.deepEqual(findings.list, []);
    assert.deepEqual(m.leafHashes, signed.map(leafHash));
  }
  // One byte of entry 300 (in the second bundle) changed: named, with its index.
  const served = signed.slice();
  const victim = (served[300] as Uint8Array).slice();
  victim[victim.length - 3] = (victim[victim.length - 3] as number) ^ 1;
  served[300] = victim;
  const { m, findings } = await mirror(served, 'workers');
  assert.equal(m.entriesVerified, false);
  const changed = findings.list.filter((f) => f.kind === 'entry-mismatch');
  assert.deepEqual(
    changed.map((f) => f.entryIndex),
    [300],
  );
  assert.match(changed[0]?.message ?? '', /^entry 300 .*was changed/);
});

test('bundles hashed ahead of the checks are hashed in the order given (the fold takes them in log order)', async () => {
  const one = await SignaturePool.start({ definitionBytes, threads: 1 });
  try {
    const order: string[] = [];
    const checks = Array.from({ length: 12 }, () => one.checkEntries(entries));
    const hashed = Array.from({ length: 5 }, (_, i) =>
      one.hashEntries(entries.slice(0, 3)).then(() => order.push(`hash ${i}`)),
    );
    await Promise.all([...checks, ...hashed]);
    assert.deepEqual(order, ['hash 0', 'hash 1', 'hash 2', 'hash 3', 'hash 4']);
  } finally {
    await one.close();
  }
});

test('the hashing of a bundle goes ahead of the checks already queued', async () => {
  const one = await SignaturePool.start({ definitionBytes, threads: 1 });
  try {
    const order: string[] = [];
    const checks = Array.from({ length: 12 }, (_, i) =>
      one.checkEntries(entries).then(() => order.push(`check ${i}`)),
    );
    const hashed = one.hashEntries(entries.slice(0, 3)).then(() => order.push('hash'));
    await Promise.all([...checks, hashed]);
    // At most a few checks were already on the worker (WorkerPool's DEPTH); the rest waited.
    const at = order.indexOf('hash');
    assert.ok(at >= 0 && at <= 4, order.join(', '));
  } finally {
    await one.close();
  }
});

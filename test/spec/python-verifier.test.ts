// Runs an independent verifier, written in Python from docs/FORMATS.md alone
// (test/spec/verify_kura.py, standard library only), against a live kura server:
// it must accept an honest log and name a tally that was tampered with.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import type { ResultEntry } from '../../src/election/entries.js';
import { toBase64 } from '../../src/log/bytes.js';
import { ed25519PublicKey } from '../../src/log/crypto.js';
import { startLog } from '../../src/server/start.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { newTestLog } from '../helpers/test-log.js';

const here = dirname(fileURLToPath(import.meta.url));
const VERIFIER = join(here, 'verify_kura.py');
const VECTORS = join(here, 'selftest_vectors.py');
const PYTHON = process.env.PYTHON ?? 'python3';

const probe = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' });
const hasPython = probe.status === 0;
const skip =
  hasPython || process.env.CI
    ? false
    : `${PYTHON} not found: skipping the independent Python verifier (set CI to make this a failure)`;

function requirePython(): void {
  assert.ok(
    hasPython,
    `${PYTHON} is required for the independent verifier test but was not found (CI is set): ${probe.error?.message ?? probe.stderr}`,
  );
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs Python without blocking the event loop (the server answers in this process). */
function python(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      args,
      { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The candidates of a station's race in a contest (§6.2), or null if it takes no part. */
function raceOf(def: ElectionDefinition, contestId: string, stationCode: string): string[] | null {
  const contest = def.contests.find((c) => c.id === contestId);
  const station = def.stations.find((s) => s.code === stationCode);
  if (!contest || !station) return null;
  const parent = (code: string) => def.units.find((u) => u.code === code)?.parent ?? null;
  const ward = station.ward;
  const constituency = parent(ward);
  const county = constituency === null ? null : parent(constituency);
  const raceUnit = { nation: null, county, constituency, ward }[contest.scope];
  const ids = contest.candidates
    .filter((c) => (contest.scope === 'nation' ? true : c.unit === raceUnit))
    .map((c) => c.id);
  return ids.length > 0 ? ids : null;
}

test('the Python verifier passes the FORMATS.md test vectors', { skip }, async () => {
  requirePython();
  const r = await python([VECTORS]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /\n0 failure\(s\)/);
});

test('the Python verifier accepts an honest log and names a tampered tally', { skip }, async () => {
  requirePython();
  const t = await newTestLog('pglite', { stations: 12, presidentOnly: false, officials: true });
  let reader: Awaited<ReturnType<typeof startLog>> | null = null;
  try {
    const def = t.definition;
    const post = async (payload: ResultEntry) => {
      const res = await t.running.app.inject({ method: 'POST', url: '/api/v1/results', payload });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { index: number; flags: string[] };
    };
    // President for every station but the last; every other contest for the first four
    // stations (with the votes of each station's own race).
    const stations = def.stations.map((s) => s.code);
    let submitted = 0;
    for (const code of stations.slice(0, -2)) {
      await post(t.result(code));
      submitted++;
    }
    for (const code of stations.slice(0, 4)) {
      for (const contest of def.contests) {
        if (contest.id === 'president') continue;
        const race = raceOf(def, contest.id, code);
        if (!race) continue;
        const votes = Object.fromEntries(race.map((c, i) => [c, 5 + 3 * i]));
        await post(t.result(code, { votes }, contest.id));
        submitted++;
      }
    }
    assert.ok(submitted > def.contests.length + 4, 'several stations and contests submitted');
    // An implausible result: more votes than registered voters. Accepted and flagged.
    const big = stations.at(-2) as string;
    const registered = def.stations.find((s) => s.code === big)?.registeredVoters ?? 0;
    const presidentRace = raceOf(def, 'president', big) ?? [];
    const bigVotes = Object.fromEntries(presidentRace.map((c) => [c, registered + 1]));
    const flagged = await post(t.result(big, { votes: bigVotes }));
    assert.ok(flagged.flags.includes('over-registered'), JSON.stringify(flagged));
    // And one whose candidate votes do not add up to totalValid.
    const last = stations.at(-1) as string;
    const mismatch = await post(t.result(last, { totalValid: 1 }));
    assert.deepEqual(mismatch.flags, ['sum-mismatch']);

    // Officials on the record (§14): accounts, a kit revoked and replaced, a
    // correction put in force by two approvals, and two declarations (one with an override).
    const officials = t.running.officials;
    const fold = t.running.sequencer?.fold;
    assert.ok(officials && fold);
    await officials.createAccount(null, {
      account: 'chair',
      role: 'commission-admin',
      scope: '',
      password: 'long enough password',
    });
    const who = (id: string) => fold.officials.accounts.get(id) ?? null;
    const s0 = stations[0] as string;
    const constituency = t.running.election.index.unitOf(s0, 'constituency') as string;
    // From the console: an administrator alone may create only observers (§14.2, the two-person rule).
    await officials.createAccount(null, {
      account: 'ro',
      role: 'returning-officer',
      scope: constituency,
      password: 'long enough password',
    });
    await officials.createAccount(null, {
      account: 'clerk',
      role: 'commission-admin',
      scope: '',
      password: 'long enough password',
    });
    const lost = def.devices.find((d) => d.station === stations[2])?.id as string;
    await officials.act(who('chair'), {
      kind: 'device-enrolled',
      device: 'kit-2b',
      station: stations[2] as string,
      publicKey: toBase64(ed25519PublicKey(demoDeviceSeed(def.electionId, 'kit-2b'))),
      replaces: lost,
    });
    const r0 = fold.result('president', s0);
    assert.ok(r0);
    const fixed = Object.fromEntries(Object.entries(r0.votes).map(([c, n], k) => [c, n + k + 1]));
    const proposal = await officials.act(who('clerk'), {
      kind: 'correction-proposed',
      contest: 'president',
      station: s0,
      original: r0.entryIndex,
      reason: 'transposed digits',
      form: 'cd'.repeat(32),
      votes: fixed,
      rejected: r0.rejected,
      totalValid: Object.values(fixed).reduce((a, b) => a + b, 0),
    });
    await officials.act(who('ro'), { kind: 'correction-approved', correction: proposal.index });
    await officials.act(who('chair'), { kind: 'correction-approved', correction: proposal.index });
    const local = fold.raceFigures('president', constituency);
    assert.ok(local);
    await officials.act(who('ro'), {
      kind: 'declaration',
      contest: 'president',
      unit: constituency,
      votes: { ...local.votes },
      rejected: local.rejected + 1,
      totalValid: local.totalValid,
      override: 'one rejected ballot found in the wrong box',
    });
    const national = fold.raceFigures('president', '');
    assert.ok(national);
    await officials.act(who('chair'), {
      kind: 'declaration',
      contest: 'president',
      unit: '',
      votes: { ...national.votes },
      rejected: national.rejected,
      totalValid: national.totalValid,
      override: '',
    });
    assert.equal(fold.anomalies.length, 0, JSON.stringify(fold.anomalies));

    const url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
    const args = [VERIFIER, url, '--log-key', def.logKey, '--commission-key', def.commissionKey];
    const honest = await python(args);
    if (process.env.VERIFY_KURA_VERBOSE) console.log(honest.stdout, honest.stderr);
    assert.equal(honest.code, 0, `verifier output:\n${honest.stdout}\n${honest.stderr}`);
    assert.match(honest.stdout, /SUMMARY: 0 finding\(s\)/);
    assert.match(honest.stdout, /over-registered/);
    assert.match(
      honest.stdout,
      /officials \(§14\): \d+ acts by 3 accounts; 1 corrections in force; 2 declarations, 1 with an override/,
    );

    // The wrong commission key is a finding, not a pass.
    const otherCommission = def.logKey; // a valid vkey, but not the commission's
    const wrong = await python([...args.slice(0, 4), '--commission-key', otherCommission]);
    assert.equal(wrong.code, 1, wrong.stdout);
    assert.match(wrong.stdout, /not the pinned commission key/);

    // Unusable input: a malformed log key.
    const unusable = await python([VERIFIER, url, '--log-key', 'not-a-key']);
    assert.equal(unusable.code, 2, `${unusable.stdout}\n${unusable.stderr}`);

    // Tamper with a derived tally in the store. The writer serves tallies from memory,
    // so a read-only server over the same store is what shows the change.
    const store = t.store as SqlStore;
    await store.db.query(
      "UPDATE tallies SET tally = jsonb_set(tally, '{rejected}', '999') WHERE contest = 'president' AND unit = ''",
    );
    // And a party's votes in a national tally above the races (§8.1: per party).
    await store.db.query(
      "UPDATE tallies SET tally = jsonb_set(tally, '{partyVotes,Party 1}', '12345') WHERE contest = 'governor' AND unit = ''",
    );
    // checkStore: false, or it would refuse the tampered store (a lying server is the point here).
    reader = await startLog({ store: t.store, signer: null, checkStore: false });
    const readerUrl = await reader.app.listen({ port: 0, host: '127.0.0.1' });
    const tampered = await python([VERIFIER, readerUrl, ...args.slice(2)]);
    if (process.env.VERIFY_KURA_VERBOSE) console.log(tampered.stdout, tampered.stderr);
    assert.equal(tampered.code, 1, `verifier output:\n${tampered.stdout}\n${tampered.stderr}`);
    assert.match(
      tampered.stdout,
      /FINDING: tally president\/\(nation\) differs from the recomputed tally: rejected: server 999, recomputed \d+/,
    );
    assert.match(
      tampered.stdout,
      /FINDING: tally governor\/\(nation\) differs from the recomputed tally: partyVotes: server \{[^}]*"Party 1": 12345/,
    );
  } finally {
    await reader?.close();
    await t.close();
  }
});

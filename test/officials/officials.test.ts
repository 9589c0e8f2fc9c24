// Officials on the record, on PGlite and PostgreSQL: no default credentials,
// logins with a second factor for administrators, lockout, a matrix of roles
// against the privileged endpoints, device revocation and replacement,
// corrections under the two-person rule, declarations checked against the
// log, every act visible in the log, and `kura verify` recomputing the
// corrected tallies from it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../src/accounts/totp.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import type { ActRecord, Correction, Declaration } from '../../src/election/officials.js';
import { toBase64 } from '../../src/log/bytes.js';
import { ed25519PublicKey } from '../../src/log/crypto.js';
import { verifyServer } from '../../src/verify/verify.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const PASSWORD = 'correct horse battery staple';
/** The server's clock, fixed: a TOTP code made here stays in the server's 30-second window. */
const NOW = Date.parse('2026-08-09T17:00:00Z');

for (const backend of await testBackends()) {
  describe(`officials on ${backend}`, () => {
    let t: TestLog;
    const tmp = mkdtempSync(join(tmpdir(), 'kura-officials-'));
    const secrets = new Map<string, string>();
    const tokens = new Map<string, string>();
    let stations: string[] = [];
    let myConstituency = '';
    let otherConstituency = '';

    // Each call from its own address: the per-address login throttle is tested on its own below.
    let calls = 0;
    const inject = async (
      method: 'GET' | 'POST',
      url: string,
      token?: string,
      payload?: unknown,
    ) => {
      calls += 1;
      const r = await t.running.app.inject({
        method,
        url,
        remoteAddress: `10.7.${calls >> 8}.${calls & 255}`,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(payload !== undefined ? { payload: payload as object } : {}),
      });
      // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field in assertions
      return { status: r.statusCode, body: r.json() as Record<string, any> };
    };
    const size = () => t.running.sequencer?.treeSize ?? -1;
    const acts = async (): Promise<ActRecord[]> =>
      (await inject('GET', '/api/v1/officials/acts')).body.acts;
    const login = async (account: string, password = PASSWORD) => {
      const secret = secrets.get(account);
      const r = await inject('POST', '/api/v1/login', undefined, {
        account,
        password,
        ...(secret ? { totp: totp(secret, NOW) } : {}),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      tokens.set(account, r.body.token);
      return r.body.token as string;
    };
    /** An observer by one administrator; a returning officer or administrator by two, then activated. */
    const create = async (by: string, account: string, role: string, scope = '', approver = '') => {
      const r = await inject('POST', '/api/v1/accounts', tokens.get(by), {
        account,
        role,
        scope,
        ...(role === 'observer' ? { password: PASSWORD } : {}),
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      if (role === 'observer') return r.body;
      assert.equal(r.body.status, 'proposed');
      const a = await inject('POST', `/api/v1/accounts/${account}/approve`, tokens.get(approver));
      assert.equal(a.status, 201, JSON.stringify(a.body));
      const on = await inject('POST', `/api/v1/accounts/${account}/activate`, undefined, {
        proposerCode: r.body.activationCode,
        approverCode: a.body.activationCode,
        password: PASSWORD,
      });
      assert.equal(on.status, 200, JSON.stringify(on.body));
      if (on.body.totpSecret) secrets.set(account, on.body.totpSecret);
      return on.body;
    };
    const votesOf = (_station: string) =>
      Object.fromEntries(
        (t.definition.contests[0]?.candidates ?? []).map((c, i) => [c.id, 10 * (i + 1)]),
      );

    before(async () => {
      t = await newTestLog(backend, { officials: true, stations: 30, now: () => NOW });
      stations = t.definition.stations.map((s) => s.code);
      const index = t.running.election.index;
      myConstituency = index.unitOf(stations[0] as string, 'constituency') as string;
      otherConstituency = [...index.units.values()].find(
        (u) => u.level === 'constituency' && u.code !== myConstituency,
      )?.code as string;
      assert.ok(myConstituency && otherConstituency);
    });
    after(async () => {
      await t.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    test('there are no default credentials; a failed login is logged without the name tried', async () => {
      const before = size();
      const r = await inject('POST', '/api/v1/login', undefined, {
        account: 'admin',
        password: 'admin',
      });
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'LOGIN_FAILED');
      assert.equal(size(), before + 1, 'the attempt is an entry in the log');
      const [last] = (await acts()).slice(-1);
      assert.deepEqual(
        { account: last?.account, kind: last?.kind, outcome: last?.outcome },
        { account: '', kind: 'login', outcome: 'failed' },
      );
    });

    test('the founding administrators are made on the server (console), and log in with a second factor', async () => {
      const officials = t.running.officials;
      assert.ok(officials);
      for (const account of ['chair', 'vice']) {
        const made = await officials.createAccount(null, {
          account,
          role: 'commission-admin',
          scope: '',
          password: PASSWORD,
        });
        assert.ok(made.totpSecret);
        secrets.set(account, made.totpSecret);
      }
      // Password right, second factor missing: refused, and logged as failed, without saying which factor.
      const r = await inject('POST', '/api/v1/login', undefined, {
        account: 'chair',
        password: PASSWORD,
      });
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'LOGIN_FAILED');
      const wrongPassword = await inject('POST', '/api/v1/login', undefined, {
        account: 'chair',
        password: `not ${PASSWORD}`,
      });
      assert.equal(wrongPassword.body.error.code, 'LOGIN_FAILED');
      const [rightPw, wrongPw] = (await acts()).slice(-2);
      const { entryIndex: _1, at: _2, ...right } = rightPw as ActRecord;
      const { entryIndex: _3, at: _4, ...wrong } = wrongPw as ActRecord;
      assert.deepEqual(right, wrong, 'the log cannot tell a right password from a wrong one');
      assert.equal(right.outcome, 'failed');
      await login('chair');
      await login('vice');
      assert.equal((await acts()).at(-1)?.outcome, 'success');
      const me = await inject('GET', '/api/v1/session', tokens.get('chair'));
      assert.deepEqual(me.body, { account: 'chair', role: 'commission-admin', scope: '' });
      // A code is good once: the very code chair's login used, in the same window.
      const code = totp(secrets.get('chair') as string, NOW);
      const again = await inject('POST', '/api/v1/login', undefined, {
        account: 'chair',
        password: PASSWORD,
        totp: code,
      });
      assert.equal(again.status, 401, 'a TOTP code cannot be replayed');
    });

    test('an administrator creates the other officials; bad fields are refused precisely', async () => {
      await create('chair', 'clerk', 'commission-admin', '', 'vice');
      await create('chair', 'ro', 'returning-officer', myConstituency, 'vice');
      await create('vice', 'ro-other', 'returning-officer', otherConstituency, 'chair');
      await create('chair', 'observer', 'observer');
      await create('chair', 'victim', 'returning-officer', myConstituency, 'vice');
      for (const a of ['clerk', 'ro', 'ro-other', 'observer']) await login(a);
      const before = size();
      const cases: Array<[unknown, number, string, string]> = [
        [
          { account: 'x1', role: 'king', scope: '', password: PASSWORD },
          400,
          'INVALID_FIELD',
          'role',
        ],
        [
          { account: 'x2', role: 'observer', scope: '', password: 'short' },
          400,
          'INVALID_FIELD',
          'password',
        ],
        [
          { account: 'x3', role: 'returning-officer', scope: 'nowhere' },
          422,
          'BAD_SCOPE',
          'act.scope',
        ],
        [
          { account: 'x6', role: 'returning-officer', scope: myConstituency, password: PASSWORD },
          400,
          'INVALID_FIELD',
          'password',
        ],
        [
          { account: 'x4', role: 'observer', scope: myConstituency, password: PASSWORD },
          422,
          'BAD_SCOPE',
          'act.scope',
        ],
        [
          { account: 'ro', role: 'observer', scope: '', password: PASSWORD },
          409,
          'ACCOUNT_EXISTS',
          'account',
        ],
        [
          { account: 'x5', role: 'observer', scope: '', password: PASSWORD, admin: true },
          400,
          'INVALID_FIELD',
          'admin',
        ],
      ];
      for (const [payload, status, code, field] of cases) {
        const r = await inject('POST', '/api/v1/accounts', tokens.get('chair'), payload);
        assert.equal(r.status, status, JSON.stringify(r.body));
        assert.equal(r.body.error.code, code);
        assert.equal(r.body.error.field, field);
      }
      assert.equal(size(), before, 'refusals change nothing');
    });

    test('every role against every privileged endpoint', async () => {
      const station = stations[0] as string;
      const farStation = stations.find(
        (s) => t.running.election.index.unitOf(s, 'constituency') === otherConstituency,
      ) as string;
      const calls: Array<{ name: string; url: string; payload: unknown }> = [
        {
          name: 'create account',
          url: '/api/v1/accounts',
          payload: { account: 'm1', role: 'observer', scope: '', password: PASSWORD },
        },
        {
          name: 'enroll device',
          url: '/api/v1/devices',
          payload: {
            device: 'm-dev',
            station,
            publicKey: toBase64(ed25519PublicKey(demoDeviceSeed('x', 'm-dev'))),
          },
        },
        {
          name: 'revoke device',
          url: `/api/v1/devices/${t.definition.devices[5]?.id}/revoke`,
          payload: { reason: 'matrix' },
        },
        { name: 'disable account', url: '/api/v1/accounts/victim/disable', payload: {} },
        {
          name: 'declare',
          url: '/api/v1/declarations',
          payload: {
            contest: 'president',
            unit: otherConstituency,
            votes: {},
            rejected: 0,
            totalValid: 0,
          },
        },
        {
          name: 'propose correction',
          url: '/api/v1/corrections',
          payload: {
            contest: 'president',
            station: farStation,
            reason: 'matrix',
            form: 'cd'.repeat(32),
            votes: votesOf(farStation),
            rejected: 0,
            totalValid: 1,
          },
        },
      ];
      // Expected refusal per role; "ok" calls are exercised in the tests below, with their effects.
      const want: Record<string, Record<string, [number, string]>> = {
        anonymous: Object.fromEntries(calls.map((c) => [c.name, [401, 'NOT_LOGGED_IN']])),
        observer: Object.fromEntries(calls.map((c) => [c.name, [403, 'NOT_PERMITTED']])),
        ro: {
          'create account': [403, 'NOT_PERMITTED'],
          'enroll device': [403, 'NOT_PERMITTED'],
          'revoke device': [403, 'NOT_PERMITTED'],
          'disable account': [403, 'NOT_PERMITTED'],
          declare: [403, 'NOT_PERMITTED'], // another constituency
          'propose correction': [403, 'NOT_PERMITTED'], // a station outside its area
        },
      };
      const before = size();
      for (const [role, expected] of Object.entries(want))
        for (const c of calls) {
          const r = await inject(
            'POST',
            c.url,
            role === 'anonymous' ? undefined : tokens.get(role),
            c.payload,
          );
          const [status, code] = expected[c.name] as [number, string];
          assert.equal(r.status, status, `${role} ${c.name}: ${JSON.stringify(r.body)}`);
          assert.equal(r.body.error.code, code, `${role} ${c.name}`);
        }
      assert.equal(size(), before, 'no refused call reached the log');
      // Approving a correction is in the matrix below (two-person rule).
    });

    test('five wrong passwords lock an account; the right one is then refused too', async () => {
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await inject('POST', '/api/v1/login', undefined, {
          account: 'victim',
          password: `wrong ${i} ${PASSWORD}`,
        });
        codes.push(r.body.error.code);
      }
      assert.deepEqual(codes, [
        'LOGIN_FAILED',
        'LOGIN_FAILED',
        'LOGIN_FAILED',
        'LOGIN_FAILED',
        'ACCOUNT_LOCKED',
      ]);
      const r = await inject('POST', '/api/v1/login', undefined, {
        account: 'victim',
        password: PASSWORD,
      });
      assert.equal(r.status, 429);
      assert.equal(r.body.error.code, 'ACCOUNT_LOCKED');
      // An administrator disables the account: its sessions end, and it is on the record.
      const off = await inject('POST', '/api/v1/accounts/victim/disable', tokens.get('chair'), {});
      assert.equal(off.status, 201, JSON.stringify(off.body));
      const twice = await inject(
        'POST',
        '/api/v1/accounts/victim/disable',
        tokens.get('chair'),
        {},
      );
      assert.equal(twice.body.error.code, 'ACCOUNT_DISABLED');
      assert.equal((await acts()).at(-1)?.kind, 'account-disabled');
      const mine = (await acts()).filter((a) => a.account === 'victim' && a.kind === 'login');
      assert.deepEqual(
        mine.map((a) => a.outcome),
        ['failed', 'failed', 'failed', 'failed', 'failed', 'failed'],
      );
    });

    test('a revoked device is refused; its replacement reports', async () => {
      const station = stations[1] as string;
      const old = t.definition.devices.find((d) => d.station === station)?.id as string;
      const rv = await inject('POST', `/api/v1/devices/${old}/revoke`, tokens.get('clerk'), {
        reason: 'kit stolen',
      });
      assert.equal(rv.status, 201, JSON.stringify(rv.body));
      const before = size();
      const refused = await inject('POST', '/api/v1/results', undefined, t.result(station));
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'DEVICE_REVOKED');
      assert.equal(refused.body.error.field, 'device');
      assert.equal(size(), before);
      const again = await inject('POST', `/api/v1/devices/${old}/revoke`, tokens.get('clerk'), {
        reason: 'twice',
      });
      assert.equal(again.body.error.code, 'DEVICE_REVOKED');
      const seed = demoDeviceSeed(t.definition.electionId, 'kit-replacement-1');
      const en = await inject('POST', '/api/v1/devices', tokens.get('clerk'), {
        device: 'kit-replacement-1',
        station,
        publicKey: toBase64(ed25519PublicKey(seed)),
      });
      assert.equal(en.status, 201, JSON.stringify(en.body));
      const ok = await inject(
        'POST',
        '/api/v1/results',
        undefined,
        t.result(station, { device: 'kit-replacement-1' }),
      );
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      const dev = await inject('GET', `/api/v1/devices/${old}`);
      assert.equal(dev.body.revokedReason, 'kit stolen');
    });

    test('a correction needs the returning officer, then the commission; nobody approves their own', async () => {
      const station = stations[0] as string;
      const sent = await inject('POST', '/api/v1/results', undefined, t.result(station));
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      const original = sent.body.index as number;
      const votes = votesOf(station);
      const first = Object.keys(votes)[0] as string;
      const corrected = { ...votes, [first]: (votes[first] as number) + 7 };
      const totalValid = Object.values(corrected).reduce((s, n) => s + n, 0);
      const national = async () => (await inject('GET', '/api/v1/tally/president')).body.tally;
      const before = await national();

      // A mistyped figure is refused precisely.
      const bad = await inject('POST', '/api/v1/corrections', tokens.get('ro'), {
        contest: 'president',
        station,
        reason: 'transposed digits',
        form: 'cd'.repeat(32),
        votes: { ...corrected, nobody: 1 },
        rejected: 2,
        totalValid,
      });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error.field, 'act.votes.nobody');

      const p = await inject('POST', '/api/v1/corrections', tokens.get('ro'), {
        contest: 'president',
        station,
        reason: 'transposed digits on Form 34A',
        form: 'cd'.repeat(32),
        votes: corrected,
        rejected: 2,
        totalValid,
      });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      const c = p.body.index as number;
      const approve = (who: string) =>
        inject('POST', `/api/v1/corrections/${c}/approve`, tokens.get(who));

      const own = await approve('ro');
      assert.equal(own.status, 403);
      assert.equal(own.body.error.code, 'SELF_APPROVAL');
      const early = await approve('chair');
      assert.equal(early.body.error.code, 'WRONG_APPROVER', 'the commission comes second');
      const far = await approve('ro-other');
      assert.equal(far.body.error.code, 'WRONG_APPROVER', 'only the area returning officer');
      const dup = await inject('POST', '/api/v1/corrections', tokens.get('chair'), {
        contest: 'president',
        station,
        reason: 'another',
        form: 'cd'.repeat(32),
        votes: corrected,
        rejected: 2,
        totalValid,
      });
      assert.equal(dup.body.error.code, 'CORRECTION_PENDING');
      assert.deepEqual(await national(), before, 'not in force yet');

      // The returning officer of the area (not the proposer) first: here, "victim" is locked, so make another.
      await create('vice', 'ro-deputy', 'returning-officer', myConstituency, 'chair');
      await login('ro-deputy');
      assert.equal((await approve('ro-deputy')).status, 201);
      const twice = await approve('ro-deputy');
      assert.equal(twice.body.error.code, 'SELF_APPROVAL');
      assert.deepEqual(await national(), before, 'one approval is not enough');
      const done = await approve('clerk');
      assert.equal(done.status, 201, JSON.stringify(done.body));

      const after = await national();
      assert.equal(after.votes[first], before.votes[first] + 7);
      assert.equal(after.totalValid, before.totalValid + 7);
      assert.equal(after.corrections, 1, 'the tally says it counts a correction');
      const page = await inject('GET', `/api/v1/stations/${station}`);
      const result = page.body.results.president;
      assert.equal(result.entryIndex, original, 'the original entry stays the result of record');
      assert.equal(result.votes[first], (votes[first] as number) + 7);
      assert.equal(
        result.correction.original.votes[first],
        votes[first],
        'the original figures are kept',
      );
      assert.equal(result.correction.reason, 'transposed digits on Form 34A');
      const list = (await inject('GET', '/api/v1/corrections')).body.corrections as Correction[];
      const mine = list.find((x) => x.entryIndex === c);
      assert.equal(mine?.status, 'in-force');
      assert.deepEqual(
        mine?.approvals.map((a) => a.account),
        ['ro-deputy', 'clerk'],
      );
    });

    test('a declaration must match the log, unless it says why it does not', async () => {
      const tally = (await inject('GET', `/api/v1/tally/president/${myConstituency}`)).body.tally;
      const before = size();
      const wrongVotes = { ...tally.votes };
      const first = Object.keys(wrongVotes)[0] as string;
      wrongVotes[first] += 100;
      const wrong = {
        contest: 'president',
        unit: myConstituency,
        votes: wrongVotes,
        rejected: tally.rejected,
        totalValid: tally.totalValid,
      };
      const refused = await inject('POST', '/api/v1/declarations', tokens.get('ro'), wrong);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'DECLARATION_MISMATCH');
      assert.equal(refused.body.error.field, `act.votes.${first}`);
      assert.match(
        refused.body.error.message,
        new RegExp(`declared ${wrongVotes[first]}, logged ${tally.votes[first]}`),
      );
      assert.equal(size(), before);
      // Every candidate of the tally is declared, even with an override.
      const { [first]: _left, ...fewer } = wrongVotes;
      const missing = await inject('POST', '/api/v1/declarations', tokens.get('ro'), {
        ...wrong,
        votes: fewer,
        override: 'a candidate left off the form',
      });
      assert.equal(missing.status, 422, JSON.stringify(missing.body));
      assert.equal(missing.body.error.code, 'MISSING_CANDIDATE');
      assert.equal(missing.body.error.field, `act.votes.${first}`);
      assert.equal(size(), before);
      const overridden = await inject('POST', '/api/v1/declarations', tokens.get('ro'), {
        ...wrong,
        override: 'one stream counted by hand at the tallying centre; its Form 34A is late',
      });
      assert.equal(overridden.status, 201, JSON.stringify(overridden.body));
      const nation = (await inject('GET', '/api/v1/tally/president')).body.tally;
      const ok = await inject('POST', '/api/v1/declarations', tokens.get('chair'), {
        contest: 'president',
        unit: '',
        votes: nation.votes,
        rejected: nation.rejected,
        totalValid: nation.totalValid,
      });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      const list = (await inject('GET', '/api/v1/declarations')).body.declarations as Declaration[];
      const d34b = list.find((d) => d.unit === myConstituency);
      assert.deepEqual(d34b?.differences, [
        { field: `votes.${first}`, declared: wrongVotes[first], logged: tally.votes[first] },
      ]);
      assert.match(d34b?.override ?? '', /counted by hand/);
      assert.deepEqual(list.find((d) => d.unit === '')?.differences, []);
      const again = await inject('POST', '/api/v1/declarations', tokens.get('chair'), {
        contest: 'president',
        unit: '',
        votes: nation.votes,
        rejected: nation.rejected,
        totalValid: nation.totalValid,
      });
      assert.equal(again.body.error.code, 'ALREADY_DECLARED');
    });

    test('one address guessing across accounts is slowed: the 21st attempt in 15 minutes gets 429, unlogged', async () => {
      const before = size();
      const codes: string[] = [];
      for (let i = 0; i < 21; i++) {
        const r = await t.running.app.inject({
          method: 'POST',
          url: '/api/v1/login',
          remoteAddress: '10.0.0.9',
          payload: { account: `guess-${i}`, password: 'password123' },
        });
        codes.push(`${r.statusCode} ${r.json().error.code}`);
      }
      assert.deepEqual(codes.slice(0, 20), Array(20).fill('401 LOGIN_FAILED'));
      assert.equal(codes[20], '429 RATE_LIMITED');
      assert.equal(size(), before + 20, 'each checked attempt is logged; the throttled one is not');
      // The public views sum failed logins up per account and hour.
      const v = await inject('GET', '/api/v1/officials/acts?failed=summary');
      assert.equal(
        v.body.acts.some((a: ActRecord) => a.kind === 'login' && a.outcome === 'failed'),
        false,
      );
      const anonymous = v.body.failedLogins.filter((r: { account: string }) => r.account === '');
      assert.equal(
        anonymous.reduce((n: number, r: { count: number }) => n + r.count, 0),
        (await acts()).filter((a) => a.account === '' && a.kind === 'login').length,
      );
      const other = await inject('POST', '/api/v1/login', undefined, {
        account: 'nobody',
        password: 'x',
      });
      assert.equal(other.body.error.code, 'LOGIN_FAILED', 'other addresses are not affected');
    });

    test('every act is in the log, and kura verify recomputes the corrected tallies from it', async () => {
      const kinds = new Set((await acts()).map((a) => a.kind));
      for (const k of [
        'login',
        'account-created',
        'device-revoked',
        'device-enrolled',
        'correction-proposed',
        'correction-approved',
        'declaration',
      ])
        assert.ok(kinds.has(k as ActRecord['kind']), `${k} is on the record`);
      const logout = await inject('POST', '/api/v1/logout', tokens.get('observer'));
      assert.equal(logout.status, 201);
      const gone = await inject('GET', '/api/v1/session', tokens.get('observer'));
      assert.equal(gone.body.error.code, 'NOT_LOGGED_IN');
      const secretsSeen = JSON.stringify(await acts());
      assert.ok(
        !secretsSeen.includes(PASSWORD) &&
          ![...tokens.values()].some((x) => secretsSeen.includes(x)),
      );

      const url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
      const report = await verifyServer({
        server: url,
        stateDir: join(tmp, 'state'),
        logKey: t.definition.logKey,
        commissionKey: t.definition.commissionKey,
        concurrency: 4,
        threads: 2,
        say: () => {},
      });
      assert.equal(report.verdict, 'verified', JSON.stringify(report.findings, null, 1));
      // It folded every official entry without an anomaly and compared every
      // tally and station page (the corrected ones included) with the server's.
      assert.equal(report.fold?.anomalies, 0);
      const o = report.fold?.officials;
      assert.ok(o, 'the report sums up the officials');
      assert.equal(
        o.corrections.find((c) => c.status === 'in-force')?.approvals.join(),
        'ro-deputy,clerk',
      );
      assert.deepEqual(
        o.declarations.map((d) => [d.unit === '' ? 'nation' : 'constituency', d.differences]),
        [
          ['constituency', 1],
          ['nation', 0],
        ],
      );
      assert.ok(o.failedLogins >= 28, `failed logins on the record: ${o.failedLogins}`);
      assert.ok((report.compare?.tallies ?? 0) > 0);
      assert.equal(report.compare?.stations, stations.length);
    });
  });
}

test('the fold refuses an official entry the commission did not sign', async () => {
  const { TallyFold } = await import('../../src/election/fold.js');
  const { encodeEntry } = await import('../../src/election/entries.js');
  const t = await newTestLog('pglite', { officials: true });
  try {
    const fold = new TallyFold(t.running.election.index);
    const entry0 = await t.store.getEntry(0);
    assert.ok(entry0);
    fold.applyBytes(0, entry0.data);
    const forged = {
      type: 'official' as const,
      v: 1 as const,
      election: t.definition.electionId,
      account: '',
      role: '' as const,
      at: '2022-08-09T18:00:00Z',
      act: {
        kind: 'account-created' as const,
        account: 'mallory',
        role: 'commission-admin' as const,
        scope: '',
      },
      sig: toBase64(new Uint8Array(64)),
    };
    fold.applyBytes(1, encodeEntry(forged));
    assert.equal(fold.anomalies[0]?.kind, 'official-refused');
    assert.match(fold.anomalies[0]?.detail ?? '', /BAD_COMMISSION_SIGNATURE/);
    assert.equal(fold.officials.accounts.has('mallory'), false);
  } finally {
    await t.close();
  }
});

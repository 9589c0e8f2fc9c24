// The two-person rule against one administrator (FORMATS.md §14.2), on PGlite
// and PostgreSQL. One administrator tries every path to act alone: approving
// its own proposals, making a returning officer or a second administrator
// alone, through an observer, by "elevating" an account, by activating an
// account with its own half of the code, and by approving through accounts it
// took part in making. Each is refused and nothing reaches the log. Then a
// rogue server logs such acts anyway: kura verify (and the independent Python
// verifier) refuse them in the fold and say so.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { totp } from '../../src/accounts/totp.js';
import { ok } from '../../src/basics/result.js';
import type { Account, Correction } from '../../src/election/officials.js';
import { startLog } from '../../src/server/start.js';
import { verifyServer } from '../../src/verify/verify.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const PASSWORD = 'correct horse battery staple';
const VERIFIER = join(dirname(fileURLToPath(import.meta.url)), '../spec/verify_kura.py');
const hasPython = spawnSync('python3', ['--version']).status === 0;

for (const backend of await testBackends()) {
  describe(`the two-person rule against one administrator, on ${backend}`, () => {
    let t: TestLog;
    const tmp = mkdtempSync(join(tmpdir(), 'kura-two-person-'));
    const tokens = new Map<string, string>();
    const secrets = new Map<string, string>();
    const halves = new Map<string, { proposerCode: string; approverCode?: string }>();
    let calls = 0;
    let station = '';
    let otherStation = '';

    // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field in assertions
    type Json = Record<string, any>;
    const inject = async (method: 'GET' | 'POST', url: string, who?: string, payload?: unknown) => {
      calls += 1;
      const r = await t.running.app.inject({
        method,
        url,
        remoteAddress: `10.8.${calls >> 8}.${calls & 255}`,
        headers: who ? { authorization: `Bearer ${tokens.get(who)}` } : {},
        ...(payload !== undefined ? { payload: payload as object } : {}),
      });
      return { status: r.statusCode, body: r.json() as Json };
    };
    const size = () => t.running.sequencer?.treeSize ?? -1;
    const fold = () => {
      const f = t.running.sequencer?.fold;
      assert.ok(f);
      return f;
    };
    const login = async (account: string) => {
      const secret = secrets.get(account);
      const r = await inject('POST', '/api/v1/login', undefined, {
        account,
        password: PASSWORD,
        ...(secret ? { totp: totp(secret, Date.now()) } : {}),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      tokens.set(account, r.body.token);
    };
    const refused = async (
      what: string,
      call: Promise<{ status: number; body: Json }>,
      status: number,
      code: string,
    ) => {
      const before = size();
      const r = await call;
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, what);
      assert.equal(size(), before, `${what}: nothing logged`);
    };
    const propose = async (by: string, account: string, role: string, scope = '') => {
      const r = await inject('POST', '/api/v1/accounts', by, { account, role, scope });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      halves.set(account, { proposerCode: r.body.activationCode });
    };
    const approve = async (by: string, account: string) => {
      const r = await inject('POST', `/api/v1/accounts/${account}/approve`, by);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const h = halves.get(account);
      assert.ok(h);
      h.approverCode = r.body.activationCode;
    };
    const activate = async (account: string) => {
      const r = await inject('POST', `/api/v1/accounts/${account}/activate`, undefined, {
        ...halves.get(account),
        password: PASSWORD,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      if (r.body.totpSecret) secrets.set(account, r.body.totpSecret);
      await login(account);
    };
    const correction = async (by: string, at: string) => {
      const votes = t.result(at).votes;
      const first = Object.keys(votes)[0] as string;
      const fixed = { ...votes, [first]: (votes[first] as number) + 1 };
      return inject('POST', '/api/v1/corrections', by, {
        contest: 'president',
        station: at,
        reason: 'a figure misread',
        form: 'cd'.repeat(32),
        votes: fixed,
        rejected: 2,
        totalValid: Object.values(fixed).reduce((s, n) => s + n, 0),
      });
    };

    before(async () => {
      t = await newTestLog(backend, { officials: true, stations: 20 });
      const index = t.running.election.index;
      station = t.definition.stations[0]?.code as string;
      const constituency = index.unitOf(station, 'constituency');
      otherStation = t.definition.stations.find(
        (s) => s.code !== station && index.unitOf(s.code, 'constituency') === constituency,
      )?.code as string;
      assert.ok(otherStation, 'two stations in one constituency');
      for (const s of [station, otherStation]) {
        const r = await inject('POST', '/api/v1/results', undefined, t.result(s));
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      const officials = t.running.officials;
      assert.ok(officials);
      const made = await officials.createAccount(null, {
        account: 'alpha',
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      secrets.set('alpha', made.totpSecret as string);
      await login('alpha');
    });
    after(async () => {
      await t.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    test('alone, an administrator cannot make an account that can approve', async () => {
      const constituency = t.running.election.index.unitOf(station, 'constituency') as string;
      await propose('alpha', 'ro1', 'returning-officer', constituency);
      await propose('alpha', 'alpha2', 'commission-admin');
      await refused(
        'approving its own returning officer',
        inject('POST', '/api/v1/accounts/ro1/approve', 'alpha'),
        403,
        'SELF_APPROVAL',
      );
      await refused(
        'approving its own second administrator',
        inject('POST', '/api/v1/accounts/alpha2/approve', 'alpha'),
        403,
        'SELF_APPROVAL',
      );
      // Its own half of the code opens nothing, whatever it puts in the other.
      const mine = halves.get('ro1')?.proposerCode as string;
      for (const approverCode of [mine, 'A'.repeat(32)])
        await refused(
          'activating with one half',
          inject('POST', '/api/v1/accounts/ro1/activate', undefined, {
            proposerCode: mine,
            approverCode,
            password: PASSWORD,
          }),
          401,
          'ACTIVATION_FAILED',
        );
      // A proposed account has no password anybody knows.
      const r = await inject('POST', '/api/v1/login', undefined, {
        account: 'ro1',
        password: PASSWORD,
      });
      assert.equal(r.body.error.code, 'LOGIN_FAILED');
      // An observer it makes alone cannot approve anything.
      const obs = await inject('POST', '/api/v1/accounts', 'alpha', {
        account: 'obs',
        role: 'observer',
        scope: '',
        password: PASSWORD,
      });
      assert.equal(obs.status, 201, JSON.stringify(obs.body));
      await login('obs');
      await refused(
        'approving through an observer',
        inject('POST', '/api/v1/accounts/ro1/approve', 'obs'),
        403,
        'NOT_PERMITTED',
      );
      // No account changes role: "elevating" one is making it again, refused.
      await refused(
        'elevating the observer',
        inject('POST', '/api/v1/accounts', 'alpha', {
          account: 'obs',
          role: 'commission-admin',
          scope: '',
        }),
        409,
        'ACCOUNT_EXISTS',
      );
      await refused(
        'proposing a pending account again',
        inject('POST', '/api/v1/accounts', 'alpha', {
          account: 'ro1',
          role: 'commission-admin',
          scope: '',
        }),
        409,
        'ACCOUNT_EXISTS',
      );
      // Nor by the server's own paths: creating one at once, or logging the act raw.
      const officials = t.running.officials;
      const alpha = fold().officials.accounts.get('alpha') as Account;
      await assert.rejects(
        officials?.createAccount(alpha, {
          account: 'ro9',
          role: 'returning-officer',
          scope: constituency,
          password: PASSWORD,
        }) as Promise<unknown>,
        { code: 'TWO_PERSON_RULE' },
      );
      await assert.rejects(
        officials?.act(alpha, {
          kind: 'account-created',
          account: 'ro9',
          role: 'commission-admin',
          scope: '',
        }) as Promise<unknown>,
        { code: 'TWO_PERSON_RULE' },
      );
      // So no correction can come into force: nobody is there to approve it.
      const c = await correction('alpha', station);
      assert.equal(c.status, 201, JSON.stringify(c.body));
      await refused(
        'approving its own correction',
        inject('POST', `/api/v1/corrections/${c.body.index}/approve`, 'alpha'),
        403,
        'SELF_APPROVAL',
      );
      await refused(
        'an observer approving a correction',
        inject('POST', `/api/v1/corrections/${c.body.index}/approve`, 'obs'),
        403,
        'NOT_PERMITTED',
      );
      assert.equal(fold().officials.accounts.has('ro1'), false);
    });

    test('with a second founder, accounts alpha took part in making never approve beside alpha', async () => {
      const officials = t.running.officials;
      const made = await officials?.createAccount(null, {
        account: 'beta',
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      secrets.set('beta', made?.totpSecret as string);
      await login('beta');
      const constituency = t.running.election.index.unitOf(station, 'constituency') as string;
      await approve('beta', 'ro1');
      await activate('ro1');
      await propose('beta', 'ro2', 'returning-officer', constituency);
      await approve('alpha', 'ro2');
      await activate('ro2');
      await approve('beta', 'alpha2');
      await activate('alpha2');
      assert.deepEqual(fold().officials.accounts.get('ro1')?.lineage, ['alpha', 'beta']);

      // alpha's pending correction: its returning officer may not approve it.
      const pending = [...fold().officials.corrections.values()].find(
        (c) => c.status !== 'in-force',
      ) as Correction;
      await refused(
        'approval by an account alpha proposed',
        inject('POST', `/api/v1/corrections/${pending.entryIndex}/approve`, 'ro1'),
        403,
        'NOT_INDEPENDENT',
      );
      // ro1's correction, approved by ro2: alpha, beta and alpha2 (made by both) may not be the commission.
      const c = await correction('ro1', otherStation);
      assert.equal(c.status, 201, JSON.stringify(c.body));
      const url = `/api/v1/corrections/${c.body.index}/approve`;
      assert.equal((await inject('POST', url, 'ro2')).status, 201);
      for (const who of ['alpha', 'beta'])
        await refused(
          `approval by ${who}, who made ro1`,
          inject('POST', url, who),
          403,
          'NOT_INDEPENDENT',
        );
      // An administrator independent of both returning officers: made from the console.
      await officials?.createAccount(null, {
        account: 'gamma',
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      const g = await officials?.createAccount(null, {
        account: 'delta',
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      secrets.set('delta', g?.totpSecret as string);
      await login('delta');
      const done = await inject('POST', url, 'delta');
      assert.equal(done.status, 201, JSON.stringify(done.body));
      assert.equal(fold().officials.corrections.get(c.body.index)?.status, 'in-force');
    });

    test('a reader serves the officials views from the store', async () => {
      const reader = await startLog({ store: t.store, signer: null });
      try {
        const writer = await inject('GET', '/api/v1/officials/accounts');
        const r = await reader.app.inject({ method: 'GET', url: '/api/v1/officials/accounts' });
        assert.equal(r.statusCode, 200, r.body);
        assert.deepEqual(r.json(), writer.body);
        for (const url of ['/api/v1/corrections', '/api/v1/officials/acts?failed=summary']) {
          const rr = await reader.app.inject({ method: 'GET', url });
          assert.equal(rr.statusCode, 200, `${url}: ${rr.body}`);
          assert.deepEqual(rr.json(), (await inject('GET', url)).body, url);
        }
      } finally {
        await reader.close();
      }
    });

    test('a rogue server that logs breaches anyway: kura verify refuses them in the fold', async () => {
      const officials = t.running.officials;
      assert.ok(officials);
      const o = fold().officials;
      const check = o.check.bind(o);
      // The rogue server: its own rules switched off, so it logs what an honest one refuses.
      o.check = () => ok({ kind: 'none' });
      let pending: Correction | undefined;
      try {
        const alpha = o.accounts.get('alpha') as Account;
        await officials.act(alpha, {
          kind: 'account-created',
          account: 'rogue-ro',
          role: 'returning-officer',
          scope: t.running.election.index.unitOf(station, 'constituency') as string,
        });
        pending = [...o.corrections.values()].find((c) => c.status !== 'in-force');
        assert.ok(pending);
        await officials.act(o.accounts.get('ro1') as Account, {
          kind: 'correction-approved',
          correction: pending.entryIndex,
        });
      } finally {
        o.check = check;
      }
      const report = await verifyServer({
        server: await t.running.app.listen({ port: 0, host: '127.0.0.1' }),
        stateDir: join(tmp, 'state'),
        logKey: t.definition.logKey,
        commissionKey: t.definition.commissionKey,
        concurrency: 4,
        threads: 1,
        say: () => {},
      });
      assert.notEqual(report.verdict, 'verified');
      const anomalies = report.findings.filter((f) => f.kind === 'anomaly').map((f) => f.message);
      assert.ok(
        anomalies.some((m) => /official-refused: TWO_PERSON_RULE/.test(m)),
        anomalies.join('\n'),
      );
      assert.ok(
        anomalies.some((m) => /official-refused: NOT_INDEPENDENT/.test(m)),
        anomalies.join('\n'),
      );
      if (backend === 'pglite' && (hasPython || process.env.CI)) {
        const url = t.running.app.server.address() as { port: number };
        const py = await new Promise<{ code: number; out: string }>((resolve) =>
          execFile(
            'python3',
            [
              VERIFIER,
              `http://127.0.0.1:${url.port}`,
              '--log-key',
              t.definition.logKey,
              '--commission-key',
              t.definition.commissionKey,
            ],
            { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 },
            (e, out) => resolve({ code: e ? Number(e.code) : 0, out }),
          ),
        );
        assert.equal(py.code, 1, py.out);
        assert.match(py.out, /anomaly at entry \d+: official-refused: TWO_PERSON_RULE/);
        assert.match(py.out, /anomaly at entry \d+: official-refused: NOT_INDEPENDENT/);
      }
    });
  });
}

// The login guard under attack, on PGlite and PostgreSQL: one TOTP code sent
// six times at once opens one session; 25 guesses at once for one account get
// at most 5 passwords evaluated; the lockout and the per-address throttle live
// in the store (a restarted server, or a second process, still sees them); a
// lockout or a disabling ends live sessions; and the public log says only
// "failed", while the private audit says which check failed.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LoginAuditLine } from '../../src/accounts/login-audit.js';
import { totp } from '../../src/accounts/totp.js';
import { CheckpointSigner } from '../../src/log/checkpoint-signer.js';
import { generateKey } from '../../src/log/note.js';
import { ApiError } from '../../src/server/errors.js';
import {
  ATTEMPTS_PER_ADDRESS,
  LOCKOUT_AFTER,
  OfficialsService,
} from '../../src/server/officials-service.js';
import { startLog } from '../../src/server/start.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, TEST_COMMISSION_SEED, type TestLog } from '../helpers/test-log.js';

const PASSWORD = 'correct horse battery staple';
/**
 * Every service's clock, fixed: TOTP windows, the lockout and the 15-minute
 * throttle window cannot roll over between two steps of a test.
 */
const NOW = Date.parse('2026-08-09T17:00:00Z');

/** The error code a login ends with, or "ok". */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
}

function count(codes: string[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const c of codes) m[c] = (m[c] ?? 0) + 1;
  return m;
}

for (const backend of await testBackends()) {
  describe(`login guard on ${backend}`, () => {
    let t: TestLog;
    let adminSecret = '';
    const audit: LoginAuditLine[] = [];
    /** A service over the running server's sequencer and store, as a second process would have. */
    const service = () => {
      const s = t.running.sequencer;
      assert.ok(s);
      return new OfficialsService({
        sequencer: s,
        accounts: t.store.accounts,
        commissionSeed: TEST_COMMISSION_SEED,
        electionId: t.definition.electionId,
        audit: (line) => audit.push(line),
        now: () => NOW,
      });
    };
    const size = () => t.running.sequencer?.treeSize ?? -1;

    before(async () => {
      t = await newTestLog(backend, { officials: true, stations: 12, now: () => NOW });
      const s = service();
      const constituency = t.running.election.index.unitOf(
        t.definition.stations[0]?.code as string,
        'constituency',
      ) as string;
      adminSecret = (
        await s.createAccount(null, {
          account: 'chair',
          role: 'commission-admin',
          scope: '',
          password: PASSWORD,
        })
      ).totpSecret as string;
      for (const account of ['ro-a', 'ro-b', 'ro-c'])
        await s.createAccount(null, {
          account,
          role: 'returning-officer',
          scope: constituency,
          password: PASSWORD,
        });
    });
    after(async () => {
      await t.close();
    });

    test('one TOTP code sent six times at once opens exactly one session', async () => {
      const s = service();
      const code = totp(adminSecret, NOW);
      const codes = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          outcome(s.login('chair', PASSWORD, code, `10.1.0.${i}`)),
        ),
      );
      assert.equal(codes.filter((c) => c === 'ok').length, 1, JSON.stringify(codes));
    });

    test('25 guesses at once for one account from one address: at most 5 passwords evaluated', async () => {
      const s = service();
      audit.length = 0;
      const before = size();
      const codes = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          outcome(s.login('ro-a', `wrong guess ${i} ${PASSWORD}`, '', '10.2.0.1')),
        ),
      );
      const evaluated = audit.filter((l) => l.detail === 'bad-password').length;
      assert.equal(evaluated, LOCKOUT_AFTER, JSON.stringify(count(audit.map((l) => l.detail))));
      assert.deepEqual(count(codes), {
        LOGIN_FAILED: LOCKOUT_AFTER - 1,
        ACCOUNT_LOCKED: ATTEMPTS_PER_ADDRESS - (LOCKOUT_AFTER - 1),
        RATE_LIMITED: 25 - ATTEMPTS_PER_ADDRESS,
      });
      assert.equal(size(), before + ATTEMPTS_PER_ADDRESS, 'throttled attempts are not logged');
      // The right password now: still locked, and not evaluated.
      assert.equal(await outcome(s.login('ro-a', PASSWORD, '', '10.2.0.2')), 'ACCOUNT_LOCKED');
    });

    test('the public log says "failed" for every failure; only the audit says which check', async () => {
      const s = service();
      audit.length = 0;
      const from = size();
      assert.equal(await outcome(s.login('chair', PASSWORD, '000000', '10.3.0.1')), 'LOGIN_FAILED');
      assert.equal(
        await outcome(s.login('chair', `not ${PASSWORD}`, '000000', '10.3.0.1')),
        'LOGIN_FAILED',
      );
      assert.equal(await outcome(s.login('nobody', PASSWORD, '', '10.3.0.1')), 'LOGIN_FAILED');
      assert.deepEqual(
        audit.map((l) => l.detail),
        ['bad-second-factor', 'bad-password', 'unknown-account'],
      );
      const logged = t.running.sequencer?.fold.officials.acts.filter((a) => a.entryIndex >= from);
      assert.deepEqual(
        logged?.map((a) => [a.account, a.outcome]),
        [
          ['chair', 'failed'],
          ['chair', 'failed'],
          ['', 'failed'],
        ],
      );
      const entries = await t.store.getEntries(from, from + 3);
      const acts = entries.map((e) => JSON.parse(new TextDecoder().decode(e.data)).act);
      assert.deepEqual(acts[0], { kind: 'login', outcome: 'failed', address: '10.3.0.0/24' });
      assert.deepEqual(acts[0], acts[1], 'a right and a wrong password look the same in the log');
      // Clear chair's count: a later test logs in as chair.
      await t.store.accounts.recordSuccess('chair');
    });

    test('a lockout ends live sessions, in this process and any other', async () => {
      const s = service();
      const session = await s.login('ro-b', PASSWORD, '', '10.4.0.1');
      const bearer = `Bearer ${session.token}`;
      assert.equal((await s.authenticate(bearer)).account.id, 'ro-b');
      for (let i = 0; i < LOCKOUT_AFTER; i++)
        await outcome(s.login('ro-b', `wrong ${i}`, '', '10.4.0.2'));
      assert.equal(await outcome(s.authenticate(bearer)), 'NOT_LOGGED_IN');
      // Sessions are checked against the account's state in the store on each
      // use: one that survived the purge (written by another process) is refused.
      const other = randomBytes(32).toString('base64url');
      const hash = createHash('sha256').update(other).digest('hex');
      await t.store.accounts.createSession(hash, 'ro-b', new Date(NOW + 60_000));
      const r = await t.running.app.inject({
        method: 'GET',
        url: '/api/v1/session',
        headers: { authorization: `Bearer ${other}` },
      });
      assert.equal(r.statusCode, 429, r.body);
      assert.equal(r.json().error.code, 'ACCOUNT_LOCKED');
    });

    test('a disabled account: its sessions end, and its logins are refused', async () => {
      const s = service();
      const session = await s.login('ro-c', PASSWORD, '', '10.5.0.1');
      const chair = await s.login(
        'chair',
        PASSWORD,
        totp(adminSecret, NOW + 30_000), // the next window: the first test used this one's code
        '10.5.0.2',
      );
      const admin = await s.authenticate(`Bearer ${chair.token}`);
      await s.disable(admin.account, 'ro-c');
      const r = await t.running.app.inject({
        method: 'GET',
        url: '/api/v1/session',
        headers: { authorization: `Bearer ${session.token}` },
      });
      assert.equal(r.statusCode, 401, r.body);
      assert.equal(await outcome(s.login('ro-c', PASSWORD, '', '10.5.0.1')), 'ACCOUNT_DISABLED');
      assert.equal(t.running.sequencer?.fold.officials.acts.at(-1)?.outcome, 'failed');
    });

    test('the lockout and the address throttle survive a restart', async () => {
      // Fill one address's window, and the lock of ro-a is still on from above.
      const s = service();
      const address = '10.6.0.1';
      for (let i = 0; i < ATTEMPTS_PER_ADDRESS; i++)
        await outcome(s.login(`nobody-${i}`, 'x', '', address));
      assert.equal(await outcome(s.login('nobody', 'x', '', address)), 'RATE_LIMITED');
      await t.running.close();
      const log = generateKey('kura.test/log', seed('log'));
      t.running = await startLog({
        store: t.store,
        signer: new CheckpointSigner(log.signerKey),
        sequencer: { periodMs: 20 },
        commissionSeed: TEST_COMMISSION_SEED,
        officialsNow: () => NOW,
      });
      const again = service();
      assert.equal(await outcome(again.login('nobody', 'x', '', address)), 'RATE_LIMITED');
      assert.equal(await outcome(again.login('ro-a', PASSWORD, '', '10.6.0.2')), 'ACCOUNT_LOCKED');
      const r = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        remoteAddress: address,
        payload: { account: 'nobody', password: 'x' },
      });
      assert.equal(r.statusCode, 429);
      assert.equal(r.json().error.code, 'RATE_LIMITED');
    });
  });
}

function seed(s: string): Uint8Array {
  return new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);
}

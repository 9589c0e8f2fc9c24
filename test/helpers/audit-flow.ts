// A small election with a clear winner and a batch-comparison audit run to its
// end through the HTTP API (fastify inject), for the tests that need an audit
// on the log rather than the steps of one (kura verify, the CLI).
import assert from 'node:assert/strict';
import { totp } from '../../src/accounts/totp.js';
import type { TestLog } from './test-log.js';

export const AUDIT_PASSWORD = 'correct horse battery staple';

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON
type Json = Record<string, any>;

/** Logs a result at every station: alpha about 80% of the valid votes. Returns each station's votes. */
export async function fillClearWinner(
  t: TestLog,
): Promise<Map<string, { votes: Record<string, number>; rejected: number }>> {
  const figures = new Map<string, { votes: Record<string, number>; rejected: number }>();
  for (const [i, s] of t.definition.stations.entries()) {
    const votes = { alpha: 160 + 7 * i, beta: 25 + (i % 4), gamma: 10 + (i % 3) };
    figures.set(s.code, { votes, rejected: 2 });
    const r = await t.running.app.inject({
      method: 'POST',
      url: '/api/v1/results',
      payload: t.result(s.code, { votes }),
    });
    assert.equal(r.statusCode, 201, r.body);
  }
  return figures;
}

/** Console-made accounts (two administrators, two audit board members), logged in: account → token. */
export async function auditOfficials(t: TestLog): Promise<{
  tokens: Map<string, string>;
  secrets: Map<string, string>;
}> {
  const officials = t.running.officials;
  assert.ok(officials, 'the test log runs with officials');
  const tokens = new Map<string, string>();
  const secrets = new Map<string, string>();
  for (const [account, role] of [
    ['chair', 'commission-admin'],
    ['vice', 'commission-admin'],
    ['board-a', 'audit-board'],
    ['board-b', 'audit-board'],
  ] as const) {
    const made: { totpSecret: string | null } = await officials.createAccount(null, {
      account,
      role,
      scope: '',
      password: AUDIT_PASSWORD,
    });
    if (made.totpSecret) secrets.set(account, made.totpSecret);
    const r: { statusCode: number; body: string; json(): unknown } = await t.running.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: {
        account,
        password: AUDIT_PASSWORD,
        ...(made.totpSecret ? { totp: totp(made.totpSecret, Date.now()) } : {}),
      },
    });
    assert.equal(r.statusCode, 200, r.body);
    tokens.set(account, (r.json() as Json).token);
  }
  return { tokens, secrets };
}

/**
 * Proposes, approves and seeds audit `id`, then runs rounds (the server's
 * default size) with every paper matching the log but the first, which
 * reads `differ` fewer votes for alpha, until the risk limit is met.
 * Returns the number of rounds.
 */
export async function runMacroAudit(
  t: TestLog,
  tokens: Map<string, string>,
  figures: Map<string, { votes: Record<string, number>; rejected: number }>,
  o: { id: string; riskLimit: number; seed: string; differ?: number },
): Promise<number> {
  const call = async (who: string, url: string, payload?: unknown) => {
    const r = await t.running.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${tokens.get(who)}` },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    assert.equal(r.statusCode, 201, `${url}: ${r.body}`);
    return r.json() as Json;
  };
  await call('chair', '/api/v1/audits', {
    audit: o.id,
    contest: 'president',
    method: 'macro',
    riskLimit: o.riskLimit,
  });
  await call('vice', `/api/v1/audits/${o.id}/approve`);
  await call('chair', `/api/v1/audits/${o.id}/seed`, { seed: o.seed });
  const read = new Set<string>();
  let differ = o.differ ?? 0;
  for (let round = 1; round <= 8; round++) {
    const started = await call('chair', `/api/v1/audits/${o.id}/rounds`, {});
    const entries: number[] = [];
    for (const d of started.draws as Array<{ station: string }>) {
      if (read.has(d.station)) continue;
      read.add(d.station);
      const logged = figures.get(d.station);
      assert.ok(logged);
      const votes = { ...logged.votes, alpha: (logged.votes.alpha as number) - differ };
      differ = 0;
      const p = await call('board-a', `/api/v1/audits/${o.id}/papers`, {
        station: d.station,
        paper: 'counted',
        votes,
        rejected: logged.rejected,
        totalValid: Object.values(votes).reduce((s, n) => s + n, 0),
        form: 'ab'.repeat(32),
      });
      entries.push(p.index);
    }
    for (const e of entries) await call('board-b', `/api/v1/audits/papers/${e}/confirm`);
    const closed = await call('chair', `/api/v1/audits/${o.id}/rounds/${round}/close`);
    if (closed.outcome === 'risk-limit-met') return round;
  }
  assert.fail(`audit ${o.id}: the risk limit was not met in 8 rounds`);
}

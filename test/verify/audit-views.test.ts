// kura verify and the risk-limiting audits: it recomputes every audit from the
// log (each round's sample from the seed, each paper's differences, each
// round's risk) and holds GET /api/v1/audits and /api/v1/audits/{id} to it.
// An honest server is verified; a server that shows another sample, another
// risk, or leaves an audit out of its list is not, and the finding names the
// field; a rogue server that logs a rigged sample is caught in the fold.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ok } from '../../src/basics/result.js';
import type { Account } from '../../src/election/officials.js';
import type { VerifyReport } from '../../src/verify/report.js';
import { verifyServer } from '../../src/verify/verify.js';
import { auditOfficials, fillClearWinner, runMacroAudit } from '../helpers/audit-flow.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';
import { startProxy, type TestProxy } from './proxy.js';

// biome-ignore lint/suspicious/noExplicitAny: the served JSON, rewritten field by field
type Json = Record<string, any>;

describe('kura verify holds the served audits to the log', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kura-verify-audits-'));
  let t: TestLog;
  let proxy: TestProxy;
  let runs = 0;
  let stations: string[] = [];

  const verify = (server = proxy.url) =>
    verifyServer({
      server,
      stateDir: join(tmp, `state-${runs++}`),
      logKey: t.definition.logKey,
      commissionKey: t.definition.commissionKey,
      concurrency: 4,
      threads: 1,
      say: () => {},
    });
  const audits = (r: VerifyReport) =>
    r.findings.filter((f) => f.kind === 'audit-mismatch').map((f) => f.message);
  /** Rewrites the JSON body of one path. */
  const rewriting = (path: string, change: (body: Json) => void) => {
    proxy.rewrite = (p, body) => {
      if (p !== path) return undefined;
      const json = JSON.parse(body.toString('utf8')) as Json;
      change(json);
      return JSON.stringify(json);
    };
  };

  before(async () => {
    t = await newTestLog('pglite', { officials: true, stations: 12 });
    stations = t.definition.stations.map((s) => s.code);
    const figures = await fillClearWinner(t);
    const { tokens } = await auditOfficials(t);
    await runMacroAudit(t, tokens, figures, {
      id: 'a1',
      riskLimit: 10,
      seed: '27182818284590452353602874',
      differ: 2,
    });
    proxy = await startProxy(await t.running.app.listen({ port: 0, host: '127.0.0.1' }));
  });
  after(async () => {
    await proxy?.close();
    await t?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('an honest server: verified, the audit compared', async () => {
    proxy.rewrite = undefined;
    const r = await verify();
    assert.equal(r.verdict, 'verified', JSON.stringify(r.findings, null, 2));
    assert.equal(r.compare?.audits, 1);
  });

  test('a server that shows another sample is not verified', async () => {
    rewriting('/api/v1/audits/a1', (a) => {
      const d = a.rounds[0].draws[0];
      d.station = stations.find((s) => s !== d.station);
    });
    const r = await verify();
    assert.equal(r.verdict, 'findings');
    assert.equal(r.exitCode, 1);
    const found = audits(r);
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0] as string, /rounds\[0\]\.draws\[0\]\.station/);
  });

  test('a server that shows another risk is not verified', async () => {
    rewriting('/api/v1/audits/a1', (a) => {
      a.risk = a.risk / 2;
      const last = a.rounds.at(-1);
      last.risk = String(Number(last.risk) / 2);
    });
    const r = await verify();
    assert.equal(r.verdict, 'findings');
    const found = audits(r);
    assert.match(found.join('\n'), /\brisk: served/);
    assert.match(found.join('\n'), /rounds\[\d+\]\.risk/);
  });

  test('a list that hides the audit, or shows one the log lacks, is not verified', async () => {
    rewriting('/api/v1/audits', (l) => {
      l.audits = [{ ...l.audits[0], id: 'ghost' }];
    });
    const r = await verify();
    const found = audits(r).join('\n');
    assert.match(found, /leaves out audit a1/);
    assert.match(found, /lists an audit "ghost"/);
  });

  test('a drawn station shown under another name, or left unnamed, is not verified', async () => {
    let drawn = '';
    rewriting('/api/v1/audits/a1', (a) => {
      drawn = a.rounds[0].draws[0].station;
      a.stations[drawn].name = 'Somewhere Else Primary School';
    });
    let found = audits(await verify());
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(
      found[0] as string,
      new RegExp(`stations\\.${drawn}\\.name: served "Somewhere Else`),
    );
    rewriting('/api/v1/audits/a1', (a) => {
      a.stations = {};
    });
    found = audits(await verify());
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0] as string, new RegExp(`stations\\.${drawn}: served \\(absent\\)`));
  });

  test('a paper shown without its difference from the log is not verified', async () => {
    rewriting('/api/v1/audits/a1', (a) => {
      for (const round of a.rounds) for (const p of round.papers) p.differences = [];
    });
    const found = audits(await verify()).join('\n');
    assert.match(found, /papers\[0\]\.differences\[0\]/);
  });

  test('a rogue server that logs a rigged sample: the fold refuses it, and the served round is not the log’s', async () => {
    proxy.rewrite = undefined;
    const officials = t.running.officials;
    const o = t.running.sequencer?.fold.officials;
    assert.ok(officials && o);
    const chair = o.accounts.get('chair') as Account;
    const vice = o.accounts.get('vice') as Account;
    const proposed = await officials.act(chair, {
      kind: 'audit-proposed',
      audit: 'rigged',
      contest: 'president',
      method: 'macro',
      riskLimit: 10,
      treeSize: t.running.sequencer?.treeSize ?? 0,
    });
    await officials.act(vice, { kind: 'audit-approved', proposal: proposed.index });
    await officials.act(chair, { kind: 'audit-seed', audit: 'rigged', seed: '1'.repeat(24) });
    // The rogue server: its own rules switched off, so it logs a sample of its choosing.
    const check = o.check.bind(o);
    o.check = () => ok({ kind: 'none' });
    try {
      await officials.act(chair, {
        kind: 'audit-round',
        audit: 'rigged',
        round: 1,
        draws: 3,
        sample: 'ee'.repeat(32),
      });
    } finally {
      o.check = check;
    }
    const r = await verify();
    assert.notEqual(r.verdict, 'verified');
    const anomalies = r.findings.filter((f) => f.kind === 'anomaly').map((f) => f.message);
    assert.ok(
      anomalies.some((m) => /SAMPLE_MISMATCH/.test(m)),
      anomalies.join('\n'),
    );
  });
});

// `kura verify` recomputes every party's parallel tally and the agents' words
// on the station pages, and holds the server to them: an honest server
// verifies; one that shows a party a different tally, or drops a dissent from
// a station page, does not. `kura forensics` lists the dissents and the
// results no agent co-signed, by county and constituency.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signingMessage } from '../../src/election/entries.js';
import { analyse } from '../../src/forensics/analyse.js';
import { renderReport } from '../../src/forensics/html-report.js';
import { toBase64, toHex } from '../../src/log/bytes.js';
import { ed25519PublicKey, ed25519Sign, sha256 } from '../../src/log/crypto.js';
import type { VerifyReport } from '../../src/verify/report.js';
import { verifyServer } from '../../src/verify/verify.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';
import { startProxy, type TestProxy } from '../verify/proxy.js';

const seed = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);
const PARTY = seed('party kk');
const pub = (s: Uint8Array) => toBase64(ed25519PublicKey(s));
type Json = Record<string, unknown>;
const sign = <T extends Json>(u: T, key: Uint8Array) => ({
  ...u,
  sig: toBase64(ed25519Sign(key, signingMessage(u as never))),
});

describe('kura verify and kura forensics with party agents', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kura-agents-verify-'));
  let states = 0;
  let t: TestLog;
  let writer = '';
  let proxy: TestProxy;
  let stations: string[] = [];
  const verify = (server: string) =>
    verifyServer({
      server,
      stateDir: join(tmp, `state-${states++}`),
      logKey: t.definition.logKey,
      commissionKey: t.definition.commissionKey,
      concurrency: 4,
      threads: 1,
      prefetchViews: false,
      say: () => {},
    });
  const explain = (r: VerifyReport) =>
    JSON.stringify(
      { verdict: r.verdict, incomplete: r.incomplete, findings: r.findings.map((f) => f.message) },
      null,
      2,
    );

  before(async () => {
    t = await newTestLog('pglite', { officials: true, stations: 12 });
    const officials = t.running.officials;
    assert.ok(officials);
    const act = {
      kind: 'party-enrolled',
      party: 'kk',
      name: 'Kenya Kwanza',
      publicKey: pub(PARTY),
    } as const;
    officials.precheck(null, act);
    await officials.act(null, act);
    const election = t.definition.electionId;
    stations = t.definition.stations.slice(0, 6).map((s) => s.code);
    const post = async (url: string, payload: unknown) => {
      const r = await t.running.app.inject({ method: 'POST', url, payload: payload as Json });
      assert.ok(r.statusCode === 201, `${url}: ${r.body}`);
      return r.json() as { index: number };
    };
    for (const [i, station] of stations.entries()) {
      const { index } = await post('/api/v1/results', t.result(station));
      const bytes = (await t.store.getEntry(index))?.data as Uint8Array;
      const result = toHex(sha256(bytes));
      if (i === 5) continue; // no agent at the last station
      const agent = `ag-${i}`;
      const key = seed(agent);
      await post(
        '/api/v1/roster',
        sign(
          {
            type: 'roster',
            v: 1,
            election,
            party: 'kk',
            at: '2022-08-09T18:00:00Z',
            act: { kind: 'agent-enrolled', agent, station, publicKey: pub(key), replaces: '' },
          },
          PARTY,
        ),
      );
      const word = {
        v: 1,
        election,
        party: 'kk',
        agent,
        result,
        agentTime: '2022-08-09T18:05:00Z',
      };
      if (i === 2)
        await post(
          '/api/v1/dissents',
          sign(
            {
              type: 'dissent',
              ...word,
              contest: 'president',
              station,
              votes: { alpha: 11, beta: 20, gamma: 30 },
              rejected: 2,
              totalValid: 61,
              form: 'ef'.repeat(32),
              reason: 'alpha had 11 on our copy',
            },
            key,
          ),
        );
      else await post('/api/v1/attestations', sign({ type: 'attestation', ...word }, key));
    }
    writer = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = await startProxy(writer);
  });
  after(async () => {
    await proxy?.close();
    await t?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('an honest server verifies, party tallies and words included', async () => {
    const r = await verify(writer);
    assert.equal(r.exitCode, 0, explain(r));
    assert.deepEqual(r.compare?.parties, { parties: 1, tallies: 1 + countiesWithTally() });
    assert.equal(r.fold?.anomalies, 0);
  });

  function countiesWithTally(): number {
    const fold = t.running.sequencer?.fold;
    let n = 0;
    for (const u of t.running.election.index.units.values())
      if (u.level === 'county' && fold?.tally('president', u.code)) n++;
    return n;
  }

  test('a server showing a party a different tally is not verified', async () => {
    proxy.rewrite = (path, body) => {
      if (!path.startsWith('/api/v1/parties/kk/tally/president/nation')) return undefined;
      const b = JSON.parse(body.toString());
      b.tally.votes.alpha += 1;
      return JSON.stringify(b);
    };
    try {
      const r = await verify(proxy.url);
      assert.equal(r.exitCode, 1, explain(r));
      const found = r.findings.filter((f) => f.kind === 'party-mismatch');
      assert.equal(found.length, 1, explain(r));
      assert.match(found[0]?.message ?? '', /parallel tally differs/);
    } finally {
      proxy.rewrite = undefined;
    }
  });

  test('a server that leaves a party out, or a dissent off its station page, is not verified', async () => {
    const dissented = stations[2] as string;
    proxy.rewrite = (path, body) => {
      if (path === '/api/v1/parties') return JSON.stringify({ parties: [] });
      if (
        !path.startsWith('/api/v1/station-pages') &&
        !path.startsWith(`/api/v1/stations/${dissented}`)
      )
        return undefined;
      return body
        .toString()
        .replace(/"words":\{"president":\[[^\]]*\]\},?/g, '')
        .replace(/,\}/g, '}');
    };
    try {
      const r = await verify(proxy.url);
      assert.equal(r.exitCode, 1, explain(r));
      assert.ok(
        r.findings.some(
          (f) => f.kind === 'party-mismatch' && /leaves out party kk/.test(f.message),
        ),
        explain(r),
      );
      assert.ok(
        r.findings.some(
          (f) =>
            f.kind === 'station-mismatch' &&
            f.station === dissented &&
            /agents' words/.test(f.message),
        ),
        explain(r),
      );
    } finally {
      proxy.rewrite = undefined;
    }
  });

  test('a server that shows a word no agent gave, on a station with none, is not verified', async () => {
    const quiet = stations[5] as string;
    const invented = {
      president: [{ kind: 'attestation', party: 'kk', agent: 'ag-0', entryIndex: 3 }],
    };
    /** Adds the invented word to the quiet station's page wherever a body holds it. */
    const addWords = (v: unknown): void => {
      if (Array.isArray(v)) for (const x of v) addWords(x);
      else if (typeof v === 'object' && v !== null) {
        const o = v as Json;
        if ((o.station as Json | undefined)?.code === quiet && 'results' in o) o.words = invented;
        else for (const x of Object.values(o)) addWords(x);
      }
    };
    proxy.rewrite = (path, body) => {
      if (
        !path.startsWith('/api/v1/station-pages') &&
        !path.startsWith(`/api/v1/stations/${quiet}`)
      )
        return undefined;
      const json = JSON.parse(body.toString()) as unknown;
      addWords(json);
      return JSON.stringify(json);
    };
    try {
      const r = await verify(proxy.url);
      assert.equal(r.exitCode, 1, explain(r));
      assert.ok(
        r.findings.some(
          (f) =>
            f.kind === 'station-mismatch' && f.station === quiet && /agents' words/.test(f.message),
        ),
        explain(r),
      );
    } finally {
      proxy.rewrite = undefined;
    }
  });

  test('forensics: the dissent with both figures, and the results no agent signed by area', async () => {
    const size = t.running.sequencer?.treeSize ?? 0;
    const entries = (await t.store.getEntries(0, size)).map((e) => e.data);
    const report = analyse({
      definition: t.definition,
      entries,
      source: { kind: 'server', location: writer, trust: 'test' },
    });
    assert.ok(report.ok);
    const agents = report.value.agents;
    assert.ok(agents);
    assert.deepEqual(agents.parties, [{ party: 'kk', name: 'Kenya Kwanza' }]);
    const president = agents.contests.find((c) => c.contest === 'president');
    assert.deepEqual(
      [president?.reported, president?.cosigned, president?.unsigned, president?.disputed],
      [6, 4, 1, 1],
    );
    const countyRows = president?.counties ?? [];
    assert.equal(
      countyRows.reduce((n, c) => n + c.reported, 0),
      6,
    );
    assert.equal(
      countyRows.reduce((n, c) => n + c.unsigned, 0),
      1,
    );
    const place = t.running.election.index.places.get(stations[5] as string);
    assert.equal(countyRows.find((c) => c.code === place?.county)?.unsigned, 1);
    assert.equal(agents.dissents.length, 1);
    const d = agents.dissents[0];
    assert.equal(d?.station, stations[2]);
    assert.deepEqual(d?.agentFigures, {
      votes: { alpha: 11, beta: 20, gamma: 30 },
      rejected: 2,
      totalValid: 61,
    });
    assert.deepEqual({ ...d?.official.votes }, { alpha: 10, beta: 20, gamma: 30 });
    const html = renderReport(report.value);
    assert.match(html, /Party agents: co-signatures and dissents/);
    assert.match(html, /alpha had 11 on our copy/);
    // A log without rosters keeps its report as it was.
    const plain = analyse({
      definition: t.definition,
      entries: entries.slice(0, 2),
      source: { kind: 'server', location: writer, trust: 'test' },
    });
    assert.ok(plain.ok);
    assert.equal(plain.value.agents, null);
    assert.doesNotMatch(renderReport(plain.value), /Party agents/);
  });
});

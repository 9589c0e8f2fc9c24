// A run with the state of an earlier one reads again, in bulk, only the
// station pages whose facts in the log changed since the checkpoint it
// verified (view-digests.ts), and those it did not find equal to the log;
// --all-views, another server, or no usable digests read every page. A
// proxy in front of an honest server counts the requests and lies where the
// test says.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { STATION_PAGE_LIMIT } from '../../src/verify/bulk.js';
import { formatReport, type VerifyReport } from '../../src/verify/report.js';
import { type VerifyOptions, verifyServer } from '../../src/verify/verify.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';
import { testVerifyOptions } from '../helpers/verify-options.js';
import { startProxy, type TestProxy } from './proxy.js';

/** Three chains of station pages: 1,000, 1,000 and 100 stations. */
const STATIONS = 2 * STATION_PAGE_LIMIT + 100;
/** A parsed JSON body, taken apart freely by the test. */
type Json = ReturnType<typeof JSON.parse>;
const tmp = mkdtempSync(join(tmpdir(), 'kura-verify-views-since-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const explain = (r: VerifyReport) =>
  JSON.stringify({ incomplete: r.incomplete, findings: r.findings.map((f) => f.message) }, null, 2);

describe('kura verify reads again only the station pages the log changed', () => {
  let t: TestLog;
  let proxy: TestProxy;
  let direct = '';
  let codes: string[] = [];
  const stateDir = join(tmp, 'state');
  const verify = (extra: Partial<VerifyOptions> = {}) =>
    verifyServer(testVerifyOptions(t, proxy.url, stateDir, extra));
  /** The cursors of the bulk station pages read since the last call (null: the first page). */
  const pagesRead = () => {
    const read = proxy.paths
      .filter((p) => p.startsWith('/api/v1/station-pages'))
      .map((p) => new URL(p, 'http://x').searchParams.get('after'));
    proxy.paths = [];
    return read;
  };
  const post = async (stations: string[], rejected = 1) => {
    for (const code of stations) {
      const r = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: t.result(code, { rejected }),
      });
      assert.equal(r.statusCode, 201, r.body);
    }
  };

  before(async () => {
    t = await newTestLog('pglite', { stations: STATIONS, sequencerPeriodMs: 2 });
    codes = t.definition.stations.map((s) => s.code);
    direct = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = await startProxy(direct);
  });
  after(async () => {
    await proxy?.close();
    await t?.close();
  });

  test('a first run reads every page; a second of the same tree reads none in bulk', async () => {
    await post(codes.slice(0, 5));
    const first = await verify();
    assert.equal(first.exitCode, 0, explain(first));
    assert.equal(first.compare?.stations, STATIONS);
    assert.equal(first.compare?.unchangedSince, undefined);
    assert.equal(pagesRead().length, 3);

    const again = await verify();
    assert.equal(again.exitCode, 0, explain(again));
    assert.equal(again.compare?.stations, 0);
    assert.deepEqual(again.compare?.unchangedSince, { size: 6, pages: STATIONS });
    assert.deepEqual(pagesRead(), [], 'no bulk station page');
    // The tallies are still read, all of them, and the sample of single URLs.
    assert.equal(again.compare?.tallies, first.compare?.tallies);
    assert.equal(again.compare?.urlsSampled, 6);
    // The report says what was not read, and why.
    const text = formatReport(again);
    assert.match(
      text,
      /2,100 station pages not read again in bulk: found equal to the log at tree size 6/,
    );
    assert.match(text, /signatures none new to check; entries 0–5 were checked by the run/);
  });

  test('new results: only the pages holding their stations are read, and compared', async () => {
    await post(codes.slice(STATION_PAGE_LIMIT, STATION_PAGE_LIMIT + 3));
    const r = await verify();
    assert.equal(r.exitCode, 0, explain(r));
    assert.equal(r.fold?.counted, 8);
    assert.deepEqual(pagesRead(), [codes[STATION_PAGE_LIMIT - 1]], 'the second chain only');
    assert.equal(r.compare?.stations, STATION_PAGE_LIMIT);
    assert.deepEqual(r.compare?.unchangedSince, { size: 6, pages: STATIONS - STATION_PAGE_LIMIT });

    // A server that leaves a new result off its page is caught: the page is read.
    await post([codes[STATION_PAGE_LIMIT + 10] as string]);
    const hidden = codes[STATION_PAGE_LIMIT + 10] as string;
    proxy.rewrite = (path, body) => {
      if (!path.startsWith('/api/v1/station-pages')) return undefined;
      const json: Json = JSON.parse(body.toString('utf8'));
      for (const page of json.stations)
        if (page.station.code === hidden) page.results.president = null;
      return JSON.stringify(json);
    };
    try {
      const lied = await verify();
      assert.equal(lied.exitCode, 1, explain(lied));
      assert.ok(
        lied.findings.some((f) => f.kind === 'station-mismatch' && f.station === hidden),
        explain(lied),
      );
      assert.equal(lied.compare?.stations, STATION_PAGE_LIMIT);
    } finally {
      proxy.rewrite = undefined;
    }
    pagesRead();
    // Found wrong, so not taken as equal: the next run reads that page again (and it is honest now).
    const healed = await verify();
    assert.equal(healed.exitCode, 0, explain(healed));
    assert.deepEqual(pagesRead(), [codes[STATION_PAGE_LIMIT - 1]]);
  });

  test('a page changed without a log entry is caught by --all-views, and then read until it is right', async () => {
    const victim = codes[2 * STATION_PAGE_LIMIT + 50] as string;
    proxy.rewrite = (path, body) => {
      if (!path.startsWith('/api/v1/station-pages')) return undefined;
      const json: Json = JSON.parse(body.toString('utf8'));
      for (const page of json.stations) if (page.station.code === victim) page.station.name = 'X';
      return JSON.stringify(json);
    };
    try {
      pagesRead();
      const quick = await verify({ pageSample: 1 });
      // Nothing in the log changed for it: its page is not read in bulk (only a sample of single URLs).
      assert.deepEqual(pagesRead(), []);
      assert.equal(quick.compare?.stations, 0);
      const all = await verify({ allViews: true });
      assert.equal(all.exitCode, 1, explain(all));
      assert.ok(
        all.findings.some((f) => f.station === victim),
        explain(all),
      );
      assert.equal(all.compare?.stations, STATIONS);
      assert.equal(all.compare?.unchangedSince, undefined);
      pagesRead();
      const next = await verify();
      assert.equal(next.exitCode, 1, 'the page found wrong is read again');
      assert.deepEqual(pagesRead(), [codes[2 * STATION_PAGE_LIMIT - 1]]);
    } finally {
      proxy.rewrite = undefined;
    }
    const right = await verify();
    assert.equal(right.exitCode, 0, explain(right));
    assert.deepEqual(pagesRead(), [codes[2 * STATION_PAGE_LIMIT - 1]]);
    await verify();
    assert.deepEqual(pagesRead(), [], 'found equal: not read again');
  });

  test('another server, or a damaged views.json, has every page read', async () => {
    const other = await verify({ server: direct });
    assert.equal(other.exitCode, 0, explain(other));
    assert.equal(other.compare?.stations, STATIONS, 'pages found equal at the proxy are not its');
    writeFileSync(join(stateDir, 'views.json'), '{"version":1,"server":');
    const damaged = await verify();
    assert.equal(damaged.exitCode, 0, explain(damaged));
    assert.equal(damaged.compare?.stations, STATIONS);
  });
});

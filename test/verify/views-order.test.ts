// When kura verify reads a server on this machine, it asks for the views
// (station pages and tallies) only once the log is read: the server would
// otherwise make its pages while it serves the entry bundles, and take the
// CPU the verifier's signature checks need. A remote server is asked for its
// views from the start (the network wait overlaps the checks). A proxy in
// front of an honest server records, in order, each request and each entry
// bundle answered.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TILE_WIDTH } from '../../src/log/tiles.js';
import type { VerifyReport } from '../../src/verify/report.js';
import { type VerifyOptions, verifyServer } from '../../src/verify/verify.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';
import { testVerifyOptions } from '../helpers/verify-options.js';
import { startProxy, type TestProxy } from './proxy.js';

/** Results enough for several entry bundles, so that reading the log takes many answers. */
const STATIONS = 5 * TILE_WIDTH + 20;
const tmp = mkdtempSync(join(tmpdir(), 'kura-verify-views-order-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const isView = (path: string) =>
  path.startsWith('/api/v1/station-pages') || path.startsWith('/api/v1/tallies/');
const isBundle = (path: string) => path.startsWith('/log/tile/entries/');

describe('kura verify asks a server on this machine for its views once its log is read', () => {
  let t: TestLog;
  let proxy: TestProxy;
  /** Each request as it arrives, and each bundle's answer as it is sent, in order. */
  let events: Array<{ kind: 'request' | 'answered'; path: string }> = [];
  let run = 0;

  const verify = async (extra: Partial<VerifyOptions>): Promise<VerifyReport> => {
    events = [];
    const report = await verifyServer(
      testVerifyOptions(t, proxy.url, join(tmp, `state-${++run}`), extra),
    );
    assert.equal(report.exitCode, 0, JSON.stringify(report.findings, null, 2));
    return report;
  };
  const firstView = () => events.findIndex((e) => e.kind === 'request' && isView(e.path));
  const lastBundleAnswer = () => {
    let last = -1;
    events.forEach((e, i) => {
      if (e.kind === 'answered') last = i;
    });
    return last;
  };

  before(async () => {
    t = await newTestLog('pglite', { stations: STATIONS, sequencerPeriodMs: 2 });
    const codes = t.definition.stations.map((s) => s.code);
    for (let i = 0; i < codes.length; i += 64)
      await Promise.all(
        codes.slice(i, i + 64).map(async (code) => {
          const r = await t.running.app.inject({
            method: 'POST',
            url: '/api/v1/results',
            payload: t.result(code),
          });
          assert.equal(r.statusCode, 201, r.body);
        }),
      );
    proxy = await startProxy(await t.running.app.listen({ port: 0, host: '127.0.0.1' }));
    proxy.override = (path) => {
      events.push({ kind: 'request', path });
      return undefined;
    };
    proxy.rewrite = (path) => {
      if (isBundle(path)) events.push({ kind: 'answered', path });
      return undefined;
    };
  });
  after(async () => {
    await proxy?.close();
    await t?.close();
  });

  test('on 127.0.0.1, every view is asked for after the last entry bundle is answered', async () => {
    const report = await verify({});
    assert.equal(report.mirror?.bundlesFetched, Math.ceil((STATIONS + 1) / TILE_WIDTH));
    assert.ok(firstView() >= 0, 'the views were read');
    assert.ok(lastBundleAnswer() >= 0, 'the bundles were read');
    assert.ok(
      firstView() > lastBundleAnswer(),
      `a view was asked for at event ${firstView()}, before the last bundle was answered at ${lastBundleAnswer()}`,
    );
  });

  test('asked to read the views early (as from a remote server), it asks before the log is read', async () => {
    await verify({ prefetchViews: true });
    assert.ok(firstView() >= 0 && lastBundleAnswer() >= 0);
    assert.ok(
      firstView() < lastBundleAnswer(),
      `the first view was asked for at event ${firstView()}, after the last bundle was answered at ${lastBundleAnswer()}: the order measured here does not tell the two policies apart`,
    );
  });
});

// `kura verify` reads the views in bulk (GET /api/v1/station-pages,
// /api/v1/tallies/{contest}) and holds a random sample of their own URLs to
// the same answer; with --forms it downloads only the forms the server lists.
// A proxy in front of an honest server lies in one place at a time: in the
// bulk listing, in the single URLs (every one, so that any sample finds
// them), or by having no bulk listing at all (an older server: every view is
// read one URL at a time).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toHex } from '../../src/log/bytes.js';
import { sha256 } from '../../src/log/crypto.js';
import type { Finding, VerifyReport } from '../../src/verify/report.js';
import { type VerifyOptions, verifyServer } from '../../src/verify/verify.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';
import { startProxy, type TestProxy } from './proxy.js';

const STATIONS = 30;
/** A parsed JSON body, taken apart freely by the test. */
type Json = ReturnType<typeof JSON.parse>;
const tmp = mkdtempSync(join(tmpdir(), 'kura-verify-bulk-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let stateCount = 0;

function explain(r: VerifyReport): string {
  return JSON.stringify(
    { verdict: r.verdict, incomplete: r.incomplete, findings: r.findings.map((f) => f.message) },
    null,
    2,
  );
}

const ofKind = (r: VerifyReport, kind: Finding['kind']) =>
  r.findings.filter((f) => f.kind === kind);

/** A JSON body with `change` applied. */
function edited(body: Buffer, change: (json: Json) => void): string {
  const json = JSON.parse(body.toString('utf8'));
  change(json);
  return JSON.stringify(json);
}

const NOT_FOUND = {
  status: 404,
  body: JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no route' } }),
  contentType: 'application/json',
};

for (const backend of await testBackends()) {
  describe(`kura verify in bulk on ${backend}`, () => {
    let t: TestLog;
    let proxy: TestProxy;
    let codes: string[] = [];
    /** The forms uploaded (the presidential ones; the governor results cite forms never uploaded). */
    const uploaded = new Set<string>();

    const verify = (extra: Partial<VerifyOptions> = {}) =>
      verifyServer({
        server: proxy.url,
        stateDir: join(tmp, `state-${stateCount++}`),
        logKey: t.definition.logKey,
        commissionKey: t.definition.commissionKey,
        concurrency: 4,
        threads: 2,
        say: () => {},
        ...extra,
      });
    const requested = (re: RegExp) => proxy.paths.filter((p) => re.test(p));

    before(async () => {
      t = await newTestLog(backend, { stations: STATIONS, presidentOnly: false });
      codes = t.definition.stations.map((s) => s.code);
      const index = t.running.election.index;
      for (const [i, code] of codes.entries()) {
        const file = new TextEncoder().encode(`%PDF-1.4 form 34A of ${code}`);
        const put = await t.uploadForm(code, file, 'application/pdf');
        assert.ok(put.statusCode === 201 || put.statusCode === 200, put.body);
        uploaded.add(toHex(sha256(file)));
        const county = index.places.get(code)?.county;
        for (const contest of ['president', 'governor']) {
          const standing = t.definition.contests
            .find((c) => c.id === contest)
            ?.candidates.filter((c) => c.unit === null || c.unit === county);
          const votes = Object.fromEntries((standing ?? []).map((c, k) => [c.id, 20 + k + i]));
          const totalValid = Object.values(votes).reduce((a, b) => a + b, 0);
          // The governor's form 34A is cited but never uploaded, as on the Kenya demo.
          const form =
            contest === 'president'
              ? toHex(sha256(file))
              : toHex(sha256(new TextEncoder().encode(`gov ${code}`)));
          const r = await t.running.app.inject({
            method: 'POST',
            url: '/api/v1/results',
            payload: t.result(code, { votes, totalValid, form }, contest),
          });
          assert.equal(r.statusCode, 201, r.body);
        }
      }
      proxy = await startProxy(await t.running.app.listen({ port: 0, host: '127.0.0.1' }));
    });
    after(async () => {
      await proxy?.close();
      await t?.close();
    });

    test('an honest server verifies in a few requests; only the sampled single URLs and the listed forms are read', async () => {
      proxy.paths = [];
      const r = await verify({ forms: true, pageSample: 5 });
      assert.equal(r.exitCode, 0, explain(r));
      assert.deepEqual(r.compare?.bulk, { stations: true, tallies: true });
      assert.equal(r.compare?.stations, STATIONS);
      assert.equal(requested(/^\/api\/v1\/station-pages/).length, 1);
      assert.equal(
        requested(/^\/api\/v1\/tallies\//).length,
        t.definition.contests.length,
        'one page per contest',
      );
      assert.equal(requested(/^\/api\/v1\/stations\//).length, 5, 'the sampled station URLs');
      assert.equal(requested(/^\/api\/v1\/tally\//).length, 5, 'the sampled tally URLs');
      // Forms: the listing, then only the listed (presidential) ones downloaded.
      assert.equal(requested(/^\/api\/v1\/forms\?/).length, 1);
      const downloads = requested(/^\/api\/v1\/forms\/[0-9a-f]{64}$/).map((p) => p.slice(-64));
      assert.deepEqual(new Set(downloads), uploaded);
      assert.equal(downloads.length, uploaded.size);
      assert.equal(r.forms?.downloaded, STATIONS);
      assert.equal(r.forms?.ok, STATIONS);
      assert.equal(r.forms?.missing, STATIONS, 'every governor form is missing');
      const missing = ofKind(r, 'form-missing');
      assert.equal(missing.length, STATIONS);
      assert.ok(
        missing.every((f) => f.contest === 'governor' && /does not list it/.test(f.message)),
      );
      for (const phase of ['trust', 'log fetch', 'signatures', 'fold', 'views', 'forms'])
        assert.equal(typeof r.seconds[phase], 'number', `the time of phase ${phase}`);
    });

    test('a bulk station page that differs from the log is a station mismatch naming the listing', async () => {
      const victim = codes[7] as string;
      proxy.rewrite = (path, body) =>
        path.startsWith('/api/v1/station-pages')
          ? edited(body, (j) => {
              const page = j.stations.find((p: Json) => p.station.code === victim);
              page.results.president.votes.alpha += 100;
            })
          : undefined;
      try {
        const r = await verify();
        assert.equal(r.exitCode, 1, explain(r));
        const f = ofKind(r, 'station-mismatch');
        assert.equal(f.length, 1, explain(r));
        assert.equal(f[0]?.station, victim);
        assert.equal(f[0]?.contest, 'president');
        assert.match(f[0]?.message ?? '', /GET \/api\/v1\/station-pages\): votes\.alpha: served/);
      } finally {
        proxy.rewrite = undefined;
      }
    });

    test('a bulk listing that leaves a station out, or lists one twice, is a finding', async () => {
      const victim = codes[3] as string;
      proxy.rewrite = (path, body) =>
        path.startsWith('/api/v1/station-pages')
          ? edited(body, (j) => {
              const at = j.stations.findIndex((p: Json) => p.station.code === victim);
              j.stations.splice(at, 1);
              j.stations.push(j.stations[0]);
            })
          : undefined;
      try {
        const r = await verify({ pageSample: 1 });
        assert.equal(r.exitCode, 1, explain(r));
        const messages = ofKind(r, 'station-mismatch').map((f) => f.message);
        assert.ok(
          messages.some((m) =>
            m.includes(`station ${victim}: GET /api/v1/station-pages leaves the station out`),
          ),
          explain(r),
        );
        assert.ok(
          messages.some((m) => /lists ".*" twice/.test(m)),
          explain(r),
        );
      } finally {
        proxy.rewrite = undefined;
      }
    });

    test('single station URLs that differ from the bulk answer are found by the sample', async () => {
      // Every single URL lies, so that whatever the random sample picks, it finds them.
      proxy.rewrite = (path, body) =>
        path.startsWith('/api/v1/stations/')
          ? edited(body, (j) => {
              j.results.president.votes.beta += 7;
            })
          : undefined;
      try {
        const r = await verify({ pageSample: 3 });
        assert.equal(r.exitCode, 1, explain(r));
        const f = ofKind(r, 'station-mismatch');
        assert.equal(f.length, 3, explain(r));
        for (const x of f) {
          assert.match(x.message, new RegExp(`GET /api/v1/stations/${x.station}\\): votes\\.beta`));
          assert.equal(x.contest, 'president');
        }
      } finally {
        proxy.rewrite = undefined;
      }
    });

    test('a bulk tally that differs from the log, and single tally URLs that differ from the bulk, are tally mismatches', async () => {
      proxy.rewrite = (path, body) =>
        path.startsWith('/api/v1/tallies/president')
          ? edited(body, (j) => {
              const nation = j.tallies.find((x: Json) => x.unit === '');
              nation.tally.votes.gamma += 1000;
            })
          : undefined;
      try {
        const r = await verify();
        assert.equal(r.exitCode, 1, explain(r));
        const f = ofKind(r, 'tally-mismatch');
        assert.equal(f.length, 1, explain(r));
        assert.equal(f[0]?.unit, '');
        assert.match(
          f[0]?.message ?? '',
          /GET \/api\/v1\/tallies\/president\) differs from the log: votes\.gamma/,
        );
      } finally {
        proxy.rewrite = undefined;
      }
      proxy.rewrite = (path, body) =>
        path.startsWith('/api/v1/tally/')
          ? edited(body, (j) => {
              j.tally.totalValid += 1;
            })
          : undefined;
      try {
        const r = await verify({ pageSample: 2 });
        assert.equal(r.exitCode, 1, explain(r));
        const f = ofKind(r, 'tally-mismatch');
        assert.equal(f.length, 2, explain(r));
        for (const x of f) assert.match(x.message, /\(GET \/api\/v1\/tally\/.*totalValid/);
      } finally {
        proxy.rewrite = undefined;
      }
    });

    test('a server without the bulk listings (older) is read one URL per view, and still held to the log', async () => {
      proxy.override = (path) =>
        /^\/api\/v1\/(station-pages|tallies\/|forms\?|forms$)/.test(path) ? NOT_FOUND : undefined;
      try {
        proxy.paths = [];
        const r = await verify({ forms: true });
        assert.equal(r.exitCode, 0, explain(r));
        assert.deepEqual(r.compare?.bulk, { stations: false, tallies: false });
        assert.equal(r.compare?.stations, STATIONS);
        assert.equal(new Set(requested(/^\/api\/v1\/stations\//)).size, STATIONS);
        // Without a listing every cited form is asked for: the governor's answer 404.
        const downloads = new Set(requested(/^\/api\/v1\/forms\/[0-9a-f]{64}$/));
        assert.equal(downloads.size, 2 * STATIONS);
        assert.equal(r.forms?.downloaded, undefined);
        assert.equal(r.forms?.missing, STATIONS);

        const victim = codes[11] as string;
        proxy.rewrite = (path, body) =>
          path === `/api/v1/stations/${victim}`
            ? edited(body, (j) => {
                j.results.governor.rejected += 3;
              })
            : undefined;
        const lied = await verify();
        assert.equal(lied.exitCode, 1, explain(lied));
        const f = ofKind(lied, 'station-mismatch');
        assert.equal(f.length, 1, explain(lied));
        assert.equal(f[0]?.station, victim);
        assert.match(f[0]?.message ?? '', /rejected: served/);
      } finally {
        proxy.override = undefined;
        proxy.rewrite = undefined;
      }
    });
  });
}

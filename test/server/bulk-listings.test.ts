// The paged bulk listings (FORMATS §10.4): GET /api/v1/station-pages,
// /api/v1/tallies/{contest} and /api/v1/forms. Walking a listing page by
// page gives every item exactly once, in the documented order, each exactly
// as its own URL gives it, on a writer and on a read-only server alike; a
// bad cursor or limit is a 400 naming the field.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { toHex } from '../../src/log/bytes.js';
import { sha256 } from '../../src/log/crypto.js';
import { type RunningLog, startLog } from '../../src/server/start.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

type App = RunningLog['app'];
/** A parsed JSON body, taken apart freely by the test. */
type Json = ReturnType<typeof JSON.parse>;

async function getJson(app: App, url: string): Promise<{ status: number; body: Json }> {
  const r = await app.inject({ method: 'GET', url });
  return { status: r.statusCode, body: r.statusCode === 200 ? r.json() : r.json() };
}

/** Follows a listing's `next` from the first page; returns the items of every page, in order. */
async function walk(app: App, base: string, member: string, limit: number): Promise<Json[]> {
  const items: Json[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const sep = base.includes('?') ? '&' : '?';
    const url: string = `${base}${sep}limit=${limit}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
    const { status, body } = await getJson(app, url);
    assert.equal(status, 200, `${url}: ${JSON.stringify(body)}`);
    assert.ok(body[member].length <= limit, `${url} holds more than the limit`);
    items.push(...body[member]);
    if (body.next === null) return items;
    assert.equal(typeof body.next, 'string');
    after = body.next;
  }
  throw new Error(`${base} never ends`);
}

function assertRefused(
  r: { status: number; body: Json },
  status: number,
  code: string,
  field: string,
  url: string,
): void {
  assert.equal(r.status, status, `${url}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error?.code, code, url);
  assert.equal(r.body.error?.field, field, url);
}

for (const backend of await testBackends()) {
  describe(`bulk listings on ${backend}`, () => {
    let t: TestLog;
    let reader: RunningLog;
    const forms: string[] = [];

    before(async () => {
      t = await newTestLog(backend, { stations: 23, presidentOnly: false });
      const codes = t.definition.stations.map((s) => s.code);
      // Results for most stations (some stay without one), in several contests, with forms.
      for (const [i, code] of codes.entries()) {
        if (i % 4 === 3) continue;
        const file = new TextEncoder().encode(`%PDF-1.4 form of ${code}`);
        const put = await t.uploadForm(code, file, 'application/pdf');
        assert.ok(put.statusCode === 201 || put.statusCode === 200, put.body);
        forms.push(toHex(sha256(file)));
        const county = t.running.election.index.places.get(code)?.county;
        for (const contest of ['president', 'governor']) {
          const standing = t.definition.contests
            .find((c) => c.id === contest)
            ?.candidates.filter((c) => c.unit === null || c.unit === county);
          const votes = Object.fromEntries((standing ?? []).map((c, k) => [c.id, 10 + k + i]));
          const totalValid = Object.values(votes).reduce((a, b) => a + b, 0);
          const r = await t.running.app.inject({
            method: 'POST',
            url: '/api/v1/results',
            payload: t.result(code, { form: toHex(sha256(file)), votes, totalValid }, contest),
          });
          assert.equal(r.statusCode, 201, r.body);
        }
      }
      reader = await startLog({ store: t.store, signer: null });
      // Wait (on the condition) until the reader serves what the writer does.
      const nation = async (app: App) =>
        (await app.inject({ method: 'GET', url: '/api/v1/tally/president' })).body;
      for (let i = 0; i < 3000 && (await nation(reader.app)) !== (await nation(t.running.app)); i++)
        await new Promise((r) => setTimeout(r, 20));
    });
    after(async () => {
      await reader?.close();
      await t?.close();
    });

    test('station pages: every station exactly once, in definition order, each as its own URL gives it', async () => {
      const codes = t.definition.stations.map((s) => s.code);
      for (const app of [t.running.app, reader.app])
        for (const limit of [1, 5, 23, 1000]) {
          const pages = await walk(app, '/api/v1/station-pages', 'stations', limit);
          assert.deepEqual(
            pages.map((p) => p.station.code),
            codes,
            `limit ${limit}`,
          );
          if (limit !== 5) continue;
          for (const page of pages) {
            const own = await getJson(app, `/api/v1/stations/${page.station.code}`);
            assert.deepEqual(page, own.body, page.station.code);
          }
        }
      const withResult = (
        await walk(t.running.app, '/api/v1/station-pages', 'stations', 1000)
      ).filter((p) => p.results.president !== null).length;
      assert.equal(withResult, codes.length - Math.floor(codes.length / 4));
    });

    test('station pages: the cursor edges', async () => {
      const codes = t.definition.stations.map((s) => s.code);
      const app = t.running.app;
      const last = await getJson(app, `/api/v1/station-pages?after=${codes.at(-1)}`);
      assert.deepEqual(last.body, { stations: [], next: null });
      const tail = await getJson(app, `/api/v1/station-pages?after=${codes.at(-3)}&limit=2`);
      assert.deepEqual(
        tail.body.stations.map((p: Json) => p.station.code),
        codes.slice(-2),
      );
      assert.equal(tail.body.next, null, 'a page that reaches the end has no next');
      const full = await getJson(app, `/api/v1/station-pages?limit=${codes.length}`);
      assert.equal(full.body.next, null);
      const short = await getJson(app, `/api/v1/station-pages?limit=${codes.length - 1}`);
      assert.equal(short.body.next, codes.at(-2));
      const defaulted = await getJson(app, '/api/v1/station-pages');
      assert.equal(defaulted.body.stations.length, codes.length);
    });

    test('tallies: every tally of a contest exactly once, the nation last, each as its own URL gives it', async () => {
      const index = t.running.election.index;
      for (const contest of ['president', 'governor'])
        for (const app of [t.running.app, reader.app])
          for (const limit of [1, 4, 5000]) {
            const items = await walk(app, `/api/v1/tallies/${contest}`, 'tallies', limit);
            const units = items.map((x) => x.unit);
            const expected: string[] = [];
            for (const unit of [...index.units.keys(), '']) {
              const own = await getJson(
                app,
                `/api/v1/tally/${contest}${unit === '' ? '' : `/${unit}`}`,
              );
              if (own.status !== 200) continue;
              expected.push(unit);
              if (limit === 4) {
                const item = items.find((x) => x.unit === unit);
                assert.deepEqual(item?.tally, own.body.tally, `${contest} ${unit}`);
              }
            }
            assert.deepEqual(units, expected, `${contest}, limit ${limit}`);
            assert.equal(units.at(-1), '', 'the nation is last');
          }
      const app = t.running.app;
      const afterNation = await getJson(app, '/api/v1/tallies/president?after=');
      assert.deepEqual(afterNation.body, { contest: 'president', tallies: [], next: null });
    });

    test('forms: every stored form exactly once, by hash', async () => {
      for (const app of [t.running.app, reader.app]) {
        const listed = await walk(app, '/api/v1/forms', 'forms', 3);
        const hashes = listed.map((f) => f.sha256);
        assert.deepEqual(hashes, [...forms].sort(), 'every uploaded form, in hash order');
        for (const f of listed) {
          assert.equal(f.contentType, 'application/pdf');
          const own = await app.inject({ method: 'GET', url: `/api/v1/forms/${f.sha256}` });
          assert.equal(own.statusCode, 200);
          assert.equal(own.headers['content-type'], f.contentType);
        }
      }
    });

    test('a bad cursor or limit is a 400 naming the field, on every listing', async () => {
      const codes = t.definition.stations.map((s) => s.code);
      const cases: Array<[string, number, string, string]> = [
        ['/api/v1/station-pages?limit=0', 400, 'BAD_QUERY', 'limit'],
        ['/api/v1/station-pages?limit=1001', 400, 'BAD_QUERY', 'limit'],
        ['/api/v1/station-pages?limit=1e3', 400, 'BAD_QUERY', 'limit'],
        ['/api/v1/station-pages?limit=-1', 400, 'BAD_QUERY', 'limit'],
        ['/api/v1/station-pages?limit=', 400, 'BAD_QUERY', 'limit'],
        ['/api/v1/station-pages?after=no-such-station', 400, 'BAD_CURSOR', 'after'],
        ['/api/v1/station-pages?after=', 400, 'BAD_CURSOR', 'after'],
        [`/api/v1/station-pages?after=${codes[0]}&after=${codes[1]}`, 400, 'BAD_CURSOR', 'after'],
        ['/api/v1/tallies/president?limit=5001', 400, 'BAD_QUERY', 'limit'],
        ['/api/v1/tallies/president?limit=0x10', 400, 'BAD_QUERY', 'limit'],
        ['/api/v1/tallies/president?after=no-such-unit', 400, 'BAD_CURSOR', 'after'],
        ['/api/v1/tallies/no-such-contest', 422, 'UNKNOWN_CONTEST', 'contest'],
        ['/api/v1/forms?limit=10001', 400, 'BAD_QUERY', 'limit'],
        ['/api/v1/forms?after=ABC', 400, 'BAD_CURSOR', 'after'],
        [`/api/v1/forms?after=${'A'.repeat(64)}`, 400, 'BAD_CURSOR', 'after'],
      ];
      for (const app of [t.running.app, reader.app])
        for (const [url, status, code, field] of cases)
          assertRefused(await getJson(app, url), status, code, field, url);
    });
  });
}

// The portal's read endpoints (directory, open data, NIST export, static
// files) through app.inject(), on PGlite and PostgreSQL: the answers agree
// with the tallies the server publishes, and every bad input gets a precise 4xx.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_PORTAL_DIR } from '../../src/server/routes/portal-routes.js';
import { testBackends } from '../helpers/postgres.js';
import { type PortalElection, startPortalElection } from './portal-election.js';

const portalBuilt = existsSync(join(DEFAULT_PORTAL_DIR, 'index.html'));

for (const backend of await testBackends()) {
  describe(`portal API on ${backend}`, () => {
    let e: PortalElection;
    const get = (url: string, headers: Record<string, string> = {}) =>
      e.running.app.inject({ method: 'GET', url, headers });
    const errorOf = async (url: string) => {
      const r = await get(url);
      return {
        status: r.statusCode,
        ...(r.json() as { error: { code: string; field?: string; message: string } }).error,
      };
    };
    let reported: string[] = [];

    before(async () => {
      e = await startPortalElection(backend);
      // Two thirds of the stations report every contest.
      reported = e.definition.stations.filter((_, i) => i % 3 !== 2).map((s) => s.code);
      for (const s of reported) for (const c of e.contests()) await e.submit(s, c);
    });
    after(async () => e?.close());

    test('contests and units come from the definition', async () => {
      const c = (await get('/api/v1/contests')).json();
      assert.equal(c.electionId, 'portal-test');
      assert.equal(c.logOrigin, 'kura.test/portal');
      assert.deepEqual(
        c.contests.map((x: { id: string; races: number }) => [x.id, x.races]),
        [
          ['president', 1],
          ['governor', 2],
          ['senator', 2],
          ['woman-representative', 2],
          ['member-of-parliament', 4],
          ['member-of-county-assembly', 8],
        ],
      );
      const nation = (await get('/api/v1/units')).json();
      assert.deepEqual(
        nation.children.map((u: { code: string; stations: number }) => [u.code, u.stations]),
        [
          ['001', 12],
          ['002', 12],
        ],
      );
      const ward = e.definition.stations[0]?.ward as string;
      const w = await get(`/api/v1/units/${ward}`);
      assert.equal(w.statusCode, 200);
      assert.match(String(w.headers['cache-control']), /max-age=3600/);
      const body = w.json();
      assert.deepEqual(
        body.ancestors.map((a: { level: string }) => a.level),
        ['nation', 'county', 'constituency'],
      );
      assert.equal(body.pollingStations.length, 3);
      assert.equal(body.unit.level, 'ward');
      assert.deepEqual(await errorOf('/api/v1/units/999'), {
        status: 404,
        code: 'NOT_FOUND',
        field: 'code',
        message: 'no unit "999" (a county, constituency or ward code)',
      });
    });

    test('candidates within a unit: its own race, its ancestors’ and those below it', async () => {
      const ward = e.definition.units.find((u) => u.level === 'ward')?.code as string;
      const gov = (await get(`/api/v1/candidates/governor/${ward}`)).json();
      assert.deepEqual(
        gov.candidates.map((c: { id: string }) => c.id),
        ['governor-001-1', 'governor-001-2', 'governor-001-3'],
      );
      const mpCounty = (await get('/api/v1/candidates/member-of-parliament/002')).json();
      assert.equal(mpCounty.candidates.length, 6);
      const pres = (await get('/api/v1/candidates/president')).json();
      assert.equal(pres.candidates.length, 4);
      const bad = await errorOf('/api/v1/candidates/mayor');
      assert.equal(bad.status, 422);
      assert.equal(bad.code, 'UNKNOWN_CONTEST');
      assert.equal(bad.field, 'contest');
      const badUnit = await errorOf('/api/v1/candidates/governor/nowhere');
      assert.equal(badUnit.status, 404);
      assert.equal(badUnit.field, 'unit');
    });

    test('search finds stations by name or code prefix, and places by name', async () => {
      const byName = (await get('/api/v1/search?q=tudor')).json();
      assert.equal(byName.stations.length, 8);
      assert.ok(byName.stations.every((s: { name: string }) => s.name.startsWith('Tudor')));
      const code = e.definition.stations[4]?.code as string;
      const byCode = (await get(`/api/v1/search?q=${code}`)).json();
      assert.deepEqual(
        byCode.stations.map((s: { code: string }) => s.code),
        [code],
      );
      assert.equal(byCode.stations[0].county.name, 'Mombasa');
      const place = (await get('/api/v1/search?q=kwale')).json();
      assert.deepEqual(
        place.units.map((u: { code: string }) => u.code),
        ['002'],
      );
      for (const [q, why] of [
        ['', 'at least 2'],
        ['a', 'at least 2'],
        ['x'.repeat(101), 'at most 100'],
      ] as const) {
        const r = await errorOf(`/api/v1/search?q=${q}`);
        assert.equal(r.status, 400);
        assert.equal(r.code, 'BAD_QUERY');
        assert.equal(r.field, 'q');
        assert.match(r.message, new RegExp(why));
      }
      assert.equal((await errorOf('/api/v1/search')).field, 'q');
    });

    test('a ward lists its stations with their results, with an ETag', async () => {
      const ward = e.definition.stations[0]?.ward as string;
      const r = await get(`/api/v1/stations?ward=${ward}&contest=president`);
      assert.equal(r.statusCode, 200);
      const body = r.json();
      assert.equal(body.stations.length, 3);
      for (const s of body.stations) {
        const station = (await get(`/api/v1/stations/${s.code}`)).json();
        assert.deepEqual(s.result, station.results.president, s.code);
        assert.equal(s.result !== null, reported.includes(s.code));
      }
      const etag = String(r.headers.etag);
      assert.match(etag, /^W\/"stations\/president\//);
      assert.equal(
        (await get(`/api/v1/stations?ward=${ward}&contest=president`, { 'if-none-match': etag }))
          .statusCode,
        304,
      );
      const cases: Array<[string, number, string, string]> = [
        [`/api/v1/stations?contest=president`, 400, 'BAD_QUERY', 'ward'],
        [`/api/v1/stations?ward=${ward}`, 400, 'BAD_QUERY', 'contest'],
        [`/api/v1/stations?ward=${ward}&contest=mayor`, 422, 'UNKNOWN_CONTEST', 'contest'],
        ['/api/v1/stations?ward=0019999999&contest=president', 404, 'NOT_FOUND', 'ward'],
        ['/api/v1/stations?ward=001&contest=president', 400, 'BAD_QUERY', 'ward'],
      ];
      for (const [url, status, code, field] of cases) {
        const x = await errorOf(url);
        assert.deepEqual([x.status, x.code, x.field], [status, code, field], url);
      }
    });

    test('per-level CSV and JSON equal the published tallies', async () => {
      const tally = (await get('/api/v1/tally/president')).json();
      const json = await get('/api/v1/data/president?format=json');
      assert.equal(json.statusCode, 200);
      assert.match(
        String(json.headers['content-disposition']),
        /portal-test-president-national\.json/,
      );
      const table = json.json();
      assert.deepEqual(table.total, tally.tally);
      assert.deepEqual(
        table.rows.map((r: { code: string; votes: unknown }) => [r.code, r.votes]),
        tally.children.map((c: { unit: string; tally: { votes: unknown } }) => [
          c.unit,
          c.tally.votes,
        ]),
      );
      const csv = await get('/api/v1/data/president?format=csv');
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      const lines = csv.body.trimEnd().split('\r\n');
      assert.equal(
        lines[0],
        'level,code,name,stations_reported,stations_expected,registered_voters,rejected,total_valid,amani,baraka,chiku,daudi,flags,entry_index,form_sha256',
      );
      assert.equal(lines.length, 1 + 2 + 1);
      const mombasa = lines[1]?.split(',') ?? [];
      const t001 = tally.children[0].tally;
      assert.deepEqual(mombasa.slice(0, 8), [
        'county',
        '001',
        'Mombasa',
        String(t001.stationsReported),
        String(t001.stationsExpected),
        String(t001.registeredExpected),
        String(t001.rejected),
        String(t001.totalValid),
      ]);
      assert.equal(mombasa[8], String(t001.votes.amani));
      assert.match(lines[3] ?? '', /^total:nation,,Portal test election,/);

      // A ward's table lists its stations, with entry index and form hash.
      const ward = e.definition.stations[0]?.ward as string;
      const wardTable = (await get(`/api/v1/data/governor/${ward}?format=json`)).json();
      assert.equal(wardTable.level, 'ward');
      assert.equal(wardTable.rows.length, 3);
      const first = wardTable.rows[0];
      const station = (await get(`/api/v1/stations/${first.code}`)).json();
      assert.equal(first.entryIndex, station.results.governor.entryIndex);
      assert.equal(first.form, station.results.governor.form);
      const wardCsv = (await get(`/api/v1/data/governor/${ward}?format=csv`)).body.split('\r\n');
      assert.match(wardCsv[1] ?? '', new RegExp(`^station,${first.code},`));

      const etag = String(json.headers.etag);
      assert.equal(
        (await get('/api/v1/data/president?format=json', { 'if-none-match': etag })).statusCode,
        304,
      );
      const cases: Array<[string, number, string, string]> = [
        ['/api/v1/data/president?format=xml', 400, 'BAD_QUERY', 'format'],
        ['/api/v1/data/mayor?format=csv', 422, 'UNKNOWN_CONTEST', 'contest'],
        ['/api/v1/data/president/999?format=csv', 404, 'NOT_FOUND', 'unit'],
      ];
      for (const [url, status, code, field] of cases) {
        const x = await errorOf(url);
        assert.deepEqual([x.status, x.code, x.field], [status, code, field], url);
      }
    });

    test('the NIST SP 1500-100 report holds every race with the published counts', async () => {
      const r = await get('/api/v1/export/nist-err.json', { 'accept-encoding': 'gzip' });
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['content-encoding'], 'gzip');
      const plain = await get('/api/v1/export/nist-err.json');
      const report = plain.json();
      assert.equal(report['@type'], 'ElectionResults.ElectionReport');
      for (const k of [
        'Format',
        'GeneratedDate',
        'Issuer',
        'IssuerAbbreviation',
        'SequenceEnd',
        'SequenceStart',
        'Status',
        'VendorApplicationId',
      ])
        assert.ok(k in report, `required ElectionReport.${k}`);
      assert.equal(report.Status, 'unofficial-partial');
      const election = report.Election[0];
      assert.equal(election['@type'], 'ElectionResults.Election');
      assert.equal(election.StartDate, '2022-08-09');
      assert.equal(election.ElectionScopeId, 'gp-nation');
      const gp = new Map(report.GpUnit.map((g: { '@id': string }) => [g['@id'], g]));
      assert.equal(gp.size, 1 + e.definition.units.length);
      assert.equal((gp.get('gp-001') as { Type: string }).Type, 'county');
      assert.equal((gp.get('gp-001001') as { OtherType: string }).OtherType, 'constituency');
      // 1 + 2 + 2 + 2 + 4 + 8 races.
      assert.equal(election.Contest.length, 19);
      const ids = new Set<string>();
      for (const x of [
        ...election.Contest,
        ...election.Candidate,
        ...report.GpUnit,
        ...report.Party,
      ]) {
        assert.ok(!ids.has(x['@id']), `duplicate @id ${x['@id']}`);
        ids.add(x['@id']);
      }
      const pres = election.Contest.find(
        (c: { '@id': string }) => c['@id'] === 'contest-president-nation',
      );
      assert.equal(pres['@type'], 'ElectionResults.CandidateContest');
      const nationTally = (await get('/api/v1/tally/president')).json().tally;
      assert.equal(pres.SubUnitsReported, nationTally.stationsReported);
      for (const sel of pres.BallotSelection) {
        assert.equal(sel['@type'], 'ElectionResults.CandidateSelection');
        const id = sel.CandidateIds[0].replace('cand-president-', '');
        const nation = sel.VoteCounts.find((v: { GpUnitId: string }) => v.GpUnitId === 'gp-nation');
        assert.equal(nation.Count, nationTally.votes[id]);
        assert.equal(nation.Type, 'total');
        assert.ok(ids.has(sel.CandidateIds[0]));
        // The nation, 2 counties, 4 constituencies, 8 wards.
        assert.equal(sel.VoteCounts.length, 15);
      }
      const gov = election.Contest.find(
        (c: { '@id': string }) => c['@id'] === 'contest-governor-002',
      );
      assert.equal(gov.ElectoralDistrictId, 'gp-002');
      const govTally = (await get('/api/v1/tally/governor/002')).json().tally;
      const sel = gov.BallotSelection[0];
      assert.equal(sel.VoteCounts[0].Count, govTally.votes['governor-002-1']);
      const etag = String(plain.headers.etag);
      assert.equal(
        (await get('/api/v1/export/nist-err.json', { 'if-none-match': etag })).statusCode,
        304,
      );
    });

    test('the portal is served at / with SPA fallback; API misses stay JSON 404s', {
      skip: !portalBuilt && 'dist/web is not built (npm run build)',
    }, async () => {
      const home = await get('/', { 'accept-encoding': 'gzip' });
      assert.equal(home.statusCode, 200);
      assert.match(String(home.headers['content-type']), /^text\/html/);
      assert.equal(home.headers['cache-control'], 'no-cache');
      assert.equal(home.headers['content-encoding'], 'gzip');
      const html = (await get('/')).body;
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, 'index.html names its script');
      const asset = await get(script);
      assert.equal(asset.statusCode, 200);
      assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.match(String(asset.headers['content-type']), /^text\/javascript/);
      assert.equal(
        (await get(script, { 'if-none-match': String(asset.headers.etag) })).statusCode,
        304,
      );
      // The home page names the JSON its first paint needs, for the browser to fetch early.
      const preloads = [...html.matchAll(/<link rel="preload" href="([^"]+)" as="fetch"/g)].map(
        (m) => m[1],
      );
      assert.deepEqual(preloads, [
        '/api/v1/contests',
        '/api/v1/tally/president',
        '/api/v1/units',
        '/api/v1/candidates/president',
      ]);
      // Every other route gets the same page, naming only what every page needs.
      const page = html.replace(
        /<link rel="preload" href="\/api\/v1\/(tally|units|candidates)[^>]*>\n/g,
        '',
      );
      assert.notEqual(page, html);
      for (const route of [
        '/c/president',
        '/c/governor/u/001',
        '/station/001001000100101',
        '/search',
        '/data',
      ])
        assert.equal((await get(route)).body, page, route);
      const missing = await errorOf('/assets/nope.js');
      assert.deepEqual([missing.status, missing.code], [404, 'NOT_FOUND']);
      const api = await errorOf('/api/v1/nothing-here');
      assert.deepEqual([api.status, api.code], [404, 'NOT_FOUND']);
      assert.equal((await get('/favicon.svg')).statusCode, 200);
    });
  });
}

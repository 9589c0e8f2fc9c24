// The results API end to end, through Fastify inject() on a real store
// (PGlite and PostgreSQL): accepted results, receipts that verify offline,
// tallies, exactly-once, and a precise 4xx for every bad input that changes
// nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { formUploadHeaders } from '../../src/election/device.js';
import { checkReceiptText } from '../../src/election/receipt-check.js';
import { fromBase64, toHex } from '../../src/log/bytes.js';
import { openCheckpoint } from '../../src/log/checkpoint.js';
import { sha256 } from '../../src/log/crypto.js';
import { leafHash } from '../../src/log/merkle.js';
import { verifyConsistency, verifyInclusion } from '../../src/log/proof.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const backends = await testBackends();

for (const backend of backends) {
  describe(`results API on ${backend}`, () => {
    let t: TestLog;
    const stations = () => t.definition.stations.map((s) => s.code);

    before(async () => {
      t = await newTestLog(backend, { stations: 12 });
    });
    after(async () => {
      await t?.close();
    });

    async function post(body: unknown, contentType = 'application/json') {
      const payload = typeof body === 'string' ? body : JSON.stringify(body);
      return t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        headers: { 'content-type': contentType },
        payload,
      });
    }
    async function size() {
      return t.store.treeSize();
    }
    async function tally(unit = '') {
      const r = await t.running.app.inject({
        method: 'GET',
        url: `/api/v1/tally/president${unit ? `/${unit}` : ''}`,
      });
      assert.equal(r.statusCode, 200, r.body);
      return r.json();
    }

    test('a signed result is logged, tallied, and its receipt verifies offline', async () => {
      const station = stations()[0] as string;
      const entry = t.result(station);
      const r = await post(entry);
      assert.equal(r.statusCode, 201, r.body);
      const body = r.json();
      assert.equal(body.index, 1, 'entry 0 is the election; the first result is entry 1');
      assert.deepEqual(body.flags, []);
      const checked = checkReceiptText(body.receipt, t.definition.logKey, t.definition.logOrigin);
      assert.ok(checked.ok, checked.ok ? '' : checked.error);
      assert.equal(checked.value.index, 1);
      assert.deepEqual(checked.value.entry, entry);
      // A receipt checked against another log's key fails.
      const other = checkReceiptText(
        body.receipt,
        t.definition.commissionKey.replace('commission', 'commission'),
        t.definition.logOrigin,
      );
      assert.equal(other.ok, false);

      const national = await tally();
      assert.equal(national.tally.votes.alpha, 10);
      assert.equal(national.tally.votes.beta, 20);
      assert.equal(national.tally.votes.gamma, 30);
      assert.equal(national.tally.stationsReported, 1);
      assert.equal(national.tally.stationsExpected, 12);
      const ward = t.definition.stations[0]?.ward as string;
      const wardTally = await tally(ward);
      assert.equal(wardTally.tally.votes.alpha, 10);

      const st = await t.running.app.inject({ method: 'GET', url: `/api/v1/stations/${station}` });
      assert.equal(st.statusCode, 200);
      assert.equal(st.json().results.president.entryIndex, 1);
      assert.deepEqual(st.json().results.president.votes, entry.votes);
    });

    test('tallies carry an ETag (304 when unchanged) and come gzipped to clients that take gzip', async () => {
      const first = await t.running.app.inject({ method: 'GET', url: '/api/v1/tally/president' });
      assert.equal(first.statusCode, 200);
      assert.equal(first.headers['content-encoding'], undefined);
      const etag = first.headers.etag as string;
      assert.match(etag, /^W\/"president\/\/[0-9]+"$/);
      const again = await t.running.app.inject({
        method: 'GET',
        url: '/api/v1/tally/president',
        headers: { 'if-none-match': etag },
      });
      assert.equal(again.statusCode, 304);
      assert.equal(again.body, '');
      const zipped = await t.running.app.inject({
        method: 'GET',
        url: '/api/v1/tally/president',
        headers: { 'accept-encoding': 'br, gzip;q=0.8' },
      });
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      assert.equal(zipped.headers.vary, 'accept-encoding');
      assert.deepEqual(JSON.parse(gunzipSync(zipped.rawPayload).toString()), first.json());
      const refused = await t.running.app.inject({
        method: 'GET',
        url: '/api/v1/tally/president',
        headers: { 'accept-encoding': 'gzip;q=0, identity' },
      });
      assert.equal(refused.headers['content-encoding'], undefined);
      assert.deepEqual(refused.json(), first.json());
    });

    test('the same signed result sent again returns the original receipt; a different one is refused', async () => {
      const station = stations()[1] as string;
      const entry = t.result(station);
      const first = await post(entry);
      assert.equal(first.statusCode, 201);
      const before = await size();
      const again = await post(entry);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json().index, first.json().index);
      assert.equal(again.json().duplicate, true);
      assert.equal(await size(), before);
      const different = await post(t.result(station, { rejected: 3 }));
      assert.equal(different.statusCode, 409);
      assert.equal(different.json().error.code, 'ALREADY_REPORTED');
      assert.equal(await size(), before);
      assert.equal((await tally()).tally.stationsReported, 2);
    });

    test('concurrent retries of one result are logged once', async () => {
      const entry = t.result(stations()[2] as string);
      const replies = await Promise.all([post(entry), post(entry), post(entry)]);
      const indexes = new Set(replies.map((r) => r.json().index));
      assert.equal(indexes.size, 1);
      assert.deepEqual(replies.map((r) => r.statusCode).sort(), [200, 200, 201]);
    });

    test('implausible forms are accepted as signed and flagged in every tally view', async () => {
      const s = t.definition.stations[3];
      assert.ok(s);
      const over = t.result(s.code, {
        votes: { alpha: s.registeredVoters, beta: 300, gamma: 200 },
        totalValid: s.registeredVoters + 400,
      });
      const r = await post(over);
      assert.equal(r.statusCode, 201, r.body);
      assert.deepEqual(r.json().flags.sort(), ['over-cap', 'over-registered', 'sum-mismatch']);
      const national = await tally();
      assert.equal(national.tally.flagged['over-registered'], 1);
      assert.equal(national.tally.flagged['sum-mismatch'], 1);
      assert.equal(national.tally.flagged['over-cap'], 1);
      const w = await tally(s.ward);
      assert.equal(w.tally.flagged['over-registered'], 1);
      const st = await t.running.app.inject({ method: 'GET', url: `/api/v1/stations/${s.code}` });
      assert.deepEqual(st.json().results.president.flags.sort(), [
        'over-cap',
        'over-registered',
        'sum-mismatch',
      ]);
      // Nothing was altered: the logged counts are the signed counts.
      assert.equal(st.json().results.president.votes.alpha, s.registeredVoters);
    });

    test('every bad input gets a precise 4xx naming the field, and appends nothing', async () => {
      const [s5, s6] = [stations()[5] as string, stations()[6] as string];
      const good = t.result(s5);
      const resign = (over: Record<string, unknown>) => t.result(s5, over as never);
      const cases: Array<[string, unknown, number, string, string | undefined, string?]> = [
        ['unknown station', t.result('999999999999999'), 422, 'UNKNOWN_STATION', 'station'],
        ['unknown contest', resign({ contest: 'mayor' }), 422, 'UNKNOWN_CONTEST', 'contest'],
        [
          'unknown candidate',
          resign({ votes: { ...good.votes, delta: 1 } }),
          422,
          'UNKNOWN_CANDIDATE',
          'votes.delta',
        ],
        [
          'missing candidate',
          resign({ votes: { alpha: 1, beta: 2 } }),
          422,
          'MISSING_CANDIDATE',
          'votes.gamma',
        ],
        [
          'device enrolled elsewhere',
          t.result(s5, { device: t.definition.devices.find((d) => d.station === s6)?.id }),
          403,
          'DEVICE_NOT_ENROLLED_AT_STATION',
          'device',
        ],
        ['unknown device', resign({ device: 'dev-nobody' }), 403, 'UNKNOWN_DEVICE', 'device'],
        [
          'forged signature',
          { ...good, votes: { ...good.votes, alpha: (good.votes.alpha as number) + 1 } },
          401,
          'BAD_SIGNATURE',
          'sig',
        ],
        ['signature of wrong length', { ...good, sig: 'AAAA' }, 400, 'INVALID_FIELD', 'sig'],
        ['negative count', { ...good, rejected: -1 }, 400, 'INVALID_FIELD', 'rejected'],
        [
          'non-integer count',
          { ...good, votes: { ...good.votes, alpha: 1.5 } },
          400,
          'INVALID_FIELD',
          'votes.alpha',
        ],
        [
          'count as a string',
          { ...good, votes: { ...good.votes, alpha: '10' } },
          400,
          'INVALID_FIELD',
          'votes.alpha',
        ],
        ['missing field', { ...good, form: undefined }, 400, 'INVALID_FIELD', 'form'],
        ['unknown field', { ...good, note: 'hi' }, 400, 'INVALID_FIELD', 'note'],
        ['bad form hash', { ...good, form: 'XYZ' }, 400, 'INVALID_FIELD', 'form'],
        [
          'bad device time',
          { ...good, deviceTime: 'yesterday' },
          400,
          'INVALID_FIELD',
          'deviceTime',
        ],
        ['wrong entry type', { ...good, type: 'election' }, 400, 'INVALID_FIELD', undefined],
        [
          'wrong election',
          resign({ election: 'another-election' }),
          422,
          'WRONG_ELECTION',
          'election',
        ],
        ['not an object', [1, 2, 3], 400, 'INVALID_FIELD', ''],
        ['malformed JSON', '{"type": "result",', 400, 'MALFORMED_BODY', undefined],
        [
          'oversized body',
          JSON.stringify({ ...good, padding: 'x'.repeat(70_000) }),
          413,
          'BODY_TOO_LARGE',
          undefined,
        ],
        [
          'wrong content type',
          ['text/plain', JSON.stringify(good)],
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          undefined,
        ],
      ];
      const before = await size();
      const tallyBefore = JSON.stringify((await tally()).tally);
      for (const [name, body, status, code, field] of cases) {
        const r =
          Array.isArray(body) && body.length === 2 && body[0] === 'text/plain'
            ? await post(body[1], body[0] as string)
            : await post(body);
        assert.equal(r.statusCode, status, `${name}: ${r.body}`);
        const e = r.json().error;
        assert.equal(e.code, code, `${name}: ${r.body}`);
        if (field !== undefined) assert.equal(e.field, field, `${name}: ${r.body}`);
        assert.ok(e.message.length > 5, `${name}: a message`);
      }
      await t.running.sequencer?.flush();
      assert.equal(await size(), before, 'nothing was appended');
      assert.equal(JSON.stringify((await tally()).tally), tallyBefore, 'tallies unchanged');
      // And the good one still goes through afterwards.
      assert.equal((await post(good)).statusCode, 201);
    });

    test('forms are stored by SHA-256, checked on upload, and served back', async () => {
      const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
      const hash = toHex(sha256(png));
      const station = stations()[0] as string;
      const device = t.definition.devices.find((d) => d.station === station)?.id as string;
      const electionId = t.definition.electionId;
      // Signed by the station's device (FORMATS.md §10.3; refusals: test/server/forms-*.test.ts).
      const put = (sha: string, body: Uint8Array | string, type = 'image/png') =>
        t.running.app.inject({
          method: 'PUT',
          url: `/api/v1/forms/${sha}`,
          headers: {
            'content-type': type,
            ...formUploadHeaders(
              { electionId, station, device, sha256: sha },
              demoDeviceSeed(electionId, device),
            ),
          },
          payload: Buffer.from(body),
        });
      const bad = await put('0'.repeat(64), png);
      assert.equal(bad.statusCode, 422);
      assert.equal(bad.json().error.code, 'FORM_HASH_MISMATCH');
      const notImage = await put(toHex(sha256(new TextEncoder().encode('hello'))), 'hello');
      assert.equal(notImage.statusCode, 415);
      assert.equal(notImage.json().error.code, 'FORM_NOT_RECOGNISED');
      const lying = await put(hash, png, 'image/jpeg');
      assert.equal(lying.statusCode, 415);
      const badHash = await put('nothex', png);
      assert.equal(badHash.statusCode, 400);
      assert.equal(badHash.json().error.field, 'sha256');
      assert.equal(
        (await t.running.app.inject({ method: 'GET', url: `/api/v1/forms/${hash}` })).statusCode,
        404,
      );
      const ok = await put(hash, png);
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal((await put(hash, png)).statusCode, 200);
      const got = await t.running.app.inject({ method: 'GET', url: `/api/v1/forms/${hash}` });
      assert.equal(got.statusCode, 200);
      assert.equal(got.headers['content-type'], 'image/png');
      assert.deepEqual(new Uint8Array(got.rawPayload), png);
    });

    test('entries come with inclusion proofs, checkpoints with consistency proofs', async () => {
      const cp1 = await t.running.app.inject({ method: 'GET', url: '/log/checkpoint' });
      assert.equal(cp1.statusCode, 200);
      const opened1 = openCheckpoint(cp1.body, t.definition.logOrigin, [t.logVerifier]);
      assert.ok(opened1.ok, opened1.ok ? '' : opened1.error.message);
      const size1 = opened1.value.checkpoint.size;
      await post(t.result(stations()[7] as string));
      await post(t.result(stations()[8] as string));
      const cp2 = openCheckpoint(
        (await t.running.app.inject({ method: 'GET', url: '/log/checkpoint' })).body,
        t.definition.logOrigin,
        [t.logVerifier],
      );
      assert.ok(cp2.ok);
      const size2 = cp2.value.checkpoint.size;
      assert.ok(size2 > size1);
      for (let i = 0; i < size2; i++) {
        const r = await t.running.app.inject({ method: 'GET', url: `/api/v1/entries/${i}` });
        assert.equal(r.statusCode, 200, r.body);
        const e = r.json();
        const data = fromBase64(e.entry) as Uint8Array;
        const proof = e.inclusionProof.map((p: string) => fromBase64(p));
        assert.ok(
          verifyInclusion(leafHash(data), i, size2, proof, cp2.value.checkpoint.rootHash),
          `entry ${i}`,
        );
        // One changed byte anywhere in the entry breaks the proof.
        for (const at of [0, Math.floor(data.length / 2), data.length - 1]) {
          const tampered = data.slice();
          tampered[at] = (tampered[at] as number) ^ 0x01;
          assert.equal(
            verifyInclusion(leafHash(tampered), i, size2, proof, cp2.value.checkpoint.rootHash),
            false,
          );
        }
      }
      const c = await t.running.app.inject({
        method: 'GET',
        url: `/api/v1/proof/consistency?from=${size1}&to=${size2}`,
      });
      assert.equal(c.statusCode, 200, c.body);
      const cproof = c.json().proof.map((p: string) => fromBase64(p));
      assert.ok(
        verifyConsistency(
          size1,
          size2,
          cproof,
          opened1.value.checkpoint.rootHash,
          cp2.value.checkpoint.rootHash,
        ),
      );
      for (const q of ['from=0&to=1', `from=1&to=${size2 + 5}`, 'from=x', 'to=3']) {
        const bad = await t.running.app.inject({
          method: 'GET',
          url: `/api/v1/proof/consistency?${q}`,
        });
        assert.equal(bad.statusCode, 400, q);
      }
      const beyond = await t.running.app.inject({
        method: 'GET',
        url: `/api/v1/entries/${size2 + 10}`,
      });
      assert.equal(beyond.statusCode, 400);
      assert.equal(beyond.json().error.code, 'BEYOND_TREE');
    });

    test('tlog-tiles endpoints serve the tree and the entries', async () => {
      const cp = openCheckpoint(
        (await t.running.app.inject({ method: 'GET', url: '/log/checkpoint' })).body,
        t.definition.logOrigin,
        [t.logVerifier],
      );
      assert.ok(cp.ok);
      const n = cp.value.checkpoint.size;
      assert.ok(n < 256);
      const tile = await t.running.app.inject({ method: 'GET', url: `/log/tile/0/000.p/${n}` });
      assert.equal(tile.statusCode, 200);
      assert.equal(tile.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(tile.rawPayload.length, n * 32);
      const bundle = await t.running.app.inject({
        method: 'GET',
        url: `/log/tile/entries/000.p/${n}`,
      });
      assert.equal(bundle.statusCode, 200);
      // Each leaf hash in the tile is the hash of the matching entry in the bundle.
      let off = 0;
      for (let i = 0; i < n; i++) {
        const len =
          (bundle.rawPayload[off] as number) * 256 + (bundle.rawPayload[off + 1] as number);
        const data = new Uint8Array(bundle.rawPayload.subarray(off + 2, off + 2 + len));
        off += 2 + len;
        assert.deepEqual(
          leafHash(data),
          new Uint8Array(tile.rawPayload.subarray(i * 32, i * 32 + 32)),
        );
      }
      assert.equal(off, bundle.rawPayload.length);
      assert.equal(
        (await t.running.app.inject({ method: 'GET', url: `/log/tile/0/000.p/${n + 1}` }))
          .statusCode,
        404,
      );
      assert.equal(
        (await t.running.app.inject({ method: 'GET', url: '/log/tile/0/000' })).statusCode,
        404,
      );
      assert.equal(
        (await t.running.app.inject({ method: 'GET', url: '/log/tile/0/0' })).statusCode,
        404,
      );
      const key = await t.running.app.inject({ method: 'GET', url: '/log/key' });
      assert.equal(key.body.trim(), t.definition.logKey);
    });
  });
}

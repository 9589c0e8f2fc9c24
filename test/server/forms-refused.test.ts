// Filling the server's form storage from outside (FORMATS.md §10.3), on PGlite
// and PostgreSQL: anonymous and badly signed uploads, a device past its quota
// (alone and in a parallel burst), and the global budget are all refused with
// nothing stored; an upload no logged result cites expires at the sweep, on an
// injected clock, and frees its device's quota; a cited one stays.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { formUploadMessage } from '../../src/election/form-upload.js';
import { toBase64, toHex } from '../../src/log/bytes.js';
import { ed25519Sign, sha256 } from '../../src/log/crypto.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const backends = await testBackends();
const HOUR = 3_600_000;

/** A PDF-looking file of exactly `size` bytes, different for each tag. */
function pdf(tag: string, size = 200): Uint8Array {
  const head = new TextEncoder().encode(`%PDF-1.4\n% ${tag}\n`);
  const out = new Uint8Array(size).fill(0x20);
  out.set(head.subarray(0, size));
  return out;
}

for (const backend of backends) {
  describe(`form uploads refused from outside on ${backend}`, () => {
    let t: TestLog;
    let now = new Date('2022-08-09T18:00:00Z');
    const station = (i: number) => t.definition.stations[i]?.code as string;
    const deviceAt = (i: number) =>
      t.definition.devices.find((d) => d.station === station(i))?.id as string;

    before(async () => {
      t = await newTestLog(backend, {
        stations: 12,
        formUploads: {
          perDeviceForms: 2,
          perDeviceBytes: 4096,
          totalBytes: 12_000,
          expireAfterMs: 2 * HOUR,
          sweepEveryMs: 0,
          now: () => now,
        },
      });
    });
    after(async () => {
      await t?.close();
    });

    /** Every stored blob (forms and the definition) with its size: what refusals must not change. */
    const stored = async () => JSON.stringify(await t.store.listBlobs('', 10_000));
    const put = (hash: string, data: Uint8Array, headers: Record<string, string>) =>
      t.running.app.inject({
        method: 'PUT',
        url: `/api/v1/forms/${hash}`,
        headers: { 'content-type': 'application/pdf', ...headers },
        payload: Buffer.from(data),
      });
    const refused = (
      r: { statusCode: number; body: string },
      status: number,
      code: string,
      field?: string,
    ) => {
      assert.equal(r.statusCode, status, r.body);
      const e = JSON.parse(r.body).error;
      assert.equal(e.code, code, r.body);
      if (field) assert.equal(e.field, field, r.body);
    };

    test('uploads without a device signature are refused, and nothing is stored', async () => {
      const before = await stored();
      const data = pdf('anonymous');
      const hash = toHex(sha256(data));
      const sign = (i: number, message: Uint8Array) =>
        toBase64(ed25519Sign(demoDeviceSeed(t.definition.electionId, deviceAt(i)), message));
      const forStation = (i: number, h = hash) =>
        formUploadMessage(t.definition.electionId, station(i), h);

      refused(await put(hash, data, {}), 401, 'FORM_NOT_SIGNED', 'kura-device');
      refused(
        await put(hash, data, { 'kura-device': deviceAt(0) }),
        401,
        'FORM_NOT_SIGNED',
        'kura-form-signature',
      );
      refused(
        await put(hash, data, { 'kura-device': 'kit-nobody', 'kura-form-signature': 'AAAA' }),
        403,
        'UNKNOWN_DEVICE',
        'kura-device',
      );
      refused(
        await put(hash, data, { 'kura-device': deviceAt(0), 'kura-form-signature': 'not base64!' }),
        401,
        'BAD_SIGNATURE',
        'kura-form-signature',
      );
      // Device 1's key, claiming to be device 0.
      refused(
        await put(hash, data, {
          'kura-device': deviceAt(0),
          'kura-form-signature': sign(1, forStation(0)),
        }),
        401,
        'BAD_SIGNATURE',
      );
      // Device 0's key over another station's upload, and over another form.
      refused(
        await put(hash, data, {
          'kura-device': deviceAt(0),
          'kura-form-signature': sign(0, forStation(1)),
        }),
        401,
        'BAD_SIGNATURE',
      );
      refused(
        await put(hash, data, {
          'kura-device': deviceAt(0),
          'kura-form-signature': sign(0, forStation(0, '0'.repeat(64))),
        }),
        401,
        'BAD_SIGNATURE',
      );
      // A large anonymous body is refused for who sent it, not for its size.
      const big = pdf('big', 2 * 1024 * 1024);
      refused(await put(toHex(sha256(big)), big, {}), 401, 'FORM_NOT_SIGNED');
      assert.equal(await stored(), before, 'nothing was stored');
    });

    test('a device past its quota of forms or bytes is refused', async () => {
      const a = [pdf('a1'), pdf('a2'), pdf('a3')];
      assert.equal(
        (await t.uploadForm(station(0), a[0] as Uint8Array, 'application/pdf')).statusCode,
        201,
      );
      assert.equal(
        (await t.uploadForm(station(0), a[1] as Uint8Array, 'application/pdf')).statusCode,
        201,
      );
      const before = await stored();
      refused(
        await t.uploadForm(station(0), a[2] as Uint8Array, 'application/pdf'),
        429,
        'FORM_QUOTA_EXCEEDED',
        'kura-device',
      );
      // The same form again is no new storage: answered, not counted.
      const again = await t.uploadForm(station(0), a[0] as Uint8Array, 'application/pdf');
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(JSON.parse(again.body).stored, 'already');
      // 5,000 bytes from a device with a 4,096-byte quota.
      refused(
        await t.uploadForm(station(1), pdf('b-large', 5000), 'application/pdf'),
        429,
        'FORM_QUOTA_EXCEEDED',
      );
      assert.equal(await stored(), before, 'nothing was stored');
    });

    test('a burst from one device stores no more than its quota', async () => {
      const burst = await Promise.all(
        Array.from({ length: 8 }, (_, k) =>
          t.uploadForm(station(2), pdf(`burst-${k}`), 'application/pdf'),
        ),
      );
      const codes = burst.map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [201, 201, 429, 429, 429, 429, 429, 429]);
    });

    test('the global budget refuses, whoever uploads', async () => {
      // Stored so far: 2 + 2 forms of 200 bytes. Three devices add 3,500 bytes each: 11,300.
      for (const i of [3, 4, 5]) {
        const r = await t.uploadForm(station(i), pdf(`fill-${i}`, 3500), 'application/pdf');
        assert.equal(r.statusCode, 201, r.body);
      }
      const before = await stored();
      refused(
        await t.uploadForm(station(6), pdf('over-budget', 1000), 'application/pdf'),
        507,
        'FORM_STORAGE_FULL',
      );
      assert.equal(await stored(), before, 'nothing was stored');
    });

    test('uploads no logged result cites expire at the sweep; cited ones stay', async () => {
      const cited = toHex(sha256(pdf('a1')));
      const uncited = toHex(sha256(pdf('a2')));
      const r = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: t.result(station(0), { form: cited }),
      });
      assert.equal(r.statusCode, 201, r.body);
      const uploads = t.running.app.formUploads;
      assert.ok(uploads, 'the writer keeps form uploads');

      // Before the expiry nothing goes.
      now = new Date(now.getTime() + HOUR);
      const early = await uploads.sweep();
      assert.equal(early.expired.length, 0);
      const form = async (h: string) =>
        (await t.running.app.inject({ url: `/api/v1/forms/${h}` })).statusCode;
      assert.equal(await form(uncited), 200);

      now = new Date(now.getTime() + 2 * HOUR);
      const swept = await uploads.sweep();
      // a2, the two burst forms, and the three budget fillers; a1 is cited.
      assert.equal(swept.expired.length, 6);
      assert.equal(swept.cited, 1);
      assert.equal(await form(cited), 200);
      assert.equal(await form(uncited), 404);
      const left = JSON.parse(await stored()) as Array<{ sha256: string }>;
      assert.ok(!left.some((b) => b.sha256 === uncited), 'the expired bytes are gone');

      // The device's quota and the budget are freed: it may upload again.
      const again = await t.uploadForm(station(0), pdf('a3'), 'application/pdf');
      assert.equal(again.statusCode, 201, again.body);
      const big = await t.uploadForm(station(6), pdf('after-sweep', 3500), 'application/pdf');
      assert.equal(big.statusCode, 201, big.body);

      // A second sweep at the same time finds nothing more; the cited form is never looked at again.
      const second = await uploads.sweep();
      assert.deepEqual([second.expired.length, second.cited], [0, 0]);
    });
  });

  describe(`form uploads from a revoked device on ${backend}`, () => {
    test('a device revoked by an administrator can no longer store forms', async () => {
      const t = await newTestLog(backend, { stations: 4, officials: true });
      try {
        const officials = t.running.officials;
        const sequencer = t.running.sequencer;
        assert.ok(officials && sequencer);
        const station = t.definition.stations[1]?.code as string;
        const device = t.definition.devices.find((d) => d.station === station)?.id as string;
        assert.equal(
          (await t.uploadForm(station, pdf('before'), 'application/pdf')).statusCode,
          201,
        );
        await officials.createAccount(null, {
          account: 'admin-a',
          role: 'commission-admin',
          scope: '',
          password: 'correct horse battery staple 2022',
        });
        const admin = sequencer.fold.officials.accounts.get('admin-a');
        assert.ok(admin);
        await officials.act(admin, { kind: 'device-revoked', device, reason: 'kit stolen' });
        const before = JSON.stringify(await t.store.listBlobs('', 100));
        const r = await t.uploadForm(station, pdf('after'), 'application/pdf');
        assert.equal(r.statusCode, 403, r.body);
        assert.equal(JSON.parse(r.body).error.code, 'DEVICE_REVOKED');
        assert.equal(JSON.parse(r.body).error.field, 'kura-device');
        assert.equal(JSON.stringify(await t.store.listBlobs('', 100)), before);
      } finally {
        await t.close();
      }
    });
  });
}

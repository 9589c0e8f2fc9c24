// Strings no store or canonical encoder can take (a NUL, a lone UTF-16
// surrogate), malformed percent-encoding, non-decimal indexes and duplicate
// JSON keys: each is a precise 4xx naming the field, and the log is unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../src/accounts/totp.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const PASSWORD = 'correct horse battery staple';

for (const backend of await testBackends()) {
  describe(`bad strings on ${backend}`, () => {
    let t: TestLog;
    let token = '';
    const size = () => t.running.sequencer?.treeSize ?? -1;
    const send = async (method: 'GET' | 'POST', url: string, payload?: string | object) => {
      const r = await t.running.app.inject({
        method,
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}),
        },
        ...(payload !== undefined ? { payload } : {}),
      });
      // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field in assertions
      return { status: r.statusCode, body: r.json() as Record<string, any> };
    };

    before(async () => {
      t = await newTestLog(backend, { officials: true, stations: 12 });
      const officials = t.running.officials;
      assert.ok(officials);
      const made = await officials.createAccount(null, {
        account: 'chair',
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      const r = await send('POST', '/api/v1/login', {
        account: 'chair',
        password: PASSWORD,
        totp: totp(made.totpSecret as string, Date.now()),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      token = r.body.token;
    });
    after(async () => t?.close());

    test('each is a precise 4xx naming the field, and the log is unchanged', async () => {
      const station = t.definition.stations[0]?.code as string;
      const device = t.definition.devices[1]?.id as string;
      const form = 'ab'.repeat(32);
      // [method, url, raw JSON body or "", status, code, field]
      const cases: Array<[string, string, string, number, string, string]> = [
        [
          'POST',
          '/api/v1/login',
          '{"account":"ch\\u0000air","password":"x"}',
          400,
          'INVALID_FIELD',
          'account',
        ],
        [
          'POST',
          '/api/v1/login',
          '{"account":"chair","password":"\\udc00"}',
          400,
          'INVALID_FIELD',
          'password',
        ],
        [
          'POST',
          `/api/v1/devices/${device}/revoke`,
          '{"reason":"\\ud800"}',
          400,
          'INVALID_FIELD',
          'reason',
        ],
        [
          'POST',
          '/api/v1/declarations',
          '{"contest":"president","unit":"","votes":{},"rejected":0,"totalValid":0,"override":"x\\ud800"}',
          400,
          'INVALID_FIELD',
          'override',
        ],
        [
          'POST',
          '/api/v1/corrections',
          `{"contest":"president","station":"${station}","reason":"\\ud800","form":"${form}","votes":{},"rejected":0,"totalValid":0}`,
          400,
          'INVALID_FIELD',
          'reason',
        ],
        [
          'POST',
          '/api/v1/corrections',
          `{"contest":"president","station":"${station}","reason":"r","form":"${form}","votes":{"\\ud800":1},"rejected":0,"totalValid":0}`,
          400,
          'INVALID_FIELD',
          'votes.\ud800',
        ],
        ['POST', '/api/v1/accounts/%00/disable', '{}', 400, 'INVALID_FIELD', 'id'],
        // null is not "left out": an optional text field is a string or absent.
        [
          'POST',
          '/api/v1/accounts',
          `{"account":"x9","role":"observer","scope":null,"password":"${PASSWORD}"}`,
          400,
          'INVALID_FIELD',
          'scope',
        ],
        [
          'POST',
          '/api/v1/declarations',
          '{"contest":"president","unit":null,"votes":{},"rejected":0,"totalValid":0}',
          400,
          'INVALID_FIELD',
          'unit',
        ],
        ['GET', '/api/v1/stations/%zz', '', 400, 'BAD_URL', 'path'],
        ['GET', '/api/v1/stations/%ED%A0%80', '', 400, 'BAD_URL', 'path'],
        ['GET', '/api/v1/officials/acts?from=0x10', '', 400, 'BAD_QUERY', 'from'],
        ['GET', '/api/v1/officials/acts?limit=1e3', '', 400, 'BAD_QUERY', 'limit'],
        ['GET', '/api/v1/entries/0x1', '', 400, 'BAD_QUERY', 'index'],
        ['POST', '/api/v1/corrections/007/approve', '{}', 400, 'BAD_QUERY', 'index'],
        ['POST', '/api/v1/corrections/0x7/approve', '{}', 400, 'BAD_QUERY', 'index'],
        ['GET', '/api/v1/proof/consistency?from=01', '', 400, 'BAD_QUERY', 'from'],
        [
          'POST',
          `/api/v1/devices/${device}/revoke`,
          '{"reason":"a","reason":"b"}',
          400,
          'MALFORMED_BODY',
          'reason',
        ],
        [
          'POST',
          `/api/v1/devices/${device}/revoke`,
          '{"reason":"a","\\u0072eason":"b"}',
          400,
          'MALFORMED_BODY',
          'reason',
        ],
        ['POST', '/api/v1/results', '{"votes":{"a":1,"a":2}}', 400, 'MALFORMED_BODY', 'votes.a'],
        [
          'POST',
          '/api/v1/results',
          `${'['.repeat(40)}${']'.repeat(40)}`,
          400,
          'MALFORMED_BODY',
          '[0]'.repeat(16),
        ],
        ['POST', '/api/v1/results', '{"__proto__":{"x":1}}', 400, 'MALFORMED_BODY', '__proto__'],
      ];
      const before = size();
      for (const [method, url, payload, status, code, field] of cases) {
        const r = await send(method as 'GET' | 'POST', url, payload || undefined);
        const what = `${method} ${url} ${payload}: ${JSON.stringify(r.body)}`;
        assert.equal(r.status, status, what);
        assert.equal(r.body.error?.code, code, what);
        assert.equal(r.body.error?.field, field, what);
        assert.equal(typeof r.body.error?.message, 'string', what);
      }
      assert.equal(size(), before, 'no refused request reached the log');
    });

    test('the same strings, well-formed, are taken (the refusal is of the bad string only)', async () => {
      const device = t.definition.devices[2]?.id as string;
      const r = await send(
        'POST',
        `/api/v1/devices/${device}/revoke`,
        '{"reason":"stolen \\ud83d\\ude00"}',
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
    });
  });
}

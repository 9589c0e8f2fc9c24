// Behind the nginx front every request comes from the front's address; with
// --trust-proxy (ServerOptions.trustProxy) the server takes the client's
// address from the front's X-Forwarded-For, so the per-address limits count
// each client, not the front. A forwarded header from anyone else is ignored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const FRONT = '127.0.0.1';
const LOGIN_MAX = 2;

describe('a server behind a trusted proxy', () => {
  let t: TestLog;
  before(async () => {
    t = await newTestLog('pglite', {
      officials: true,
      server: {
        trustProxy: [FRONT],
        rateLimits: { loginMax: LOGIN_MAX, formUploadMax: 100, exempt: [] },
      },
    });
  });
  after(async () => t?.close());

  const login = (remoteAddress: string, forwardedFor: string) =>
    t.running.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      remoteAddress,
      headers: { 'x-forwarded-for': forwardedFor },
      payload: { account: 42 },
    });

  test('the front forwards two clients: each has its own limit', async () => {
    for (let i = 0; i < LOGIN_MAX; i++)
      assert.equal((await login(FRONT, '203.0.113.1')).statusCode, 400);
    assert.equal(
      (await login(FRONT, '203.0.113.1')).statusCode,
      429,
      'the first client is limited',
    );
    assert.equal((await login(FRONT, '203.0.113.2')).statusCode, 400, 'the second is not');
  });

  test('X-Forwarded-For from an address that is not the front counts for that address', async () => {
    for (let i = 0; i < LOGIN_MAX; i++)
      assert.equal((await login('198.51.100.9', `203.0.113.${10 + i}`)).statusCode, 400);
    const limited = await login('198.51.100.9', '203.0.113.99');
    assert.equal(limited.statusCode, 429, 'a forged header does not escape the limit');
  });
});

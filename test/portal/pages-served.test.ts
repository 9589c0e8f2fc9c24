// What the server answers the portal's own questions, through app.inject():
// an unknown path a browser asks for as a page gets the portal (index.html)
// with 404, so its router shows Not found, while misses under /api/, /log/
// and /assets/, and requests that do not ask for HTML, stay precise JSON 404s;
// and GET /api/v1/officials/status tells /admin, before any login, whether
// this server takes officials' logins (a writer with the commission key), or
// why not (without the key; a read-only reader).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningLog, startLog } from '../../src/server/start.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';
import { ensurePortalBuilt } from './browser.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('pages and officials status, as served', () => {
  let withKey: TestLog;
  let withoutKey: TestLog;
  let reader: RunningLog;

  before(async () => {
    ensurePortalBuilt();
    withKey = await newTestLog('pglite', { officials: true, stations: 6 });
    withoutKey = await newTestLog('pglite', { stations: 6 });
    reader = await startLog({ store: withKey.store, signer: null });
  });
  after(async () => {
    await reader?.app.close();
    await withKey?.close();
    await withoutKey?.close();
  });

  const app = () => withoutKey.running.app;

  test('an unknown page gets the portal with 404; its JSON misses stay JSON', async () => {
    // The portal as every page but the home page gets it (the home page also preloads its figures).
    const index = (await app().inject({ method: 'GET', url: '/search' })).body;
    assert.match(index, /<div id="app">|<script/, 'the portal’s index.html');
    for (const url of ['/nope', '/nope/deeper?x=1', '/c-typo', '/record/extra']) {
      const r = await app().inject({ method: 'GET', url, headers: { accept: HTML } });
      assert.equal(r.statusCode, 404, url);
      assert.match(String(r.headers['content-type']), /^text\/html/, url);
      assert.equal(r.headers['cache-control'], 'no-cache', url);
      assert.equal(r.body, index, `${url}: the portal, whose router shows Not found`);
    }
    // Even with the page's ETag, a miss is never a 304.
    const etag = String((await app().inject({ method: 'GET', url: '/' })).headers.etag);
    const again = await app().inject({
      method: 'GET',
      url: '/nope',
      headers: { accept: HTML, 'if-none-match': etag },
    });
    assert.equal(again.statusCode, 404);
    const head = await app().inject({ method: 'HEAD', url: '/nope', headers: { accept: HTML } });
    assert.equal(head.statusCode, 404);
    assert.match(String(head.headers['content-type']), /^text\/html/);

    const json = async (method: 'GET' | 'POST', url: string, accept?: string) => {
      const r = await app().inject({ method, url, headers: accept ? { accept } : {} });
      assert.equal(r.statusCode, 404, `${method} ${url}`);
      assert.match(String(r.headers['content-type']), /^application\/json/, `${method} ${url}`);
      return r.json().error as { code: string; message: string };
    };
    for (const url of ['/api/v1/nothing-here', '/api', '/log/nope', '/log/tile/x', '/assets/x.js'])
      assert.equal((await json('GET', url, HTML)).code, 'NOT_FOUND', url);
    assert.equal((await json('GET', '/api/v1/nothing-here', HTML)).message.includes('/api/'), true);
    // Not a browser asking for a page: JSON.
    assert.equal((await json('GET', '/nope')).code, 'NOT_FOUND');
    assert.equal((await json('GET', '/nope', 'application/json')).code, 'NOT_FOUND');
    assert.equal((await json('POST', '/nope', HTML)).code, 'NOT_FOUND');
  });

  test('officials status: taken with the commission key; refused without it, and on a reader', async () => {
    const status = async (a: RunningLog['app']) => {
      const r = await a.inject({ method: 'GET', url: '/api/v1/officials/status' });
      assert.equal(r.statusCode, 200, r.body);
      return r.json();
    };
    assert.deepEqual(await status(withKey.running.app), { logins: true, refusal: null });
    assert.deepEqual(await status(app()), { logins: false, refusal: 'OFFICIALS_DISABLED' });
    assert.deepEqual(await status(reader.app), { logins: false, refusal: 'READ_ONLY' });
    // The status says what a login would get.
    for (const [a, code] of [
      [app(), 'OFFICIALS_DISABLED'],
      [reader.app, 'READ_ONLY'],
    ] as const) {
      const login = await a.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: { account: 'chair', password: 'x' },
      });
      assert.equal(login.json().error.code, code);
    }
    const login = await withKey.running.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { account: 'nobody', password: 'x' },
    });
    assert.equal(login.json().error.code, 'LOGIN_FAILED');
  });
});

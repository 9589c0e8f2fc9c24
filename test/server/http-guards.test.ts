// The HTTP layer's guards, on a real server: security headers on every answer
// (and a portal with nothing the CSP would block), structured logs of refusals
// with their code and request id but no secret, per-address rate limits on
// logins and form uploads, and request bodies that trickle in cut off after
// the configured time over a real socket.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTAL_DIR } from '../../src/server/routes/portal-routes.js';
import { FILE_CONTENT_SECURITY_POLICY } from '../../src/server/security-headers.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const REQUEST_TIMEOUT_MS = 400;
const LOGIN_MAX = 5;
const FORM_MAX = 3;
const EXEMPT = '10.9.9.9';
const SECRET_PASSWORD = 'hunter2-very-secret-password';
const SECRET_TOKEN = 'bearer-token-that-must-not-leak';

describe('HTTP guards', () => {
  let t: TestLog;
  const lines: Array<Record<string, unknown>> = [];
  const size = () => t.running.sequencer?.treeSize ?? -1;

  before(async () => {
    t = await newTestLog('pglite', {
      officials: true,
      server: {
        logger: { stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
        timeouts: { requestMs: REQUEST_TIMEOUT_MS },
        rateLimits: { loginMax: LOGIN_MAX, formUploadMax: FORM_MAX, exempt: [EXEMPT] },
      },
    });
    // A route that fails as a bug would, to see how a 5xx is logged (added before the server is ready).
    t.running.app.get('/test/fails', async () => {
      throw new Error('a bug');
    });
  });
  after(async () => t?.close());

  test('every answer carries the security headers', async () => {
    for (const url of [
      '/',
      '/api/v1/tally/president',
      '/api/v1/stations/nowhere',
      '/log/checkpoint',
    ]) {
      const r = await t.running.app.inject({ method: 'GET', url });
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /default-src 'self'/, url);
      assert.match(csp, /script-src 'self'(;|$)/, `${url}: no inline or eval script`);
      assert.match(csp, /style-src 'self'(;|$)/, `${url}: no inline style`);
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.match(csp, /object-src 'none'/, url);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, url);
      assert.equal(r.headers['x-frame-options'], 'DENY', url);
      assert.equal(r.headers['referrer-policy'], 'no-referrer', url);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', url);
      assert.ok(r.headers['x-request-id'], `${url}: a request id`);
    }
  });

  test('a scanned form is served under a policy that runs nothing but lets the browser show it', async () => {
    const station = t.definition.stations[0]?.code as string;
    const pdf = new TextEncoder().encode('%PDF-1.4\n% a scan\n%%EOF\n');
    const up = await t.uploadForm(station, pdf, 'application/pdf');
    assert.equal(up.statusCode, 201, up.body);
    const r = await t.running.app.inject({
      method: 'GET',
      url: `/api/v1/forms/${up.json().sha256}`,
    });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-security-policy'], FILE_CONTENT_SECURITY_POLICY);
    assert.match(FILE_CONTENT_SECURITY_POLICY, /default-src 'none'/);
    assert.match(FILE_CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
    assert.equal(r.headers['x-frame-options'], 'DENY');
  });

  test('the portal has no inline script or style for the CSP to block', () => {
    const pages = [fileURLToPath(new URL('../../web/index.html', import.meta.url))];
    const built = `${DEFAULT_PORTAL_DIR}/index.html`;
    if (existsSync(built)) pages.push(built);
    for (const page of pages) {
      const html = readFileSync(page, 'utf8');
      for (const tag of html.match(/<script\b[^>]*>/g) ?? [])
        assert.ok(
          /\bsrc=/.test(tag) || /type="application\/json"/.test(tag),
          `${page}: ${tag} is an inline script (CSP script-src 'self' blocks it)`,
        );
      assert.doesNotMatch(html, /<style\b|\sstyle=/, `${page}: inline style`);
      assert.doesNotMatch(html, /\son[a-z]+=/, `${page}: inline event handler`);
    }
  });

  test('a refused login is logged with its code and request id, never the password or token', async () => {
    lines.length = 0;
    const r = await t.running.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      remoteAddress: '10.0.0.50',
      headers: { authorization: `Bearer ${SECRET_TOKEN}` },
      payload: { account: 'nobody', password: SECRET_PASSWORD, totp: '123456' },
    });
    assert.equal(r.statusCode, 401);
    assert.equal(r.json().error.code, 'LOGIN_FAILED');
    const line = lines.find((l) => l.code === 'LOGIN_FAILED');
    assert.ok(line, `a line with the code: ${JSON.stringify(lines)}`);
    assert.equal(line.statusCode, 401);
    assert.equal(line.path, '/api/v1/login');
    assert.equal(line.reqId, r.headers['x-request-id']);
    const all = JSON.stringify(lines);
    assert.ok(!all.includes(SECRET_PASSWORD), 'no password in the log');
    assert.ok(!all.includes(SECRET_TOKEN), 'no token in the log');
    assert.ok(!all.includes('123456'), 'no second-factor code in the log');
  });

  test('a 4xx is logged at info with its field; a 5xx at error with the cause', async () => {
    lines.length = 0;
    const bad = await t.running.app.inject({ method: 'GET', url: '/api/v1/entries/0x1' });
    assert.equal(bad.statusCode, 400);
    const info = lines.find((l) => l.code === 'BAD_QUERY');
    assert.deepEqual(
      { level: info?.level, field: info?.field, statusCode: info?.statusCode },
      { level: 30, field: 'index', statusCode: 400 },
    );
    const failed = await t.running.app.inject({ method: 'GET', url: '/test/fails' });
    assert.equal(failed.statusCode, 500);
    assert.equal(failed.json().error.code, 'INTERNAL');
    assert.ok(!failed.body.includes('a bug'), 'the cause stays in the log, not the answer');
    const error = lines.find((l) => l.code === 'INTERNAL');
    assert.equal(error?.level, 50);
    assert.match(JSON.stringify(error?.err), /a bug/);
  });

  test('logins and form uploads are limited per address; other addresses and exempt ones are not', async () => {
    const before = size();
    const login = (remoteAddress: string) =>
      t.running.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        remoteAddress,
        payload: { account: 42 },
      });
    for (let i = 0; i < LOGIN_MAX; i++) assert.equal((await login('10.0.0.1')).statusCode, 400);
    const limited = await login('10.0.0.1');
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.ok(limited.headers['retry-after'], 'says when to retry');
    assert.equal((await login('10.0.0.2')).statusCode, 400, 'another address is not limited');
    for (let i = 0; i < LOGIN_MAX * 3; i++)
      assert.equal((await login(EXEMPT)).statusCode, 400, 'an exempt address is never limited');

    const upload = (remoteAddress: string) =>
      t.running.app.inject({
        method: 'PUT',
        url: `/api/v1/forms/${'0'.repeat(64)}`,
        remoteAddress,
        headers: { 'content-type': 'application/pdf' },
        payload: Buffer.from('%PDF-1.4 not the hash'),
      });
    for (let i = 0; i < FORM_MAX; i++) assert.notEqual((await upload('10.0.0.3')).statusCode, 429);
    const full = await upload('10.0.0.3');
    assert.equal(full.statusCode, 429);
    assert.equal(full.json().error.code, 'RATE_LIMITED');
    // Reads are never limited.
    for (let i = 0; i < 20; i++)
      assert.equal(
        (
          await t.running.app.inject({
            method: 'GET',
            url: '/log/checkpoint',
            remoteAddress: '10.0.0.3',
          })
        ).statusCode,
        200,
      );
    assert.equal(size(), before, 'nothing was logged');
  });

  test('a body that trickles in is cut off after the configured time, with 408 in kura’s format', async () => {
    const address = await t.running.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const started = Date.now();
    socket.write(
      'POST /api/v1/results HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{',
    );
    // One byte every 50 ms: never idle, never done.
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(' ');
    }, 50);
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString();
    });
    socket.on('error', () => {}); // a reset after the answer is fine
    const closed = await new Promise<boolean>((resolve) => {
      const bound = setTimeout(() => resolve(false), 15_000);
      socket.once('close', () => {
        clearTimeout(bound);
        resolve(true);
      });
    });
    clearInterval(drip);
    const elapsed = Date.now() - started;
    assert.ok(closed, 'the server closed the connection within 15 s');
    assert.ok(elapsed >= REQUEST_TIMEOUT_MS, `not before the timeout (${elapsed} ms)`);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    assert.equal(body.error.code, 'REQUEST_TIMEOUT');
    assert.ok(
      lines.some((l) => l.code === 'REQUEST_TIMEOUT'),
      'and it is logged',
    );
  });
});

// The server's enumerated events (docs/EVENTS.md): the document lists exactly
// the table in src/server/events.ts, and officials' acts and form uploads are
// logged as events, accepted or refused, with the request id and no body.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { EVENTS, lineServerReporter } from '../../src/server/events.js';
import { logOfficialEvents } from '../../src/server/official-events.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

test('docs/EVENTS.md lists every event of src/server/events.ts, and no other', () => {
  const doc = readFileSync('docs/EVENTS.md', 'utf8');
  const rows = doc
    .split('\n')
    .filter((l) => /^\| `[a-z-]+`/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  assert.deepEqual(
    rows,
    Object.entries(EVENTS).map(([id, e]) => [`\`${id}\``, e.level, e.fields || '–', e.description]),
  );
});

describe('officials and uploads as events', () => {
  let t: TestLog;
  const lines: Array<Record<string, unknown>> = [];
  const PASSWORD = 'a-password-that-must-not-be-logged';

  before(async () => {
    t = await newTestLog('pglite', {
      officials: true,
      server: {
        logger: {
          level: 'debug',
          stream: { write: (line: string) => void lines.push(JSON.parse(line)) },
        },
      },
    });
    logOfficialEvents(t.running.app);
  });
  after(() => t.close());

  const events = (id: string) => lines.filter((l) => l.event === id);

  test("a refused login: one event, refused, with the refusal line's request id and no body", async () => {
    const r = await t.running.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { account: 'nobody', password: PASSWORD, totp: '123456' },
    });
    assert.equal(r.statusCode, 401);
    const [event, ...more] = events('official-login');
    assert.ok(event, JSON.stringify(lines));
    assert.equal(more.length, 0);
    assert.equal(event.outcome, 'refused');
    assert.equal(event.statusCode, 401);
    assert.equal(event.level, 30);
    assert.equal(event.msg, EVENTS['official-login'].description);
    const refusal = lines.find((l) => l.code === 'LOGIN_FAILED');
    assert.ok(refusal);
    assert.equal(event.reqId, refusal.reqId);
    const all = JSON.stringify(lines);
    assert.ok(!all.includes(PASSWORD) && !all.includes('nobody'), all);
  });

  test('an act without a session is refused; an upload accepted (debug); reads are no events', async () => {
    const revoke = await t.running.app.inject({
      method: 'POST',
      url: '/api/v1/devices/some-device/revoke',
      payload: {},
    });
    assert.equal(revoke.statusCode, 401);
    const [event] = events('device-revoked');
    assert.deepEqual(
      { outcome: event?.outcome, statusCode: event?.statusCode, params: event?.params },
      { outcome: 'refused', statusCode: 401, params: { id: 'some-device' } },
    );

    const station = t.definition.stations[0]?.code as string;
    const pdf = new TextEncoder().encode('%PDF-1.4\n% a form\n%%EOF\n');
    const up = await t.uploadForm(station, pdf, 'application/pdf');
    assert.equal(up.statusCode, 201, up.body);
    const [upload] = events('form-uploaded');
    assert.equal(upload?.outcome, 'accepted');
    assert.equal(upload?.level, 20);

    const before = lines.length;
    await t.running.app.inject({ method: 'GET', url: '/api/v1/tally/president' });
    assert.equal(lines.slice(before).filter((l) => l.event).length, 0);
  });
});

test('a plain-line reporter (kura admin, tests) writes an event as its description and fields', () => {
  const lines: string[] = [];
  const r = lineServerReporter((l) => lines.push(l));
  r.event('writer-taking-over', { token: 7 });
  r.warn('the pool is slow');
  assert.deepEqual(lines, [
    `${EVENTS['writer-taking-over'].description} (token: 7)`,
    'warning: the pool is slow',
  ]);
});

// The `kura verify` command itself: its exit codes and its --json report.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateKey } from '../../src/log/note.js';
import type { VerifyReport } from '../../src/verify/report.js';
import { kura } from '../helpers/kura-cli.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('kura verify (command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-verify-cli-'));
  let t: TestLog;
  let url = '';
  before(async () => {
    t = await newTestLog('pglite', { stations: 12 });
    for (const s of t.definition.stations) {
      const r = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: t.result(s.code),
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('exit 0 and a JSON report on an honest server', async () => {
    const r = await kura(
      'verify',
      url,
      '--state',
      join(dir, 's1'),
      '--log-key',
      t.definition.logKey,
      '--commission-key',
      t.definition.commissionKey,
      '--json',
      '--quiet',
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as VerifyReport;
    assert.equal(report.verdict, 'verified');
    assert.equal(report.exitCode, 0);
    assert.equal(report.checkpoint?.size, 13);
    assert.equal(report.trust.logKeySource, '--log-key');
    const text = await kura('verify', url, '--state', join(dir, 's1'), '--quiet');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /VERIFIED \(exit 0\)/);
    assert.match(text.stdout, /the same tree as the checkpoint of size 13 verified before/);
  });

  test('exit 2 when the checkpoint does not verify with the pinned log key', async () => {
    const other = generateKey('kura.test/log');
    const r = await kura(
      'verify',
      url,
      '--state',
      join(dir, 's2'),
      '--log-key',
      other.verifierKey,
      '--quiet',
    );
    assert.equal(r.code, 2, r.stderr + r.stdout);
    assert.match(
      r.stdout,
      /\[checkpoint-invalid\] the checkpoint served by .* does not verify with the log key/,
    );
    assert.match(r.stdout, /FAILED \(exit 2\)/);
  });

  test('exit 3 when the server cannot be reached', async () => {
    const r = await kura(
      'verify',
      `http://127.0.0.1:${await closedPort()}`,
      '--state',
      join(dir, 's3'),
      '--quiet',
    );
    assert.equal(r.code, 3, r.stderr + r.stdout);
    assert.match(r.stdout, /COULD NOT COMPLETE: GET .*\/log\/checkpoint failed/);
  });

  test('exit 64 on bad usage', async () => {
    assert.equal((await kura('verify')).code, 64);
    assert.equal((await kura('verify', url, '--concurrency', 'many')).code, 64);
    assert.equal((await kura('verify', 'ftp://example.org')).code, 64);
    const help = await kura('verify', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes:/);
  });
});

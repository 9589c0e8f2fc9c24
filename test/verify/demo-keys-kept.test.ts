// Which enrolled devices sign with the public demo keys is a finding of the
// definition alone: kura verify derives it once per definition (46,229 key
// derivations for Kenya) and keeps it in the state directory, by the
// definition's SHA-256; kept for another definition, it is derived again.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { VerifyReport } from '../../src/verify/report.js';
import { verifyServer } from '../../src/verify/verify.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const demoWarning = (r: VerifyReport) =>
  r.findings.filter((f) => f.kind === 'demo-device-keys').map((f) => f.message);

describe('kura verify keeps the demo-key finding per definition', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kura-verify-demo-keys-'));
  const stateDir = join(tmp, 'state');
  const kept = join(stateDir, 'demo-keys.json');
  let t: TestLog;
  let url = '';
  const verify = () =>
    verifyServer({
      server: url,
      stateDir,
      logKey: t.definition.logKey,
      commissionKey: t.definition.commissionKey,
      threads: 1,
      say: () => {},
    });

  before(async () => {
    t = await newTestLog('pglite', { stations: 6 });
    url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await t?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('derived on the first run, kept, and used by the next', async () => {
    const first = await verify();
    assert.match(demoWarning(first)[0] ?? '', /6 of 6 enrolled device keys are PUBLIC demo keys/);
    const file = JSON.parse(readFileSync(kept, 'utf8'));
    assert.equal(file.devices.length, 6);
    assert.match(file.definitionSha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(demoWarning(await verify()), demoWarning(first));
    // The kept list is what the next run says (it is the auditor's own record).
    writeFileSync(kept, JSON.stringify({ ...file, devices: file.devices.slice(0, 2) }));
    assert.match(demoWarning(await verify())[0] ?? '', /2 of 6 enrolled device keys/);
  });

  test('kept for another definition, or damaged, it is derived again', async () => {
    const file = JSON.parse(readFileSync(kept, 'utf8'));
    for (const other of [
      JSON.stringify({ definitionSha256: '0'.repeat(64), devices: [] }),
      `${JSON.stringify(file).slice(0, 20)}`,
    ]) {
      writeFileSync(kept, other);
      assert.match(demoWarning(await verify())[0] ?? '', /6 of 6 enrolled device keys/);
      assert.equal(JSON.parse(readFileSync(kept, 'utf8')).devices.length, 6);
    }
  });
});

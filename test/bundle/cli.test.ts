// The commands: kura export (from a store that is not running), kura
// verify-bundle (exit codes, --json), and the round trip bundle -> mirror
// store -> bundle, which must give back the same log.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleReport } from '../../src/bundle/report.js';
import { startBundleMirror } from '../../src/server/bundle-mirror.js';
import { silentServerReporter } from '../../src/server/events.js';
import { kura } from '../helpers/kura-cli.js';
import { exportTo, logWithForms, readMembers, rewriteBundle } from './fixture.js';

describe('kura export and kura verify-bundle (commands)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-bundle-cli-'));
  const data = join(dir, 'store');
  let first = '';
  let commissionKey = '';
  let early = '';
  before(async () => {
    const f = await logWithForms('pglite', 12);
    commissionKey = f.t.definition.commissionKey;
    early = join(dir, 'early-checkpoint.txt');
    writeFileSync(early, f.earlyCheckpoint);
    first = await exportTo(f.t, dir, 'first.tar');
    await f.t.close();
    // A store that holds the log and is not in use: the bundle loaded into one.
    const m = await startBundleMirror({ bundle: first, data, log: silentServerReporter });
    await m.running.close();
    await m.store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('kura export writes the same log the store was loaded from; verify-bundle --json exits 0', async () => {
    const out = join(dir, 'second.tar');
    const e = await kura('export', '--data', data, '--out', out, '--quiet');
    assert.equal(e.code, 0, e.stderr);
    assert.match(
      e.stdout,
      /^kura: wrote .*second\.tar \([0-9.]+ MB\): election test-election, 13 entries \(root [A-Za-z0-9+/=]{44}\), 1 hash tile, \d+ checkpoints?, 12 forms\n$/,
    );
    const a = await readMembers(first);
    const b = await readMembers(out);
    const same = (name: string) => !['README.txt', 'manifest.json'].includes(name);
    assert.deepEqual([...b.keys()].filter(same), [...a.keys()].filter(same));
    for (const name of [...a.keys()].filter(same)) assert.deepEqual(b.get(name), a.get(name), name);

    const v = await kura(
      'verify-bundle',
      out,
      '--commission-key',
      commissionKey,
      '--checkpoint',
      early,
      '--json',
      '--quiet',
      '--threads',
      '1',
    );
    assert.equal(v.code, 0, v.stderr + v.stdout);
    const report = JSON.parse(v.stdout) as BundleReport;
    assert.equal(report.verdict, 'verified');
    assert.equal(report.entries, 13);
    assert.equal(report.given[0]?.result, 'consistent');
  });

  test('a tampered bundle exits 2 with the member named in the text report', async () => {
    const out = join(dir, 'tampered.tar');
    await rewriteBundle(first, out, (name, d) => {
      if (name !== 'keys/log.vkey') return d;
      return new TextEncoder().encode('kura.test/log+00000000+AQ==\n');
    });
    const v = await kura('verify-bundle', out, '--quiet', '--threads', '1');
    assert.equal(v.code, 2, v.stderr + v.stdout);
    assert.match(
      v.stdout,
      /\[member-mismatch\] member keys\/log\.vkey has SHA-256 [0-9a-f]{64}; the manifest says/,
    );
    assert.match(
      v.stdout,
      /\[bundle-invalid\] member keys\/log\.vkey is "kura\.test\/log\+00000000\+AQ==", not the key entry 0 names/,
    );
    assert.match(v.stdout, /FAILED \(exit 2\)/);
  });

  test('usage errors exit 64', async () => {
    assert.equal((await kura('verify-bundle')).code, 64);
    assert.equal((await kura('export', '--data', data)).code, 64);
    assert.equal((await kura('verify-bundle', first, '--threads', 'lots')).code, 64);
    assert.equal((await kura('verify-bundle', first, '--commission-key', 'nonsense')).code, 64);
  });
});

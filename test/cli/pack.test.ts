// The published package (issue 18, item 3): `npm pack` holds what the CLI needs
// (the build, the migrations, the Kenya data, the portal) and none of the
// sources; installed into an empty folder, its `kura` runs, and the install
// warns of nothing (no EBADENGINE on the oldest Node kura supports).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack installs into an empty folder and runs kura --help', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-pack-'));
  try {
    // The tarball ships dist/ as built: make sure it is current (a no-op when it is).
    await run(process.execPath, ['scripts/build.mjs']);
    const packed = await run(
      npm,
      ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
      { maxBuffer: 64 << 20 },
    );
    const [info] = JSON.parse(packed.stdout) as {
      name: string;
      filename: string;
      files: { path: string }[];
    }[];
    assert.ok(info);
    const name = JSON.parse(readFileSync('package.json', 'utf8')).name;
    assert.equal(info.name, name);
    assert.notEqual(name, 'kura', '"kura" on npm is somebody else\'s package');
    const paths = info.files.map((f) => f.path);
    for (const needed of [
      'bin/kura.js',
      'dist/cli/main.js',
      'dist/web/index.html',
      'migrations/001_initial.sql',
      'data/kenya2022/stations.tsv.gz',
      'data/kenya2022/facts.json',
    ])
      assert.ok(paths.includes(needed), `the package lacks ${needed}`);
    for (const p of paths) assert.doesNotMatch(p, /^(src|test|web|scripts|bench)\//);

    const app = join(dir, 'app');
    mkdirSync(app);
    const installed = await run(
      npm,
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, info.filename)],
      { cwd: app, maxBuffer: 64 << 20 },
    );
    assert.doesNotMatch(installed.stderr, /EBADENGINE|npm warn/i, installed.stderr);

    const help = await run(join(app, 'node_modules/.bin/kura'), ['--help'], { cwd: app });
    assert.match(help.stdout, /^kura: open election-results servers/);
    for (const command of ['verify', 'verify-bundle', 'witness', 'export', 'admin'])
      assert.match(help.stdout, new RegExp(`^ {2}${command} `, 'm'));
    const verifyHelp = await run(join(app, 'node_modules/.bin/kura'), ['verify', '--help'], {
      cwd: app,
    });
    assert.match(verifyHelp.stdout, /^kura verify /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

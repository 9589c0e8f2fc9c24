// bin/kura.js while dist/ is being rebuilt (issue 18, item 4): with a build in
// progress (dist.building names a live process) it waits and then runs the new
// build; with none, it says the CLI is not built and exits 70.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

/** A package folder with bin/kura.js and no dist/. */
function packageWithoutDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kura-bin-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(process.cwd(), 'bin/kura.js'), join(dir, 'bin/kura.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  return dir;
}

function runBin(dir: string, ...args: string[]) {
  const child = spawn(process.execPath, [join(dir, 'bin/kura.js'), ...args]);
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (b: Buffer) => {
    stdout += b;
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b;
    for (const w of waiters) w();
  });
  const stderrSays = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => re.test(stderr) && resolve();
      waiters.push(check);
      child.on('close', (code) => reject(new Error(`exited ${code} without ${re}: ${stderr}`)));
      check();
    });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { stderrSays, exited };
}

test('no build and none in progress: "not built", exit 70', async () => {
  const dir = packageWithoutDist();
  try {
    const r = await runBin(dir, '--help').exited;
    assert.equal(r.code, 70);
    assert.match(r.stderr, /kura: the CLI is not built .*run `npm run build`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a build in progress: waits for it, then runs what it built', async () => {
  const dir = packageWithoutDist();
  const builder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  try {
    writeFileSync(join(dir, 'dist.building'), String(builder.pid));
    const kura = runBin(dir, 'verify', '--x');
    await kura.stderrSays(new RegExp(`waiting for the build in progress \\(pid ${builder.pid}\\)`));
    // The build swaps dist/ in and ends.
    mkdirSync(join(dir, 'dist/cli'), { recursive: true });
    writeFileSync(
      join(dir, 'dist/cli/main.js'),
      'export async function main(argv) { console.log("new build ran with", argv.join(" ")); }\n',
    );
    builder.kill();
    rmSync(join(dir, 'dist.building'));
    const r = await kura.exited;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'new build ran with verify --x\n');
  } finally {
    builder.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

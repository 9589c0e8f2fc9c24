// npm run build: the CLI (tsc, into dist/) and the portal (Vite, into dist/web).
//
// Skipped when dist/ was built from the same inputs: dist/.build-stamp holds the
// SHA-256 of every source file, config and the lock file, so `npm install &&
// npm test` (prepare, then test) builds once. A build is written beside dist/
// and swapped in by two renames while dist.building (holding this process's id)
// exists; bin/kura.js waits while that file names a live process, so a kura
// command run during a rebuild gets one build or the other, never half of one.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stampFile = join(dist, '.build-stamp');
const lockFile = join(root, 'dist.building');
const work = join(root, 'node_modules', '.cache', 'kura-build');
const INPUT_DIRS = ['src', 'web'];
const INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.name === 'node_modules' || d.name.startsWith('.')) return [];
    const p = join(dir, d.name);
    return d.isDirectory() ? files(p) : [p];
  });
}

/** The SHA-256 of everything the build reads, the environment that changes the portal included. */
function inputsHash() {
  const h = createHash('sha256');
  const all = [
    ...INPUT_DIRS.flatMap((d) => files(join(root, d))),
    ...INPUT_FILES.map((f) => join(root, f)),
  ];
  for (const f of all.sort()) {
    h.update(`${relative(root, f)}\0`);
    h.update(existsSync(f) ? readFileSync(f) : '');
    h.update('\0');
  }
  h.update(
    `KURA_ELECTION=${process.env.KURA_ELECTION ?? ''}\0KURA_WITNESS_KEYS=${process.env.KURA_WITNESS_KEYS ?? ''}`,
  );
  return h.digest('hex');
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Takes dist.building; while another live build holds it, waits (polling its pid) for it to end. */
async function lock() {
  for (let said = false; ; ) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    const holder = Number(readFileSync(lockFile, 'utf8'));
    if (!Number.isInteger(holder) || !alive(holder)) {
      rmSync(lockFile, { force: true }); // left by a build that was killed
      continue;
    }
    if (!said) console.error(`build: waiting for the build in progress (pid ${holder})`);
    said = true;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0)
    throw new Error(`build: ${[cmd, ...args].join(' ')} failed (${r.status ?? r.signal})`);
}

await lock();
const next = join(work, `next-${process.pid}`);
const old = join(work, `old-${process.pid}`);
try {
  const hash = inputsHash();
  const upToDate = existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === hash;
  if (!upToDate) {
    mkdirSync(work, { recursive: true });
    rmSync(next, { recursive: true, force: true });
    const bin = (name) => join(root, 'node_modules', '.bin', name);
    run(bin('tsc'), ['-p', 'tsconfig.build.json', '--outDir', next]);
    run(bin('vite'), [
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'warn',
      '--outDir',
      join(next, 'web'),
    ]);
    writeFileSync(join(next, '.build-stamp'), `${hash}\n`);
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(next, dist);
    rmSync(old, { recursive: true, force: true });
  }
} finally {
  rmSync(next, { recursive: true, force: true });
  rmSync(lockFile, { force: true });
}

// Everything the bench starts and must take down again, even on failure:
// temporary directories, child processes (the kura server, the bare HTTP
// server) and PostgreSQL databases. Each is registered with a Cleanup as it is
// made; Cleanup.run() undoes them in reverse order.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { peakRssMiB } from './machine.js';

export class Cleanup {
  private readonly steps: Array<{ what: string; undo: () => Promise<void> | void }> = [];

  add(what: string, undo: () => Promise<void> | void): () => Promise<void> {
    const step = { what, undo };
    this.steps.push(step);
    // Undo one step early (and only once).
    return async () => {
      const i = this.steps.indexOf(step);
      if (i < 0) return;
      this.steps.splice(i, 1);
      await step.undo();
    };
  }

  async run(log: (msg: string) => void): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      if (!step) break;
      try {
        await step.undo();
      } catch (e) {
        log(`cleanup: ${step.what}: ${(e as Error).message}`);
      }
    }
  }
}

/** The repository root (dist/bench/children.js → ../..). */
export const REPO_ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const KURA_BIN = join(REPO_ROOT, 'bin', 'kura.js');

export function tempDir(cleanup: Cleanup, prefix: string): string {
  const dir = mkdtempSync(join(os.tmpdir(), `kura-bench-${prefix}-`));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface RunningChild {
  pid: number;
  url: string;
  /** Peak RSS (VmHWM) so far, in MiB. */
  peakRssMiB(): number | null;
  /** Stops the child (SIGTERM, then SIGKILL after a grace period); resolves with its exit code. */
  stop(): Promise<number | null>;
  /** What the child wrote on stderr (the last 64 KiB). */
  stderr(): string;
}

export interface ChildOptions {
  /** Arguments after `node` (script and its arguments). */
  args: string[];
  /** Extra node options, e.g. --cpu-prof. */
  nodeOptions?: string[];
  port: number;
  /** A line that says the child is ready (on stdout unless `readyOn` says otherwise). */
  ready: RegExp;
  /** The stream `ready` is looked for on (a standby says it follows in a stderr event). */
  readyOn?: 'stdout' | 'stderr';
  what: string;
  readyTimeoutMs?: number;
  stopGraceMs?: number;
}

/** Starts a Node child process and waits until it prints its ready line. */
export async function startChild(cleanup: Cleanup, o: ChildOptions): Promise<RunningChild> {
  const child: ChildProcess = spawn(process.execPath, [...(o.nodeOptions ?? []), ...o.args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let err = '';
  let out = '';
  child.stderr?.on('data', (c: Buffer) => {
    err = (err + c.toString('utf8')).slice(-65536);
  });
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((res) => {
    child.on('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null);
      res(exited);
    });
  });
  const stop = async (): Promise<number | null> => {
    if (exited !== undefined) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), o.stopGraceMs ?? 120_000);
    const code = await exit;
    clearTimeout(timer);
    return code;
  };
  const undo = cleanup.add(`stop ${o.what} (pid ${child.pid})`, async () => {
    await stop();
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${o.what}: could not start`);
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(
      () =>
        rej(
          new Error(`${o.what}: not ready after ${(o.readyTimeoutMs ?? 120_000) / 1000} s\n${err}`),
        ),
      o.readyTimeoutMs ?? 120_000,
    );
    const stream = o.readyOn === 'stderr' ? child.stderr : child.stdout;
    stream?.on('data', (c: Buffer) => {
      out = (out + c.toString('utf8')).slice(-65536);
      if (o.ready.test(out)) {
        clearTimeout(timer);
        res();
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      rej(new Error(`${o.what} exited (${code}) before it was ready:\n${err.slice(-4000)}`));
    });
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout?.on('data', () => {});
  return {
    pid,
    url: `http://127.0.0.1:${o.port}`,
    peakRssMiB: () => peakRssMiB(pid),
    stop: async () => {
      const code = await stop();
      await undo();
      return code;
    },
    stderr: () => err,
  };
}

export interface KuraServerOptions {
  electionDir: string;
  /** PGlite data directory, or a PostgreSQL URL. */
  store: { dataDir: string } | { url: string };
  /** Directory for a V8 CPU profile of the server (node --cpu-prof), or none. */
  cpuProfDir?: string;
}

export async function startKuraServer(
  cleanup: Cleanup,
  o: KuraServerOptions,
): Promise<RunningChild> {
  const port = await freePort();
  const storeArgs = 'dataDir' in o.store ? ['--data', o.store.dataDir] : ['--db', o.store.url];
  return startChild(cleanup, {
    what: 'kura serve',
    args: [KURA_BIN, 'serve', '--election', o.electionDir, ...storeArgs, '--port', String(port)],
    nodeOptions: o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : [],
    port,
    ready: /kura: serving/,
  });
}

/** Runs a kura CLI command to completion; rejects with its stderr on failure. */
export function runKura(args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [KURA_BIN, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.on('error', rej);
    child.on('exit', (code) =>
      code === 0 ? res(out) : rej(new Error(`kura ${args[0]} failed (${code}): ${err || out}`)),
    );
  });
}

/**
 * Creates a fresh PostgreSQL database (dropped by the cleanup) and returns its
 * URL. Its name is the bench's prefix (KURA_BENCH_DB_PREFIX, default
 * kura_bench: on a shared server, each user's own), "_", then `suffix`.
 */
export async function createDatabase(
  cleanup: Cleanup,
  adminUrl: string,
  suffix: string,
): Promise<string> {
  const name = `${process.env.KURA_BENCH_DB_PREFIX ?? 'kura_bench'}_${suffix}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  cleanup.add(`drop database ${name}`, async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// Helpers for the PGlite store tests: temporary directories, a pre-initialised
// template store (initdb takes seconds, copying it milliseconds), child
// processes.

import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentReporter } from '../../src/platform/reporter.js';
import { PGDATA_DIR } from '../../src/store/embedded.js';
import { openStore } from '../../src/store/open.js';

export function tempDir(prefix = 'kura-store-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

let template: Promise<string> | undefined;

/** A closed, fully initialised store directory to copy from (one per test process). */
export function templateStore(): Promise<string> {
  template ??= (async () => {
    const { dir } = tempDir('kura-template-');
    const store = await openStore({ dataDir: dir, log: silentReporter });
    await store.close();
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return template;
}

/** A fresh data directory holding a copy of the template's pgdata. */
export async function freshDataDir(): Promise<{ dir: string; remove(): void }> {
  const src = await templateStore();
  const t = tempDir();
  cpSync(join(src, PGDATA_DIR), join(t.dir, PGDATA_DIR), { recursive: true });
  return t;
}

export const CHILD_SCRIPT = fileURLToPath(new URL('./child-store.ts', import.meta.url));

export interface Child {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first stdout line that matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Runs test/store/child-store.ts (or another child script) in a child Node process. */
export function spawnChild(args: string[], script = CHILD_SCRIPT): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  let stderr = '';
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    lines,
    exited,
    waitFor(re, timeoutMs = 60_000) {
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`child: no line matching ${re} after ${timeoutMs} ms; stderr:\n${stderr}`),
            ),
          timeoutMs,
        );
        exited.then((code) =>
          setTimeout(
            () => reject(new Error(`child exited (${code}) before ${re}; stderr:\n${stderr}`)),
            50,
          ),
        );
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}

/** Kills a child with SIGKILL (a crash: no cleanup) and waits for it to be gone. */
export async function crash(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  await child.exited;
}

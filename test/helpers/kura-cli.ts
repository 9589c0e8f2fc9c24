// `kura` as the tests run it: the CLI from source (tsx on src/cli/run.ts) in
// a child process, so no build is needed. A non-zero exit is a result to
// check, not an error.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The arguments to give `process.execPath` to run kura (for a long-running child: spawn). */
export const KURA_ARGS: readonly string[] = [
  join(process.cwd(), 'node_modules/tsx/dist/cli.mjs'),
  join(process.cwd(), 'src/cli/run.ts'),
];

export interface KuraRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kura in `cwd` to its end. */
export async function kuraIn(cwd: string, ...args: string[]): Promise<KuraRun> {
  try {
    const r = await execFileAsync(process.execPath, [...KURA_ARGS, ...args], {
      cwd,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: unknown; stdout?: string; stderr?: string };
    // A failure to start at all (no exit code) is the test's error, not kura's answer.
    if (typeof x.code !== 'number') throw e;
    return { code: x.code, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

/** Runs kura in the repository (the tests' working directory) to its end. */
export function kura(...args: string[]): Promise<KuraRun> {
  return kuraIn(process.cwd(), ...args);
}

/**
 * Runs kura's main() in this process (as bin/kura.js calls it), capturing what
 * it writes and the exit code it sets, with `env` set for the run: no tsx
 * start per command.
 */
export async function kuraInProcess(
  argv: string[],
  env: Record<string, string | undefined> = {},
): Promise<KuraRun> {
  const { main } = await import('../../src/cli/main.js');
  const out = { stdout: '', stderr: '' };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  process.stdout.write = ((s: string) => {
    out.stdout += s;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => {
    out.stderr += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    await main(argv);
    return { code: Number(process.exitCode ?? 0), ...out };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.exitCode = 0;
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

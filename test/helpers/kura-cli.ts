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

// `kura` as the tests run it: the CLI from source (tsx on src/cli/run.ts) in
// a child process, so no build is needed. A non-zero exit is a result to
// check, not an error.
import { AsyncLocalStorage } from 'node:async_hooks';
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

/** The capture a write belongs to: the one whose work (and what it started) is running. */
const capturing = new AsyncLocalStorage<Map<NodeJS.WritableStream, string>>();
/** Each stream's own write, and how many captures are open on it. */
const wrapped = new Map<
  NodeJS.WritableStream,
  { original: NodeJS.WritableStream['write']; open: number }
>();

function wrap(stream: NodeJS.WritableStream): void {
  const known = wrapped.get(stream);
  if (known !== undefined) {
    known.open += 1;
    return;
  }
  const original = stream.write;
  wrapped.set(stream, { original, open: 1 });
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const capture = capturing.getStore();
    const mine = capture?.get(stream);
    if (capture === undefined || mine === undefined)
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
    capture.set(stream, mine + text);
    (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
    return true;
  }) as typeof stream.write;
}

function unwrap(stream: NodeJS.WritableStream): void {
  const known = wrapped.get(stream);
  if (known === undefined) return;
  known.open -= 1;
  if (known.open > 0) return;
  stream.write = known.original;
  wrapped.delete(stream);
}

/**
 * Runs `fn`, capturing what it (and only it, with what it starts) writes to
 * `streams`. Writes from elsewhere in the process pass through: the test
 * runner reports each test on this process's stdout, and a report written
 * while a command runs must reach the runner, not the command's capture.
 */
export async function captureWrites<T>(
  streams: readonly NodeJS.WritableStream[],
  fn: () => Promise<T>,
): Promise<{ value: T; written: string[] }> {
  const capture = new Map(streams.map((stream) => [stream, '']));
  for (const stream of streams) wrap(stream);
  try {
    const value = await capturing.run(capture, fn);
    return { value, written: streams.map((stream) => capture.get(stream) ?? '') };
  } finally {
    for (const stream of streams) unwrap(stream);
  }
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
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    const { written } = await captureWrites([process.stdout, process.stderr], () => main(argv));
    return {
      code: Number(process.exitCode ?? 0),
      stdout: written[0] ?? '',
      stderr: written[1] ?? '',
    };
  } finally {
    process.exitCode = 0;
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

// `kura serve` as a child process, as an operator runs it: started, read for
// the address it prints (so --port 0 works), killed (SIGTERM, or SIGKILL to
// simulate a crash) and restarted on the same data directory and port.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * How to run the kura command: the built CLI (bin/kura.js, which runs dist/),
 * or, when this module itself runs from TypeScript sources (tests under tsx),
 * src/cli/run.ts through tsx, so that the child runs the same code.
 */
export function kuraCommand(): string[] {
  const fromSources = import.meta.url.endsWith('.ts');
  if (fromSources) {
    return [
      '--import',
      import.meta.resolve('tsx'),
      fileURLToPath(new URL('../cli/run.ts', import.meta.url)),
    ];
  }
  return [fileURLToPath(new URL('../../bin/kura.js', import.meta.url))];
}

export interface ServerProcessOptions {
  /** Where the server's stderr goes (default: this process's stderr, prefixed). */
  onStderr?: (text: string) => void;
  /** Called when the server exits without having been told to (by kill). */
  onUnexpectedExit?: (why: string) => void;
}

export class ServerProcess {
  private expectingExit = false;

  private constructor(
    private child: ChildProcess,
    /** The base URL, e.g. http://127.0.0.1:8080 (the same after a restart). */
    readonly address: string,
    private readonly args: string[],
    private readonly opts: ServerProcessOptions,
  ) {
    this.watch(child);
  }

  private watch(child: ChildProcess): void {
    child.once('exit', (code, signal) => {
      if (!this.expectingExit)
        this.opts.onUnexpectedExit?.(
          `the server (pid ${child.pid}) exited by itself (${signal ?? `code ${code}`})`,
        );
    });
  }

  /** Starts `kura serve ARGS` and resolves once it prints the address it listens on. */
  static async start(args: string[], opts: ServerProcessOptions = {}): Promise<ServerProcess> {
    const { child, address } = await spawnServer(args, opts);
    return new ServerProcess(child, address, args, opts);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when the current server process has exited. */
  exited(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** Sends `signal` and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    const exited = this.exited();
    this.expectingExit = true;
    this.child.kill(signal);
    await exited;
  }

  /** Starts the server again with the same arguments, on the port it had (so clients keep their URL). */
  async restart(): Promise<void> {
    if (this.running) throw new Error('the server is still running');
    const port = new URL(this.address).port;
    const args = [...this.args];
    const i = args.indexOf('--port');
    if (i >= 0) args.splice(i, 2);
    const { child, address } = await spawnServer([...args, '--port', port], this.opts);
    if (address !== this.address)
      throw new Error(`the restarted server is at ${address}, not ${this.address}`);
    this.child = child;
    this.expectingExit = false;
    this.watch(child);
  }
}

function spawnServer(
  args: string[],
  opts: ServerProcessOptions,
): Promise<{ child: ChildProcess; address: string }> {
  return new Promise((resolve, reject) => {
    // KURA_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"): flags for the
    // server's node only, for profiling a replay (NODE_OPTIONS refuses --cpu-prof).
    const nodeArgs = (process.env.KURA_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, ...kuraCommand(), 'serve', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let ready = false;
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /serving .*\n\s+API\s+(http:\/\/\S+?)\/api/.exec(out);
      if (m?.[1]) {
        ready = true;
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ child, address: m[1] });
      }
    };
    child.stdout?.on('data', onData);
    const onStderr = opts.onStderr ?? ((t: string) => process.stderr.write(`  [server] ${t}`));
    child.stderr?.on('data', (b: Buffer) => onStderr(b.toString()));
    child.on('error', (e) => {
      if (!ready) reject(e);
    });
    child.on('exit', (code, signal) => {
      if (!ready)
        reject(
          new Error(`the server exited (${signal ?? `code ${code}`}) before it was ready:\n${out}`),
        );
    });
  });
}

/** Runs one kura command to its end; its stdout, or an error with its output. */
export function runKura(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...kuraCommand(), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`kura ${args.slice(0, 2).join(' ')} failed (${code}):\n${stderr}`)),
    );
  });
}

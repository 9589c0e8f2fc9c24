// One process of a cluster (a kura server or nginx): started with its output
// forwarded line by line to the operator, watched for the line that says it
// is ready, and stopped by a signal; an exit nobody asked for is reported.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface MemberOptions {
  /** The member's name in the operator's output, e.g. "reader 1". */
  name: string;
  command: string;
  args: readonly string[];
  /** Each chunk of the member's stdout and stderr (the terminal splits it into lines). */
  output: (text: string) => void;
  /** Called once when the process exits without having been told to. */
  onUnexpectedExit?: (why: string) => void;
  /** Extra spawn options (nginx run as an unprivileged user). */
  spawn?: Pick<SpawnOptions, 'uid' | 'gid' | 'cwd'>;
}

/** Every member process still running, killed if the cluster itself exits without stopping them. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export class Member {
  private child: ChildProcess;
  private stopping = false;
  private seen = '';
  private readonly waiters: Array<{
    patterns: readonly RegExp[];
    resolve: (m: { which: number; match: RegExpExecArray }) => void;
  }> = [];
  private readonly exitWaiters: Array<() => void> = [];
  private exitText: string | null = null;

  constructor(private readonly o: MemberOptions) {
    this.child = this.launch();
  }

  private launch(): ChildProcess {
    this.stopping = false;
    this.seen = '';
    this.exitText = null;
    // Its own process group: a Ctrl-C reaches the cluster alone, which stops
    // the members in order (the standby before the writer, or it would take over).
    const child = spawn(this.o.command, [...this.o.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...this.o.spawn,
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    const take = (b: Buffer) => {
      const text = b.toString();
      this.o.output(text);
      // Only what is still awaited is kept (a server's log must not grow in memory).
      if (this.waiters.length) {
        this.seen = (this.seen + text).slice(-65_536);
        for (const w of [...this.waiters]) {
          for (const [which, pattern] of w.patterns.entries()) {
            const match = pattern.exec(this.seen);
            if (!match) continue;
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve({ which, match });
            break;
          }
        }
      } else this.seen = '';
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    child.on('error', (e) => this.exit(`could not start ${this.o.command}: ${e.message}`));
    child.on('exit', (code, signal) => this.exit(signal ?? `code ${code}`));
    return child;
  }

  private exit(why: string): void {
    if (this.exitText !== null) return;
    this.exitText = why;
    if (!this.stopping)
      this.o.onUnexpectedExit?.(`${this.o.name} (pid ${this.pid}) exited: ${why}`);
    for (const w of this.exitWaiters.splice(0)) w();
  }

  get name(): string {
    return this.o.name;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitText === null;
  }

  /** Resolves with the match once the member's output (from now on) matches `pattern`; rejects if it exits first. */
  async waitFor(pattern: RegExp, what: string): Promise<RegExpExecArray> {
    return (await this.waitForAny([pattern], what)).match;
  }

  /** Resolves with the first of `patterns` the output (from now on) matches, and which; rejects if it exits first. */
  waitForAny(
    patterns: readonly RegExp[],
    what: string,
  ): Promise<{ which: number; match: RegExpExecArray }> {
    return new Promise((resolve, reject) => {
      if (!this.running) {
        reject(
          new Error(`${this.o.name} is not running (${this.exitText}), so ${what} never came`),
        );
        return;
      }
      const waiter = { patterns, resolve };
      this.waiters.push(waiter);
      this.exitWaiters.push(() => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        reject(new Error(`${this.o.name} exited (${this.exitText}) before ${what}`));
      });
    });
  }

  /** Resolves when the process has exited. */
  exited(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Sends `signal` (not counted as unexpected) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    const done = this.exited();
    this.child.kill(signal);
    await done;
  }

  /** Starts the same command again (after it exited). */
  restart(): void {
    if (this.running) throw new Error(`${this.o.name} is still running`);
    this.child = this.launch();
  }
}

// `kura cluster`: on one machine, the layout of a national deployment, one
// process per role: a writer and its hot standby on one PostgreSQL database,
// N stateless readers, and nginx in front on the public port (nginx-front.ts).
// Each process is what would run on its own machine (docs/DEPLOY.md); here
// they share 127.0.0.1 and a port each.
import {
  accessSync,
  chownSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Terminal } from '../platform/terminal.js';
import { kuraCommand } from '../simulate/server-process.js';
import { Member } from './member.js';
import { FRONT_DIRS, type HostPort, renderFrontConfig } from './nginx-front.js';
import { PROMPT_WAIT, type PromptWaitOptions, untilPrompt } from './prompt-wait.js';

export interface ClusterOptions {
  /** The PostgreSQL database (postgres://...). */
  db: string;
  /** The election directory; needed on the first start of an empty database. */
  election?: string;
  /** The commission key: officials' acts on the writer and the standby. */
  commissionKey?: string;
  /** Readers (default 2). */
  readers?: number;
  /** The public address; port 0 picks free ports for every process. */
  host?: string;
  port?: number;
  /** The nginx binary (default: nginx on PATH, then /usr/sbin/nginx). */
  nginx?: string;
  /** Where each process's output and the progress go. */
  terminal: Terminal;
  /** After a takeover, when the old writer is started again as the standby (default PROMPT_WAIT). */
  standbyAgain?: PromptWaitOptions;
}

export type Role = 'writer' | 'standby' | 'reader' | 'front';

export interface ClusterMemberInfo {
  role: Role;
  name: string;
  pid: number | undefined;
  url: string;
}

/** nginx is not installed (or not where --nginx says): the environment, not the arguments. */
export class NginxMissingError extends Error {
  override name = 'NginxMissingError';
}

/** The nginx binary to run, or NginxMissingError saying how to install it. */
export function findNginx(given?: string): string {
  const candidates = given
    ? [given]
    : [
        ...(process.env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, 'nginx')),
        '/usr/sbin/nginx',
      ];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {}
  }
  throw new NginxMissingError(
    given
      ? `no nginx at ${given} (install Debian's: apt-get install nginx)`
      : 'nginx is not installed: kura cluster runs nginx as its front (Debian: apt-get install nginx; or give --nginx PATH)',
  );
}

/** A port nobody listens on now (the OS picks it). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** nobody's uid and gid (nginx started by root runs as them), from /etc/passwd. */
function nobody(): { uid: number; gid: number } {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('nobody:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    if (uid && gid) return { uid: Number(uid), gid: Number(gid) };
  } catch {}
  return { uid: 65534, gid: 65534 };
}

export class Cluster {
  private constructor(
    readonly members: ClusterMemberInfo[],
    /** The nginx prefix directory: nginx.conf, logs/access.log, cache/. */
    readonly frontDir: string,
    private readonly processes: {
      pair: WriterPair;
      readers: Member[];
      front: Member;
    },
    private readonly ended: Promise<string>,
  ) {}

  /** The public URL (nginx). */
  get url(): string {
    return this.members.find((m) => m.role === 'front')?.url as string;
  }

  /** Resolves with why, if the cluster can no longer serve (nginx died, or no writer is left to take over). */
  failed(): Promise<string> {
    return this.ended;
  }

  static async start(o: ClusterOptions): Promise<Cluster> {
    const nginx = findNginx(o.nginx);
    const host = o.host ?? '127.0.0.1';
    const inner = '127.0.0.1';
    const readerCount = o.readers ?? 2;
    const publicPort = o.port ?? 8080;
    // Fixed offsets from a given port, so the layout is predictable; --port 0 asks the OS.
    const ports =
      publicPort === 0
        ? await Promise.all(Array.from({ length: 3 + readerCount }, () => freePort(inner)))
        : Array.from({ length: 3 + readerCount }, (_, i) => publicPort + i);
    const at = (port: number): HostPort => ({ host: inner, port });
    const [frontPort, writerPort, standbyPort, ...readerPorts] = ports as [
      number,
      number,
      number,
      ...number[],
    ];
    const term = o.terminal;
    let fail: (why: string) => void = () => {};
    const ended = new Promise<string>((resolve) => {
      fail = resolve;
    });

    const kura = kuraCommand();
    const common = [
      '--db',
      o.db,
      ...(o.election ? ['--election', o.election] : []),
      '--host',
      inner,
      // Behind nginx every request comes from 127.0.0.1; the client is in X-Forwarded-For.
      '--trust-proxy',
      inner,
    ];
    const writing = [...common, ...(o.commissionKey ? ['--commission-key', o.commissionKey] : [])];
    const serve = (name: string, args: string[], onExit?: (why: string) => void) =>
      new Member({
        name,
        command: process.execPath,
        args: [...kura, 'serve', ...args],
        output: term.source(`[${name}] `),
        onUnexpectedExit: onExit,
      });
    const started: Member[] = [];
    const frontDir = mkdtempSync(join(tmpdir(), 'kura-front-'));
    try {
      // The writer first: on an empty database it logs entry 0, which the others read.
      const pair = new WriterPair(term, fail, o.standbyAgain ?? PROMPT_WAIT);
      const writer = serve('writer', [...writing, '--port', String(writerPort)], (why) =>
        pair.exited(writer, why),
      );
      started.push(writer);
      await waitWriter(writer, term);
      const standby = serve('standby', [...writing, '--port', String(standbyPort)], (why) =>
        pair.exited(standby, why),
      );
      started.push(standby);
      const readers = readerPorts.map((port, i) => {
        const r = serve(
          `reader ${i + 1}`,
          [...common, '--read-only', '--port', String(port)],
          (why) =>
            term.print(`kura cluster: ${why}; the front sends its requests to the other readers\n`),
        );
        started.push(r);
        return r;
      });
      await Promise.all([
        waitStandingBy(standby, term),
        ...readers.map((r) => waitServing(r, term, r.name)),
      ]);

      // nginx writes only under its prefix; started by root it runs as nobody.
      const asRoot = process.getuid?.() === 0;
      const user = asRoot ? nobody() : null;
      for (const d of FRONT_DIRS) mkdirSync(join(frontDir, d), { recursive: true });
      const conf = renderFrontConfig({
        listen: { host, port: frontPort },
        writer: at(writerPort),
        standby: at(standbyPort),
        readers: readerPorts.map(at),
        prefix: frontDir,
      });
      writeFileSync(join(frontDir, 'nginx.conf'), conf);
      if (user)
        for (const d of ['', ...FRONT_DIRS]) chownSync(join(frontDir, d), user.uid, user.gid);
      const front = new Member({
        name: 'front',
        command: nginx,
        args: [
          '-p',
          frontDir,
          '-c',
          join(frontDir, 'nginx.conf'),
          '-e',
          'stderr',
          '-g',
          'daemon off;',
        ],
        output: term.source('[front] '),
        onUnexpectedExit: (why) => fail(why),
        ...(user ? { spawn: user } : {}),
      });
      started.push(front);
      const publicUrl = `http://${host.includes(':') ? `[${host}]` : host}:${frontPort}`;
      await waitAnswers(front, `${publicUrl}/log/checkpoint`, term);

      const members: ClusterMemberInfo[] = [
        { role: 'front', name: 'front', pid: front.pid, url: publicUrl },
        { role: 'writer', name: 'writer', pid: writer.pid, url: `http://${inner}:${writerPort}` },
        {
          role: 'standby',
          name: 'standby',
          pid: standby.pid,
          url: `http://${inner}:${standbyPort}`,
        },
        ...readers.map((r, i) => ({
          role: 'reader' as const,
          name: r.name,
          pid: r.pid,
          url: `http://${inner}:${readerPorts[i]}`,
        })),
      ];
      pair.watch(writer, standby, members);
      return new Cluster(members, frontDir, { pair, readers, front }, ended);
    } catch (e) {
      await stopAll(started);
      rmSync(frontDir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Stops every process: the front, the readers, the standby (so it does not take over), then the writer. */
  async stop(): Promise<void> {
    const p = this.processes;
    await p.front.stop('SIGQUIT');
    await Promise.all(p.readers.map((r) => r.stop()));
    await p.pair.stop();
    rmSync(this.frontDir, { recursive: true, force: true });
  }
}

const SERVING = /serving .*\n\s+API\s+(http:\/\/\S+?)\/api/;
const STANDING_BY = /"event":"writer-standing-by"/;
const HELD_BY = /"event":"writer-standing-by","heldBy":"((?:[^"\\]|\\.)*)"/;

/** The writer serves, unless another process already holds the lease: then it would stand by for ever. */
async function waitWriter(m: Member, term: Terminal): Promise<void> {
  const spinner = term.activity('kura cluster: starting the writer');
  try {
    const got = await m.waitForAny([SERVING, HELD_BY], 'the writer served');
    if (got.which === 1)
      throw new Error(
        `another kura writer already holds this database's lease (${got.match[1]}): stop it, or give kura cluster a database of its own`,
      );
  } finally {
    spinner.done('');
  }
}

async function waitServing(m: Member, term: Terminal, what: string): Promise<void> {
  const spinner = term.activity(`kura cluster: starting ${what}`);
  try {
    await m.waitFor(SERVING, `${what} served`);
  } finally {
    spinner.done('');
  }
}

async function waitStandingBy(m: Member, term: Terminal): Promise<void> {
  const spinner = term.activity('kura cluster: starting the standby');
  try {
    await m.waitFor(STANDING_BY, 'the standby stood by');
  } finally {
    spinner.done('');
  }
}

/** Polls `url` until it answers 200 (nginx prints nothing when it is ready). */
async function waitAnswers(m: Member, url: string, term: Terminal): Promise<void> {
  const spinner = term.activity('kura cluster: starting the front (nginx)');
  try {
    for (;;) {
      if (!m.running) throw new Error('nginx exited before it served (its messages are above)');
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    spinner.done('');
  }
}

/**
 * The writer and its standby. When the standby serves, it is the writer
 * (the members' table says so), and a writer that died is started again on
 * its own port, where it stands by: nginx's upstream lists both ports, so
 * nothing is reconfigured. It is started again once the new writer answers
 * promptly (prompt-wait.ts says why), at once if the new writer dies first.
 */
class WriterPair {
  private writer: Member | null = null;
  private standby: Member | null = null;
  private members: ClusterMemberInfo[] = [];
  private stopping = false;
  /** Set while the old writer waits to be started again. */
  private waiting: AbortController | null = null;

  constructor(
    private readonly term: Terminal,
    private readonly fail: (why: string) => void,
    private readonly again: PromptWaitOptions,
  ) {}

  watch(writer: Member, standby: Member, members: ClusterMemberInfo[]): void {
    this.writer = writer;
    this.standby = standby;
    this.members = members;
    this.follow(standby);
  }

  /** A process of the pair exited by itself. */
  exited(m: Member, why: string): void {
    // Before watch(), a start that fails is reported by the wait for it.
    if (this.stopping || !this.writer) return;
    if (m === this.writer) {
      if (this.waiting) {
        this.term.print(
          `kura cluster: ${why}, before the old writer stood by again: it is started now and takes over\n`,
        );
        this.waiting.abort();
        return;
      }
      const standing = this.standby?.running;
      this.term.print(
        `kura cluster: ${why}; ${standing ? 'the standby takes over' : 'no standby is left'}\n`,
      );
      if (!standing) this.fail(`${why}, and no standby was left to take over`);
    } else this.term.print(`kura cluster: ${why}; the writer runs on without a standby\n`);
  }

  private follow(standby: Member): void {
    standby
      .waitFor(SERVING, 'the standby took over')
      .then(() => {
        const old = this.writer as Member;
        this.writer = standby;
        this.standby = old;
        const w = this.members.find((m) => m.role === 'writer');
        const s = this.members.find((m) => m.role === 'standby');
        if (w && s) {
          [w.pid, s.pid] = [standby.pid, old.pid];
          [w.url, s.url] = [s.url, w.url];
        }
        this.term.print(`kura cluster: the standby (pid ${standby.pid}) took over as the writer\n`);
        if (this.stopping || old.running) return;
        void this.standByAgain(old, w?.url);
      })
      .catch(() => {
        // It exited before taking over: exited() said so.
      });
  }

  /** Starts the old writer again, as the standby, once the new writer answers promptly. */
  private async standByAgain(old: Member, writerUrl: string | undefined): Promise<void> {
    const waiting = new AbortController();
    this.waiting = waiting;
    let after = '';
    if (writerUrl) {
      this.term.print(
        `kura cluster: the old writer stands by again once the new one answers promptly (at most ${this.again.capMs / 1000} s)\n`,
      );
      const end = await untilPrompt(`${writerUrl}/log/checkpoint`, this.again, waiting.signal);
      after =
        end.kind === 'prompt'
          ? `, the new writer answering promptly after ${(end.waitedMs / 1000).toFixed(1)} s`
          : end.kind === 'cap'
            ? `, the new writer still slow after ${(end.waitedMs / 1000).toFixed(1)} s`
            : '';
    }
    this.waiting = null;
    if (this.stopping || old.running) return;
    old.restart();
    const s = this.members.find((m) => m.role === 'standby');
    if (s) s.pid = old.pid;
    this.term.print(`kura cluster: the old writer stands by again (pid ${old.pid})${after}\n`);
    this.follow(old);
  }

  /** The standby first, so that it does not take over, then the writer. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.waiting?.abort();
    await this.standby?.stop();
    await this.writer?.stop();
  }
}

async function stopAll(members: Member[]): Promise<void> {
  for (const m of [...members].reverse()) await m.stop(m.name === 'front' ? 'SIGQUIT' : 'SIGTERM');
}

// The README's shell blocks are run for real: a walk-through that cannot be
// run as written does not ship. Every ```sh block is classified below (runs,
// or why not); a new block nobody classified fails the test. Blocks run in a
// temporary directory with the built CLI (`npm test` builds dist/ first), on
// free ports, waiting on conditions (a server answering), never on durations.
//
// What the runner changes, and nothing else:
// - `npx kura` and `npx -p PACKAGE kura` run `kura` from a PATH shim that
//   execs this repository's bin/kura.js (what an installed package runs);
// - the ports 8080, 8081 and 8090 become free ports;
// - `kura serve` and `kura witness` run in the background until the server
//   answers, and stop when another takes their port or the scenario ends;
// - `.kura/kenya-2022` is made by the block's own `kura election kenya-2022`
//   line, after the test has cut the definition down to one ward (29
//   stations, the real candidates and station 001001000100101), so that the
//   line reuses it instead of building 46,229 stations;
// - `form34a.pdf`, the scan `kura submit` uploads, is given.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';

const REPO = process.cwd();
const KURA_BIN = join(REPO, 'bin/kura.js');
const execFileP = promisify(execFile);

interface Block {
  heading: string;
  first: string;
  text: string;
}

/** Every ```sh block of the README, with the heading it sits under and its first line. */
function shellBlocks(readme: string): Block[] {
  const blocks: Block[] = [];
  let heading = '';
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^#+ /.test(line)) heading = line.replace(/^#+ /, '');
    if (line.trim() === '```sh') {
      const body: string[] = [];
      for (i++; i < lines.length && (lines[i] as string).trim() !== '```'; i++)
        body.push(lines[i] as string);
      blocks.push({ heading, first: normalized(body[0] ?? ''), text: `${body.join('\n')}\n` });
    }
  }
  return blocks;
}

/**
 * A line as the tables below name it: `npx [-p PACKAGE] kura` as `kura` (the
 * package's name is the install line's business), without a trailing comment.
 */
function normalized(line: string): string {
  return line
    .replace(/\bnpx (-p \S+ )?kura\b/g, 'kura')
    .replace(/(\S)\s+# .*$/, '$1')
    .trim();
}

type Classification = { runs: 'verbatim' | 'scenario' } | { notRunnable: string };

/** Each block by its first line (normalized). */
const CLASSIFIED: Record<string, Classification> = {
  'npm install && npm start': {
    notRunnable:
      'replays the whole Kenya night (46,229 stations, minutes of a loaded machine); the demo and its comparison with Form 34C have their own tests (test/simulate, test/kenya)',
  },
  'npm install && npm test': { notRunnable: 'it is the test suite this test belongs to' },
  'npx tsx scripts/kenya-audit-table.ts': {
    notRunnable:
      'a minute of audits on the whole Kenya log; test/kenya/audit-table.test.ts recomputes rows of its table and compares them with the README',
  },
  'kura --help': { runs: 'scenario' },
  '# Audit: mirror the log, check every signature, proof and rule, recompute every tally.': {
    runs: 'scenario',
  },
  'kura verify-bundle kenya-2022.kura.tar': { runs: 'scenario' },
  'set -euo pipefail': { runs: 'verbatim' },
  'kura serve --election .kura/kenya-2022 --db postgres://kura@db/kenya --port 8080': {
    notRunnable:
      'a deployment sketch (a PostgreSQL host named db, and a standby that by design answers nothing until it takes over); the same writer, standby, kill -9 and takeover run for real in test/server/writer-lease.test.ts',
  },
  'kura cluster --db postgres://postgres@127.0.0.1:5432/kura --election .kura/kenya-2022 --readers 2 --port 8080':
    {
      notRunnable:
        'five processes that serve until Ctrl-C, on a database named kura; test/cluster/cluster.test.ts runs the same command on a fresh database and checks the routing, the cache, gzip and a failover through the front',
    },
};

/** Lines (normalized) of the scenario blocks that cannot run as written, and why. */
const LINES_NOT_RUN: Record<string, string> = {
  'kura verify http://127.0.0.1:8080 --witness-policy "2 of VKEY1,VKEY2,VKEY3"':
    'a sketch: VKEY1..3 stand for three witnesses, and the scenario runs one',
};

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const blocks = shellBlocks(readme);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Polls until `url` answers over HTTP (any status) or the process exits; bounded. */
async function waitUntilAnswering(url: string, child: ChildProcess, output: () => string) {
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `exited (${child.exitCode ?? child.signalCode}) before answering ${url}:\n${output()}`,
      );
    try {
      await fetch(url, { signal: AbortSignal.timeout(5000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${url} did not answer within 5 minutes:\n${output()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** A temporary directory with a `kura` shim first on PATH. */
function workspace(prefix: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, '.bin'));
  const shim = join(dir, '.bin/kura');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${KURA_BIN}" "$@"\n`);
  chmodSync(shim, 0o755);
  return { dir, env: { ...process.env, PATH: `${join(dir, '.bin')}:${process.env.PATH}` } };
}

describe('README shell blocks', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('every ```sh block is classified, and every classification names a block', () => {
    assert.ok(blocks.length >= 6, `only ${blocks.length} blocks found`);
    for (const b of blocks)
      assert.ok(
        CLASSIFIED[b.first],
        `README block under "${b.heading}" starting ${JSON.stringify(b.first)} is not classified in test/readme/readme.test.ts: say whether it runs, or why not`,
      );
    for (const first of Object.keys(CLASSIFIED))
      assert.ok(
        blocks.some((b) => b.first === first),
        `no README block starts ${JSON.stringify(first)} any more`,
      );
    const lines = blocks.flatMap((b) => b.text.split('\n').map(normalized));
    for (const line of Object.keys(LINES_NOT_RUN))
      assert.ok(lines.includes(line), `no README line ${JSON.stringify(line)} any more`);
  });

  test('the officials walk-through runs verbatim from an empty directory and prints what the README promises', async () => {
    const [walk, ...more] = blocks.filter((b) => b.first === 'set -euo pipefail');
    assert.ok(walk && more.length === 0);
    const { dir, env } = workspace('kura-readme-walk-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'walk.sh'), walk.text);
    const port = await freePort();
    // Its own process group, so that a failure leaves no server behind.
    const child = spawn('bash', ['walk.sh'], {
      cwd: dir,
      env: { ...env, KURA: KURA_BIN, PORT: String(port) },
      detached: true,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b;
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b;
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    try {
      process.kill(-(child.pid as number), 'SIGTERM');
    } catch {}
    const serveLog = existsSync(join(dir, 'serve.log'))
      ? readFileSync(join(dir, 'serve.log'), 'utf8')
      : '';
    const all = `stdout:\n${out}\nstderr:\n${err.slice(-4000)}\nserve.log:\n${serveLog.slice(-2000)}`;
    assert.equal(code, 0, all);
    const errors = [...out.matchAll(/"code":"([A-Z_]+)"/g)].map((m) => m[1]);
    assert.deepEqual(
      errors,
      [
        'SELF_APPROVAL',
        'SELF_APPROVAL',
        'SELF_APPROVAL',
        'NOT_INDEPENDENT',
        'DECLARATION_MISMATCH',
      ],
      all,
    );
    assert.match(out, /^alpha: 120, corrections: 1$/m, all);
    assert.match(out, /DECLARATION_MISMATCH.*votes\.alpha declared 100, logged 120/, all);
    for (const act of [
      /^\d+ \(console\) account-created chair $/m,
      /^\d+ chair account-proposed ro-1 $/m,
      /^\d+ vice account-approved ro-2 $/m,
      /^\d+ ro-1 correction-proposed president\/\d+ $/m,
      /^\d+ ro-2 correction-approved \d+ $/m,
      /^\d+ clerk correction-approved \d+ $/m,
      /^\d+ ro-1 declaration president\/\d+ $/m,
    ])
      assert.match(out, act, all);
    assert.match(out, /correction #\d+ of president at \d+: in-force \(approved by ro-2, clerk\)/);
    assert.match(out, /^VERIFIED \(exit 0\)/m, all);
    // It wrote its store and secrets where it was run.
    for (const f of ['store', 'el/definition.json', 'chair.txt', 'admin.pw'])
      assert.ok(existsSync(join(dir, f)), f);
  });

  test('"Using it", "Opening the servers" and the restore run on a Kenya-shaped election', async () => {
    const scenario = blocks.filter((b) => {
      const c = CLASSIFIED[b.first];
      return c !== undefined && 'runs' in c && c.runs === 'scenario';
    });
    assert.equal(scenario.length, 3);
    const { dir, env } = workspace('kura-readme-use-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ports = new Map<string, string>();
    for (const p of ['8080', '8081', '8090']) ports.set(p, String(await freePort()));
    const sh = async (cmd: string) => {
      try {
        const r = await execFileP('bash', ['-c', cmd], {
          cwd: dir,
          env,
          maxBuffer: 64 << 20,
        });
        return { code: 0, stdout: r.stdout, stderr: r.stderr };
      } catch (e) {
        const x = e as { code: number; stdout: string; stderr: string };
        return { code: x.code, stdout: x.stdout, stderr: x.stderr };
      }
    };

    // The Kenya definition cut to one ward, written where the block's own line will find it.
    const made = await sh('kura election kenya-2022 --out .kura/kenya-2022');
    assert.equal(made.code, 0, made.stderr);
    const defPath = join(dir, '.kura/kenya-2022/definition.json');
    const d = JSON.parse(readFileSync(defPath, 'utf8'));
    const ward = d.stations.find((s: { code: string }) => s.code === '001001000100101').ward;
    d.stations = d.stations.filter((s: { ward: string }) => s.ward === ward);
    const codes = new Set(d.stations.map((s: { code: string }) => s.code));
    d.devices = d.devices.filter((x: { station: string }) => codes.has(x.station));
    const keep = new Set<string>();
    for (let u = ward; u; u = d.units.find((x: { code: string }) => x.code === u).parent)
      keep.add(u);
    d.units = d.units.filter((u: { code: string }) => keep.has(u.code));
    for (const c of d.contests)
      c.candidates = c.candidates.filter(
        (x: { unit: string | null }) => x.unit === null || keep.has(x.unit),
      );
    writeFileSync(join(dir, 'ward.json'), JSON.stringify(d));
    const cut = await sh('kura election create --definition ward.json --out .kura/kenya-2022');
    assert.equal(cut.code, 0, cut.stderr);
    writeFileSync(join(dir, 'form34a.pdf'), '%PDF-1.4\n% Form 34A of station 001001000100101\n');

    const background = new Map<string, { child: ChildProcess; output: () => string }>();
    cleanups.push(async () => {
      for (const b of background.values()) await stopProcess(b.child);
    });
    let witnessKey = '';
    const transcript: string[] = [];
    for (const block of scenario) {
      const commands = block.text
        .replace(/\\\n\s*/g, ' ')
        .split('\n')
        .filter((l) => l.trim() && !l.trim().startsWith('#'));
      for (const line of commands) {
        if (LINES_NOT_RUN[normalized(line)]) continue;
        let cmd = normalized(line).replace(/<vkey printed by kura witness>/g, witnessKey);
        assert.doesNotMatch(cmd, /<[^>]+>|VKEY/, `a placeholder left in ${line}`);
        for (const [from, to] of ports) cmd = cmd.replaceAll(`:${from}`, `:${to}`);
        const server = /^kura (serve|witness)\b/.exec(cmd);
        if (server) {
          const port =
            /--listen \S+:(\d+)/.exec(cmd)?.[1] ??
            /--port (\d+)/.exec(cmd)?.[1] ??
            (ports.get('8080') as string);
          if (!/--listen|--port/.test(cmd)) cmd += ` --port ${port}`;
          const previous = background.get(port);
          if (previous) await stopProcess(previous.child);
          const child = spawn('bash', ['-c', `exec ${cmd}`], { cwd: dir, env });
          let output = '';
          child.stdout?.on('data', (b: Buffer) => {
            output += b;
          });
          child.stderr?.on('data', (b: Buffer) => {
            output += b;
          });
          background.set(port, { child, output: () => output });
          await waitUntilAnswering(
            server[1] === 'serve'
              ? `http://127.0.0.1:${port}/log/checkpoint`
              : `http://127.0.0.1:${port}/`,
            child,
            () => output,
          );
          if (server[1] === 'witness') witnessKey = /verifier key\s+(\S+)/.exec(output)?.[1] ?? '';
          transcript.push(`$ ${cmd} &\n${output}`);
          continue;
        }
        const r = await sh(cmd);
        transcript.push(`$ ${cmd}\n${r.stdout}${r.stderr}`);
        assert.equal(r.code, 0, `${line}\n${transcript.join('\n')}`);
      }
    }
    const all = transcript.join('\n');
    assert.match(all, /\$ kura --help\n[^$]*\bverify\b/);
    assert.match(all, /\$ kura receipt verify [^\n]*\n[^$]*\bverified\b/i);
    assert.match(all, /\$ kura verify http[^\n]*--state \.\/audit\n[^$]*VERIFIED \(exit 0\)/);
    assert.ok(witnessKey.startsWith('observers+'), all);
    assert.ok(existsSync(join(dir, 'kenya-2022.kura.tar')));
    assert.ok(existsSync(join(dir, 'report.html')));
    assert.match(all, /\$ kura verify-bundle kenya-2022\.kura\.tar\n[^$]*\bverified\b/i);
  });
});

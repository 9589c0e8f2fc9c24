// After the Kenya night, on the same store: the writer restarted (time from
// `kura serve` to its first answer, issue 13's 10 s goal) and `kura verify`
// against it, in full and again with the same --state (issue 13's 30 s goal
// for the Kenya log on 2 cores, and "only what is new, in a few seconds").
// A restart that misses its goal is run once more under node --cpu-prof, to
// say where the start-up spends its CPU. On PostgreSQL, a standby then
// follows the whole Kenya log and the writer is killed (kill -9): the time
// to the standby's first answer is issue 13's 5 s takeover, at national size.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { silentReporter } from '../platform/reporter.js';
import { openStore } from '../store/open.js';
import {
  type Cleanup,
  freePort,
  KURA_BIN,
  REPO_ROOT,
  type RunningChild,
  startChild,
  tempDir,
} from './children.js';
import {
  CpuMeter,
  type CpuUse,
  peakRssMiB,
  processCpuSeconds,
  reapedChildrenCpuSeconds,
} from './machine.js';
import type { Engine } from './options.js';
import {
  findProfile,
  findWorkerProfiles,
  type ProfileSummary,
  summarizeProfile,
  summarizeProfiles,
} from './profile.js';

/** The start-up check as the restarted writer logs it (src/server/replay.ts stats). */
export interface StartupCheck {
  entries: number;
  tiles: number;
  checkpoints: number;
  derivedRows: number;
  seconds: number;
  /** Of seconds: reading, hashing and folding the entries; the rest is the tiles, checkpoints and derived rows. */
  entriesSeconds: number;
  /** Of entries: those the writer's kept fold held (not folded again: src/server/kept-fold.ts); 0 without one. Absent in older results. */
  keptEntries?: number;
  /** Of entries: those a standby taking over checked then (the rest it checked while following). Absent in older results. */
  tailEntries?: number;
}

/** A standby taking over the Kenya store from a writer killed with SIGKILL. */
export interface Takeover {
  /** From spawning the standby to its event saying it follows the whole log. */
  followSeconds: number;
  /** From the writer's SIGKILL to the standby's first 200 for GET /log/checkpoint. */
  seconds: number;
  /** The standby's start-up check at the takeover (the tail and the derived rows). */
  check: StartupCheck | null;
}

export interface WriterRestart {
  /** From spawning `kura serve` on the night's store to its first 200 for GET /log/checkpoint. */
  seconds: number;
  /** CPU (user + system, all its threads) the writer used until then. */
  cpuSeconds: number | null;
  /** VmHWM at the first answer: the start-up check's peak. */
  peakRssMiB: number | null;
  check: StartupCheck | null;
  /** The machine while it started (the writer counts among "others": it is not the bench's). */
  cpu: CpuUse;
}

export interface VerifyRun {
  /** Wall time of the `kura verify` process, from spawn to exit. */
  wallSeconds: number;
  /** Its CPU, user + system, all threads (signature workers included). */
  cpuSeconds: number;
  /** Its VmHWM, sampled every 200 ms. */
  peakRssMiB: number | null;
  /** Each phase's wall time as verify reports it (--json `seconds`); signatures and fold overlap the log fetch. */
  phases: Record<string, number>;
  verdict: string;
  exitCode: number;
  /** The checkpoint's size: entries verified. */
  entries: number | null;
  signaturesChecked: number | null;
  /** The machine during the run: "server" is the restarted writer answering; verify counts among "others". */
  cpu: CpuUse;
}

/** Where a run spent its CPU: the process again under node --cpu-prof (main thread, and its worker threads added up). */
export interface RunProfile {
  seconds: number;
  main: ProfileSummary;
  workers: ProfileSummary | null;
}

export interface AfterNight {
  /** After the night's clean stop: the writer's start continues the fold it kept then. */
  restart: WriterRestart | null;
  /**
   * The writer started once more with its kept fold removed, as after a
   * kill -9 before any clean stop: every entry folded again. Absent in older results.
   */
  crashRestart?: WriterRestart | null;
  /** Where a restart that missed its goal spent its CPU: a second start under node --cpu-prof, spawn to first answer. */
  restartProfile: RunProfile | null;
  /** PostgreSQL: a standby's takeover after a kill -9 of the writer. Absent in older results and on PGlite. */
  takeover?: Takeover | null;
  /** kura verify was to run on this engine (on one only: the log's bytes are the same on both). */
  verifies: boolean;
  /** null where it was not to run, or a step before it failed. */
  verify: VerifyRun | null;
  verifyAgain: VerifyRun | null;
  /**
   * Where each verify run that missed its goal spent its CPU: the same run
   * again under node --cpu-prof (the first from an empty state directory, the
   * second with the state), spawn to exit. Absent in older results.
   */
  verifyProfile?: RunProfile | null;
  verifyAgainProfile?: RunProfile | null;
  /** The restarted writer's VmHWM after serving both verify runs. */
  serverPeakRssAfterVerifyMiB: number | null;
  /** The step that failed and why; the steps after it were not run. */
  failure: string | null;
}

export interface AfterNightOptions {
  engine: Engine;
  electionDir: string;
  /** The night's store: --data DIR or --db URL. */
  storeArgs: string[];
  verify: boolean;
  /** Goal of the restart: slower ones are profiled. */
  restartGoalSeconds: number;
  /** Goals of the two verify runs: slower ones are profiled (a third and fourth run). */
  verifyGoalSeconds: number;
  verifyAgainGoalSeconds: number;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** The writer's start-up check line on stderr (pino JSON, message "start-up check: ..."). */
export function parseStartupCheck(stderr: string): StartupCheck | null {
  for (const line of stderr.split('\n')) {
    if (!line.includes('start-up check')) continue;
    try {
      const s = JSON.parse(line) as Record<string, unknown>;
      if (typeof s.ms !== 'number' || typeof s.entries !== 'number') continue;
      return {
        entries: s.entries,
        tiles: Number(s.tiles),
        checkpoints: Number(s.checkpoints),
        derivedRows: Number(s.derivedRows),
        seconds: Math.round(s.ms / 100) / 10,
        entriesSeconds: Math.round(Number(s.entriesMs) / 100) / 10,
        keptEntries: typeof s.keptEntries === 'number' ? s.keptEntries : 0,
        ...(typeof s.tailEntries === 'number' ? { tailEntries: s.tailEntries } : {}),
      };
    } catch {
      // not JSON: a progress line
    }
  }
  return null;
}

async function firstAnswer(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(`${url}/log/checkpoint`);
      await res.arrayBuffer();
      if (res.status === 200) return;
      if (performance.now() > deadline)
        throw new Error(`GET /log/checkpoint answered ${res.status}`);
    } catch (e) {
      if (performance.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Started {
  child: RunningChild;
  seconds: number;
  startUs: number;
  endUs: number;
  cpuSeconds: number | null;
  peakRssMiB: number | null;
  cpu: CpuUse;
}

/** Starts the writer on the store and waits for its first answer. */
async function startWriter(
  cleanup: Cleanup,
  o: AfterNightOptions,
  cpuProfDir?: string,
): Promise<Started> {
  const port = await freePort();
  const meter = new CpuMeter(null, o.engine === 'postgres');
  const startUs = nowUs();
  const t0 = performance.now();
  const child = await startChild(cleanup, {
    what: 'kura serve (restarted on the Kenya store)',
    args: [KURA_BIN, 'serve', '--election', o.electionDir, ...o.storeArgs, '--port', String(port)],
    nodeOptions: cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [],
    port,
    ready: /kura: serving/,
    readyTimeoutMs: 600_000,
  });
  await firstAnswer(child.url, performance.now() + 30_000);
  const seconds = (performance.now() - t0) / 1000;
  return {
    child,
    seconds,
    startUs,
    endUs: nowUs(),
    cpuSeconds: processCpuSeconds(child.pid),
    peakRssMiB: child.peakRssMiB(),
    cpu: meter.stop(),
  };
}

/** What a writer's start measured. */
function restartOf(started: Started): WriterRestart {
  return {
    seconds: Math.round(started.seconds * 100) / 100,
    cpuSeconds: started.cpuSeconds,
    peakRssMiB: started.peakRssMiB,
    check: parseStartupCheck(started.child.stderr()),
    cpu: started.cpu,
  };
}

/**
 * Starts a standby on the writer's store (PostgreSQL), waits until it follows
 * the whole log, kills the writer (SIGKILL) and times the standby's first
 * answer. Returns the standby, now the writer.
 */
async function takeOver(
  cleanup: Cleanup,
  o: AfterNightOptions,
  writer: RunningChild,
): Promise<{ takeover: Takeover; writer: RunningChild }> {
  const port = await freePort();
  const t0 = performance.now();
  const standby = await startChild(cleanup, {
    what: 'kura serve (a standby on the Kenya store)',
    args: [KURA_BIN, 'serve', '--election', o.electionDir, ...o.storeArgs, '--port', String(port)],
    port,
    ready: /"event":"standby-following"/,
    readyOn: 'stderr',
    readyTimeoutMs: 600_000,
  });
  const followSeconds = (performance.now() - t0) / 1000;
  const killedAt = performance.now();
  process.kill(writer.pid, 'SIGKILL');
  await firstAnswer(standby.url, killedAt + 120_000);
  const seconds = (performance.now() - killedAt) / 1000;
  await writer.stop();
  return {
    takeover: {
      followSeconds: Math.round(followSeconds * 10) / 10,
      seconds: Math.round(seconds * 100) / 100,
      check: parseStartupCheck(standby.stderr()),
    },
    writer: standby,
  };
}

/** Removes the writer's kept fold from the night's store (no server runs on it then). */
async function dropKeptFold(storeArgs: string[]): Promise<void> {
  const [flag, where] = storeArgs as [string, string];
  const store = await openStore(
    flag === '--db' ? { url: where, log: silentReporter } : { dataDir: where, log: silentReporter },
  );
  try {
    await store.db.query('DELETE FROM kept_fold');
  } finally {
    await store.close();
  }
}

/** `kura verify` to completion: its report, wall time, CPU (from this process's reaped-children time) and peak RSS. */
async function runVerify(
  serverUrl: string,
  serverPid: number,
  watchPostgres: boolean,
  args: string[],
  cpuProfDir?: string,
): Promise<VerifyRun & { startUs: number; endUs: number }> {
  const meter = new CpuMeter(serverPid, watchPostgres);
  const reaped0 = reapedChildrenCpuSeconds();
  const t0 = performance.now();
  const startUs = nowUs();
  const profiling = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const child = spawn(process.execPath, [...profiling, KURA_BIN, 'verify', serverUrl, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    err = (err + c.toString('utf8')).slice(-65536);
  });
  let peak: number | null = null;
  const sampler = setInterval(() => {
    if (child.pid !== undefined) peak = peakRssMiB(child.pid) ?? peak;
  }, 200);
  // A verify that hangs is a failure, not a bench that never ends.
  const killer = setTimeout(() => child.kill('SIGKILL'), 900_000);
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('exit', (c, signal) => res(c ?? (signal ? -1 : null)));
  }).finally(() => {
    clearInterval(sampler);
    clearTimeout(killer);
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  const endUs = nowUs();
  const cpu = meter.stop();
  const cpuSeconds = reapedChildrenCpuSeconds() - reaped0;
  let report: {
    verdict?: string;
    exitCode?: number;
    seconds?: Record<string, number>;
    checkpoint?: { size?: number };
    signatures?: { checked?: number };
  };
  try {
    report = JSON.parse(out);
  } catch {
    throw new Error(`kura verify exited ${code} without a JSON report: ${err.slice(-2000)}`);
  }
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    wallSeconds: round(wallSeconds),
    cpuSeconds: round(cpuSeconds),
    peakRssMiB: peak,
    phases: Object.fromEntries(Object.entries(report.seconds ?? {}).map(([k, v]) => [k, round(v)])),
    verdict: report.verdict ?? 'unknown',
    exitCode: code ?? -1,
    entries: report.checkpoint?.size ?? null,
    signaturesChecked: report.signatures?.checked ?? null,
    cpu,
    startUs,
    endUs,
  };
}

/** The same verify run again under node --cpu-prof: where its CPU went, spawn to exit. */
async function profileVerify(
  cleanup: Cleanup,
  serverUrl: string,
  serverPid: number,
  watchPostgres: boolean,
  args: string[],
): Promise<RunProfile> {
  const dir = tempDir(cleanup, 'verify-profile');
  const run = await runVerify(serverUrl, serverPid, watchPostgres, args, dir);
  const main = findProfile(dir);
  if (!main) throw new Error(`no CPU profile was written in ${dir}`);
  return {
    seconds: run.wallSeconds,
    main: summarizeProfile(main, run.startUs, run.endUs, 8),
    workers: summarizeProfiles(findWorkerProfiles(dir), run.startUs, run.endUs, 8),
  };
}

/** A VerifyRun as the results keep it (without the profile's clock). */
function kept({
  startUs: _s,
  endUs: _e,
  ...run
}: VerifyRun & { startUs: number; endUs: number }): VerifyRun {
  return run;
}

export async function measureAfterNight(
  cleanup: Cleanup,
  log: (msg: string) => void,
  o: AfterNightOptions,
): Promise<AfterNight> {
  const result: AfterNight = {
    restart: null,
    restartProfile: null,
    verifies: o.verify,
    verify: null,
    verifyAgain: null,
    serverPeakRssAfterVerifyMiB: null,
    failure: null,
  };
  let step = 'restart the writer on the store';
  let writer: RunningChild | null = null;
  try {
    log(`${o.engine}: ${step}`);
    const started = await startWriter(cleanup, o);
    writer = started.child;
    result.restart = restartOf(started);
    log(
      `${o.engine}: the writer answers again after ${result.restart.seconds} s (CPU ${started.cpuSeconds} s, peak RSS ${started.peakRssMiB} MiB)`,
    );
    if (o.verify) {
      const state = join(tempDir(cleanup, 'verify-state'), 'state');
      const args = ['--election', o.electionDir, '--state', state, '--json', '--quiet'];
      step = 'kura verify, first run';
      log(`${o.engine}: ${step}`);
      result.verify = kept(await runVerify(writer.url, writer.pid, o.engine === 'postgres', args));
      log(
        `${o.engine}: verify ${result.verify.verdict} in ${result.verify.wallSeconds} s (CPU ${result.verify.cpuSeconds} s): ${JSON.stringify(result.verify.phases)}`,
      );
      step = 'kura verify, second run with --state';
      log(`${o.engine}: ${step}`);
      result.verifyAgain = kept(
        await runVerify(writer.url, writer.pid, o.engine === 'postgres', args),
      );
      log(
        `${o.engine}: verify --state ${result.verifyAgain.verdict} in ${result.verifyAgain.wallSeconds} s (CPU ${result.verifyAgain.cpuSeconds} s)`,
      );
      result.serverPeakRssAfterVerifyMiB = writer.peakRssMiB();
      result.verifyProfile = null;
      result.verifyAgainProfile = null;
      const running = writer;
      const profiled = async (what: string, verifyArgs: string[]) => {
        step = what;
        log(`${o.engine}: ${step}`);
        return profileVerify(
          cleanup,
          running.url,
          running.pid,
          o.engine === 'postgres',
          verifyArgs,
        );
      };
      if (result.verify.wallSeconds > o.verifyGoalSeconds) {
        const fresh = join(tempDir(cleanup, 'verify-state'), 'state');
        result.verifyProfile = await profiled(
          'kura verify again under node --cpu-prof (from an empty state directory)',
          ['--election', o.electionDir, '--state', fresh, '--json', '--quiet'],
        );
      }
      if (result.verifyAgain.wallSeconds > o.verifyAgainGoalSeconds)
        result.verifyAgainProfile = await profiled(
          'kura verify --state again under node --cpu-prof',
          args,
        );
    }
    if (o.engine === 'postgres') {
      step = 'a standby follows the log, then the writer is killed (kill -9)';
      log(`${o.engine}: ${step}`);
      const t = await takeOver(cleanup, o, writer);
      writer = t.writer;
      result.takeover = t.takeover;
      log(
        `${o.engine}: the standby answers ${t.takeover.seconds} s after the kill (it followed the log after ${t.takeover.followSeconds} s)`,
      );
    }
    step = 'stop the restarted writer';
    const code = await writer.stop();
    writer = null;
    if (code !== 0) throw new Error(`it exited with code ${code}`);
    step = 'restart the writer with no kept fold (as after a crash)';
    log(`${o.engine}: ${step}`);
    await dropKeptFold(o.storeArgs);
    const cold = await startWriter(cleanup, o);
    writer = cold.child;
    result.crashRestart = restartOf(cold);
    log(`${o.engine}: the writer answers again after ${result.crashRestart.seconds} s`);
    const again = await writer.stop();
    writer = null;
    if (again !== 0) throw new Error(`it exited with code ${again}`);
    if (result.restart.seconds > o.restartGoalSeconds) {
      step = 'restart the writer under node --cpu-prof';
      log(`${o.engine}: ${step} (the restart missed its goal)`);
      const dir = tempDir(cleanup, 'restart-profile');
      const profiled = await startWriter(cleanup, o, dir);
      await profiled.child.stop();
      const main = findProfile(dir);
      if (!main) throw new Error(`no CPU profile was written in ${dir}`);
      result.restartProfile = {
        seconds: Math.round(profiled.seconds * 100) / 100,
        main: summarizeProfile(main, profiled.startUs, profiled.endUs, 8),
        workers: summarizeProfiles(findWorkerProfiles(dir), profiled.startUs, profiled.endUs, 8),
      };
    }
  } catch (e) {
    result.failure = `${step}: ${(e instanceof Error ? e.message : String(e)).slice(0, 500)}`;
    log(`${o.engine}: FAILED ${result.failure}`);
    await writer?.stop();
  }
  return result;
}

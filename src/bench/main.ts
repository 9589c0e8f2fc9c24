// kura's benchmark (npm run bench -- --help). Measures, in one run, each
// figure beside a limit measured on the same machine in the same run:
//   1. Ed25519 verifications/s with node:crypto on all cores;
//   2. signed submissions/s over HTTP to a kura server child, per engine: each
//      device sending its station's six contests in one request, as devices
//      do, and one result per request;
//   3. receipt latency at a fixed offered rate (open loop), per engine;
//   4. raw multi-row INSERT rows/s, per engine;
//   5. tally reads/s while ingesting, and a bare Fastify endpoint;
//   6. the server child's peak RSS;
//   7. election night under public load: kura cluster (writer, standby, two
//      readers, nginx) read by 1,024 connections while ingesting, the writer
//      killed halfway (PostgreSQL);
//   8. the whole Kenya night at maximum speed (kura demo --max-speed), per engine;
//      then the writer restarted on its store (time to serve again), and kura
//      verify against it, in full and with --state (PostgreSQL);
//   9. an audit's samples at Kenya's size: 1,000 stations, and 1,000 ballots;
//      the batch-comparison risk of 1,000 drawn stations, and its recomputation;
//  10. ballot-polling risk (BRAVO, Minerva) of 2,000 ballots drawn at Kenya's size.
// and writes bench/results.md and bench/results.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { measureAuditDraws } from './audit-draw.js';
import { measurePollingRisk } from './audit-polling.js';
import { measureAuditRisk } from './audit-risk.js';
import { Cleanup, REPO_ROOT, tempDir } from './children.js';
import { makeElection, presign } from './election.js';
import { type EngineResult, runEngine, slice, stationsNeeded } from './engine.js';
import { type KenyaNight, measureKenyaNight } from './kenya-night.js';
import { measureVerifyLimit } from './limits.js';
import { backgroundLoad, machineInfo } from './machine.js';
import { type BenchOptions, HELP, parseOptions } from './options.js';
import { measurePublicNight, type PublicNight, publicNightResults } from './public-night.js';
import { type BareLimits, measureBareLimit } from './reads.js';
import { type BenchResults, GOALS, renderMarkdown, renderProfileMarkdown } from './report.js';

const PROFILE_DIR = resolve(REPO_ROOT, 'bench', 'tmp', 'profiles');
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

/** The commit measured, and how many files under src/ differ from it (work in progress). */
function codeVersion(): { commit: string; changedSourceFiles: number } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  try {
    const changed = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return { commit: git('rev-parse', '--short', 'HEAD'), changedSourceFiles: changed };
  } catch {
    return { commit: 'unknown', changedSourceFiles: 0 };
  }
}

/** The tests on a synthetic election: each engine's throughput, latency and reads, the bare HTTP limit, the public night. */
async function runSyntheticTests(
  o: BenchOptions,
  cleanup: Cleanup,
): Promise<{
  election: BenchResults['election'];
  engines: EngineResult[];
  bare: BareLimits;
  publicNight: PublicNight | null;
}> {
  const stations = stationsNeeded(o);
  log(
    `making a synthetic election of ${stations} stations (kura election synthetic, six contests)`,
  );
  const election = await makeElection(join(tempDir(cleanup, 'election'), 'election'), stations);
  log(
    `election ${election.electionId} made in ${election.makeSeconds.toFixed(1)} s; pre-signing every station's results`,
  );
  const signed = presign(election.dir);
  log(`${signed.entries} results signed in ${signed.seconds.toFixed(1)} s`);
  const slices = slice(signed.stations, o);

  const profileDir = o.profile ? PROFILE_DIR : undefined;
  if (profileDir) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  const engines: EngineResult[] = [];
  for (const engine of o.engines) {
    engines.push(await runEngine(engine, o, election.dir, slices, cleanup, log, profileDir));
  }

  const tallyBytes = Math.max(0, ...engines.map((e) => e.reads?.bytesPerResponse ?? 0));
  log(
    `bare HTTP limit (${o.readConnections} connections, ${o.seconds} s; small JSON, then ${tallyBytes} bytes)`,
  );
  const bare = await measureBareLimit(cleanup, o.readConnections, o.seconds, tallyBytes || null);
  log(
    `bare: ${bare.small.requestsPerSecond} req/s, p99 ${bare.small.p99Ms} ms; sized: ${bare.sized?.requestsPerSecond} req/s`,
  );

  let publicNight: PublicNight | null = null;
  if (o.publicNight && o.engines.includes('postgres') && !o.profile) {
    log(
      `election night under public load: kura cluster, ${o.publicConnections} connections for ${o.publicNightSeconds} s, ${o.rate} results/s, the writer killed halfway`,
    );
    // Its own fresh database has seen none of these results.
    publicNight = await measurePublicNight(cleanup, log, {
      pgAdminUrl: o.pgAdminUrl,
      electionDir: election.dir,
      batches: signed.stations
        .map((s) => s.batch)
        .slice(0, Math.ceil(publicNightResults(o.rate, o.publicNightSeconds) / election.contests)),
      rate: o.rate,
      seconds: o.publicNightSeconds,
      connections: o.publicConnections,
      readers: 2,
      receiptGoalMs: GOALS.receiptP99Ms,
    });
  }
  return {
    election: {
      stations: election.stations,
      contests: election.contests,
      results: signed.entries,
      makeSeconds: Math.round(election.makeSeconds * 10) / 10,
      presignSeconds: Math.round(signed.seconds * 10) / 10,
    },
    engines,
    bare,
    publicNight,
  };
}

/** The audit's computations at Kenya's size, in this process. */
function measureAudits(): Pick<BenchResults, 'auditDraws' | 'auditRisk' | 'pollingRisk'> {
  log('audit samples at Kenya size: 1,000 stations by error bound, 1,000 ballots among all cast');
  const auditDraws = measureAuditDraws();
  log(
    `audit samples: stations in ${auditDraws.batchDrawSeconds} s, ballots in ${auditDraws.ballotDrawSeconds} s`,
  );

  log('batch-comparison risk at Kenya size: 1,000 stations drawn, the risk recomputed');
  const auditRisk = measureAuditRisk();
  log(
    `batch-comparison risk: ${auditRisk.riskMs} ms over ${auditRisk.draws} draws; ${auditRisk.recomputeMs} ms recomputed from the logged figures`,
  );

  log('ballot-polling risk: 2,000 ballots drawn among all cast, BRAVO and Minerva');
  const pollingRisk = measurePollingRisk();
  log(
    `ballot-polling risk: BRAVO ${pollingRisk.bravo.ms} ms, Minerva ${pollingRisk.minervaOneRound.ms} ms (one round), ${pollingRisk.minervaTwoRounds.ms} ms (two)`,
  );
  return { auditDraws, auditRisk, pollingRisk };
}

async function run(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (!o) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const cleanup = new Cleanup();
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: cleaning up`);
    void cleanup.run(log).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let started = new Date();
  let t0 = performance.now();
  try {
    const machine = machineInfo();
    let load = await backgroundLoad();
    const waitUntil = performance.now() + o.waitIdleSeconds * 1000;
    while (load.cores > 0.25 && performance.now() < waitUntil) {
      log(`waiting for the machine to be idle (${load.cores} cores busy)`);
      await new Promise((r) => setTimeout(r, 5000));
      load = await backgroundLoad(2000);
    }
    // The run starts now: the wait is not part of it.
    started = new Date();
    t0 = performance.now();
    log(
      `${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}; ${load.cores} cores busy before the run`,
    );

    log(`Ed25519-verify limit (${machine.cores} threads, ${o.limitSeconds} s per mode)`);
    const verify = await measureVerifyLimit(o.limitSeconds * 1000);
    log(
      `verify: ${verify.preparedPerSecond}/s prepared keys, ${verify.kuraFirstSightPerSecond}/s via kura's ed25519Verify on unseen keys`,
    );

    const synthetic = o.kenyaOnly ? null : await runSyntheticTests(o, cleanup);

    const kenyaNights: KenyaNight[] = [];
    if (o.kenyaNight && !o.profile) {
      // kura verify reads the same log bytes from either engine: it runs on one.
      const verifyOn = o.engines.includes('postgres') ? 'postgres' : o.engines[0];
      for (const engine of o.engines) {
        log(`the full Kenya 2022 night at maximum speed on ${engine} (kura demo --max-speed)`);
        const after = o.restartVerify
          ? {
              verify: engine === verifyOn,
              restartGoalSeconds: GOALS.restartSeconds,
              verifyGoalSeconds: GOALS.verifySeconds,
              verifyAgainGoalSeconds: GOALS.verifyAgainSeconds,
            }
          : null;
        const night = await measureKenyaNight(cleanup, log, engine, o.pgAdminUrl, after);
        log(
          `Kenya night on ${engine}: ${night.forms} forms in ${night.wallSeconds} s (${night.perSecond}/s), ${night.agrees ? 'tallies agree' : 'TALLIES DISAGREE'}, server peak RSS ${night.serverPeakRssMiB} MiB`,
        );
        kenyaNights.push(night);
      }
    }

    const audits = o.kenyaOnly ? {} : measureAudits();

    const results: BenchResults = {
      date: started.toISOString(),
      wallSeconds: 0,
      machine,
      code: codeVersion(),
      backgroundLoad: load,
      options: { ...o },
      election: synthetic?.election ?? null,
      limits: { verify, bare: synthetic?.bare ?? null },
      engines: synthetic?.engines ?? [],
      publicNight: synthetic?.publicNight ?? null,
      kenyaNights,
      ...audits,
    };
    results.wallSeconds = Math.round((performance.now() - t0) / 1000);
    const outDir = resolve(REPO_ROOT, o.outDir);
    mkdirSync(outDir, { recursive: true });
    if (o.profile) {
      writeFileSync(join(outDir, 'profile.md'), renderProfileMarkdown(results));
      log(`wrote ${join(outDir, 'profile.md')} (CPU profiles in ${PROFILE_DIR})`);
    } else {
      writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
      writeFileSync(join(outDir, 'results.md'), renderMarkdown(results));
      log(`wrote ${join(outDir, 'results.md')} and results.json in ${results.wallSeconds} s`);
    }
    process.stdout.write(renderMarkdown(results));
    return 0;
  } finally {
    await cleanup.run(log);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);

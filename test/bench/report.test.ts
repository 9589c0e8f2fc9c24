// bench/results.md's rows for the Kenya store after the night (src/bench/report.ts):
// the writer's restart and kura verify, each beside its issue-13 goal as a
// ratio, met or not; a goal not met names its slowest part; a failed step is
// shown as failed, not left out; a Kenya-only run renders without the engines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { KenyaNight } from '../../src/bench/kenya-night.js';
import type {
  AfterNight,
  StartupCheck,
  VerifyRun,
  WriterRestart,
} from '../../src/bench/kenya-restart.js';
import type { CpuUse } from '../../src/bench/machine.js';
import { parseOptions } from '../../src/bench/options.js';
import type { PublicNight } from '../../src/bench/public-night.js';
import { type BenchResults, renderMarkdown } from '../../src/bench/report.js';

const cpu = (seconds: number): CpuUse => ({
  seconds,
  server: 0.5,
  postgres: 0.1,
  bench: 0,
  machine: 2,
  others: 1.4,
  listenOverflows: 0,
});

const verifyRun = (wallSeconds: number, phases: Record<string, number>): VerifyRun => ({
  wallSeconds,
  cpuSeconds: wallSeconds * 1.5,
  peakRssMiB: 1100,
  phases,
  verdict: 'verified',
  exitCode: 0,
  entries: 276_710,
  signaturesChecked: 276_709,
  cpu: cpu(wallSeconds),
});

function night(engine: 'postgres' | 'pglite', afterNight?: AfterNight): KenyaNight {
  return {
    engine,
    forms: 276_709,
    wallSeconds: 110,
    perSecond: 2515,
    refused: 0,
    agrees: true,
    serverPeakRssMiB: 800,
    ...(afterNight ? { afterNight } : {}),
  };
}

function results(kenyaNights: KenyaNight[]): BenchResults {
  const options = parseOptions(['--kenya-only']);
  assert.ok(options);
  return {
    date: '2026-12-06T12:00:00.000Z',
    wallSeconds: 300,
    machine: {
      cores: 2,
      cpuModel: 'test',
      memoryGiB: 23.5,
      node: 'v20',
      platform: 'linux-x64',
      kernel: '6',
    },
    code: { commit: 'abc1234', changedSourceFiles: 0 },
    backgroundLoad: { cores: 0, loadavg1: 0 },
    options,
    election: null,
    limits: {
      verify: { threads: 2, preparedPerSecond: 20_000, kuraFirstSightPerSecond: 16_000 },
      bare: null,
    } as BenchResults['limits'],
    engines: [],
    publicNight: null,
    kenyaNights,
  };
}

const restartedPostgres: AfterNight = {
  restart: {
    seconds: 15,
    cpuSeconds: 18,
    peakRssMiB: 600,
    check: {
      entries: 276_710,
      tiles: 1087,
      checkpoints: 324,
      derivedRows: 287_454,
      seconds: 12,
      entriesSeconds: 9,
    },
    cpu: cpu(15),
  },
  restartProfile: null,
  verifies: true,
  verify: verifyRun(25, {
    trust: 0,
    'log fetch': 20,
    signatures: 14,
    fold: 6,
    views: 4,
    total: 25,
  }),
  verifyAgain: verifyRun(8, {
    trust: 0,
    'log fetch': 6,
    signatures: 0,
    fold: 3,
    views: 1.5,
    total: 8,
  }),
  serverPeakRssAfterVerifyMiB: 650,
  failure: null,
};

const rowsOf = (md: string, start: string) => md.split('\n').filter((l) => l.startsWith(start));

describe('bench report: the Kenya store after the night', () => {
  test('the restart with a kept fold and the one after a crash, each beside the goal', () => {
    const keptCheck = {
      ...(restartedPostgres.restart?.check as StartupCheck),
      keptEntries: 276_710,
    };
    const md = renderMarkdown(
      results([
        night('postgres', {
          ...restartedPostgres,
          restart: {
            ...(restartedPostgres.restart as WriterRestart),
            seconds: 8,
            check: { ...keptCheck, seconds: 6 },
          },
          crashRestart: { ...(restartedPostgres.restart as WriterRestart), seconds: 14 },
        }),
      ]),
    );
    const [restart] = rowsOf(md, '| Writer restarted');
    assert.match(
      restart ?? '',
      /\*\*8\.0 s\*\* \(CPU 18 s; start-up check of 276,710 entries, 276,710 of them in the kept fold 6\.0 s.* ≤ 10 s \| 0\.80 \(met\) \|$/,
    );
    const [crash] = rowsOf(md, '| ″ after a crash');
    assert.match(
      crash ?? '',
      /\*\*14 s\*\* .*slowest part: .* ≤ 10 s \| 1\.40 \(\*\*not met\*\*\) \|$/,
    );
    assert.match(
      md,
      /- Restart after a crash \(the kept fold removed\): first answer 14 s after the spawn/,
    );
    assert.match(
      md,
      /- Restart \(after the night's clean stop: the fold of 276,710 entries kept\): first answer 8\.0 s/,
    );
  });

  test('each figure beside its goal, met or not, the slowest part named where not met', () => {
    const md = renderMarkdown(results([night('postgres', restartedPostgres)]));
    const [restart] = rowsOf(md, '| Writer restarted');
    assert.match(
      restart ?? '',
      /\| \*\*15 s\*\* \(CPU 18 s; start-up check of 276,710 entries 12 s/,
    );
    assert.match(
      restart ?? '',
      /slowest part: start-up check: the entries \(read, hash, fold\) 9\.0 s\) \| \| \| ≤ 10 s \| 1\.50 \(\*\*not met\*\*\) \|$/,
    );
    const [crash] = rowsOf(md, '| ″ after a crash');
    assert.equal(crash, undefined, 'older results have no restart after a crash');
    const [rss] = rowsOf(md, '| ″ writer peak RSS (VmHWM) at its first answer');
    assert.match(rss ?? '', /600 MiB .* ≤ 512 MiB \| 1\.17 \(\*\*not met\*\*\) \|$/);
    const [verify] = rowsOf(md, '| `kura verify` of the Kenya log');
    assert.match(verify ?? '', /\(276,710 entries\)/);
    // Met: no slowest phase; the signatures' floor is 276,709 / 20,000 = 13.8 s, 0.55 of 25 s.
    assert.match(
      verify ?? '',
      /\*\*25 s\*\* \(CPU 38 s; verified\) \| its 276,709 signatures at the Ed25519 limit: 13\.8 s \| 0\.55 \| ≤ 30 s \| 0\.83 \(met\) \|$/,
    );
    const [again] = rowsOf(md, '| ″ again with the same `--state`');
    assert.match(
      again ?? '',
      /\*\*8\.0 s\*\* \(CPU 12 s; verified; slowest phase: log fetch 6\.0 s\) .* ≤ 5 s \| 1\.60 \(\*\*not met\*\*\) \|$/,
    );
    // Details: each phase, named for what it measures, verify's total left out.
    assert.match(
      md,
      /Phases \(wall\): trust 0\.0 s, log fetch 20 s, signatures \(log fetch start → last verdict\) 14 s, fold \(its own time, during the fetch\) 6\.0 s, views 4\.0 s\./,
    );
    assert.doesNotMatch(md, /total 25/);
    // CPU table: the restart and both verify runs.
    assert.equal(rowsOf(md, '| PostgreSQL | writer restart on the Kenya store').length, 1);
    assert.equal(rowsOf(md, '| PostgreSQL | kura verify').length, 2);
  });

  test('a verify run that missed its goal: where its CPU went, main thread and workers', () => {
    const share = (name: string, pct: number) => ({ name, ms: pct * 10, pct });
    const summary = (file: string, top: string) => ({
      file,
      sampledMs: 1000,
      idlePct: 12,
      byArea: [share('idle', 12), share('kura', 60), share('garbage collection', 28)],
      bySelf: [share(top, 40)],
      kuraInclusive: [share(top, 55)],
    });
    const profiled: AfterNight = {
      ...restartedPostgres,
      verifyProfile: {
        seconds: 33,
        main: summary('CPU.main.cpuprofile', 'applyResult (fold.ts)'),
        workers: summary('2 worker threads', 'checkEntries (entry-checks.ts)'),
      },
      verifyAgainProfile: {
        seconds: 9,
        main: summary('CPU.main.cpuprofile', 'mirrorLog (mirror.ts)'),
        workers: null,
      },
    };
    const md = renderMarkdown(results([night('postgres', profiled)]));
    const first = md
      .split('\n')
      .filter((l) => l.startsWith("- Where the first `kura verify`'s CPU goes"));
    assert.equal(first.length, 1);
    assert.match(
      first[0] ?? '',
      /from an empty state directory, 33 s; spawn to exit\): main thread sampled 1,000 ms, idle 12%; by area: kura 60%, garbage collection 28%; kura functions \(inclusive\): `applyResult \(fold\.ts\)` 55%\./,
    );
    assert.match(
      md,
      /- Its worker threads \(2 worker threads, added up\): .*`checkEntries \(entry-checks\.ts\)` 55%\./,
    );
    assert.match(
      md,
      /- Where `kura verify --state`'s CPU goes \(it missed its goal: the same run again under `node --cpu-prof`, 9\.0 s; spawn to exit\): .*`mirrorLog \(mirror\.ts\)` 55%/,
    );
    // Not profiled (older results, or the goals met): no such lines.
    assert.doesNotMatch(
      renderMarkdown(results([night('postgres', restartedPostgres)])),
      /CPU goes/,
    );
  });

  test('the goals met: no slowest part named', () => {
    const fast: AfterNight = {
      ...restartedPostgres,
      restart: restartedPostgres.restart && { ...restartedPostgres.restart, seconds: 8 },
      verifyAgain: verifyRun(3, { 'log fetch': 2, total: 3 }),
    };
    const md = renderMarkdown(results([night('postgres', fast)]));
    assert.match(rowsOf(md, '| Writer restarted')[0] ?? '', /\| 0\.80 \(met\) \|$/);
    assert.match(rowsOf(md, '| ″ again with the same')[0] ?? '', /\| 0\.60 \(met\) \|$/);
    assert.doesNotMatch(md, /slowest/);
  });

  test('a standby takeover on the store, beside the 5 s goal; absent in older results', () => {
    const check = restartedPostgres.restart?.check as StartupCheck;
    const takeover = (seconds: number): AfterNight => ({
      ...restartedPostgres,
      takeover: {
        followSeconds: 9.4,
        seconds,
        check: { ...check, seconds: 2.7, entriesSeconds: 0, tailEntries: 12 },
      },
    });
    const row = (a: AfterNight) =>
      rowsOf(renderMarkdown(results([night('postgres', a)])), '| Standby takeover')[0];
    assert.match(
      row(takeover(3.1)) ?? '',
      /\*\*3\.1 s\*\* \(it followed the whole log first, 9\.4 s after its start; at the takeover it checked the tail of 12 entries, the tiles, checkpoints and 287,454 derived rows in 2\.7 s\) \| \| \| ≤ 5 s \| 0\.62 \(met\) \|$/,
    );
    assert.match(row(takeover(6)) ?? '', /\| 1\.20 \(\*\*not met\*\*\) \|$/);
    assert.equal(row(restartedPostgres), undefined);
  });

  test('a verify that exits with findings does not meet its goal, however fast', () => {
    const findings: AfterNight = {
      ...restartedPostgres,
      verify: { ...verifyRun(20, { 'log fetch': 15 }), verdict: 'findings', exitCode: 1 },
    };
    const md = renderMarkdown(results([night('postgres', findings)]));
    assert.match(
      rowsOf(md, '| `kura verify` of the Kenya log')[0] ?? '',
      /\*\*findings, exit 1\*\*; slowest phase: log fetch 15 s\).* 0\.67 \(\*\*not met\*\*\) \|$/,
    );
  });

  test('a failed step is shown as failed, and so are the steps it kept from running', () => {
    const failed: AfterNight = {
      restart: null,
      restartProfile: null,
      verifies: true,
      verify: null,
      verifyAgain: null,
      serverPeakRssAfterVerifyMiB: null,
      failure: 'restart the writer on the store: kura serve exited (1) before it was ready',
    };
    const md = renderMarkdown(results([night('postgres', failed)]));
    const rows = rowsOf(md, '|').filter((l) => l.includes('**failed:** restart the writer'));
    assert.equal(rows.length, 3, 'the restart and both verify runs');
    for (const row of rows) assert.match(row, /\| — \(\*\*not met\*\*\) \|$/);
    assert.match(md, /- \*\*Failed:\*\* restart the writer on the store: kura serve exited/);
  });

  test('verify runs on one engine: the other shows only its restart', () => {
    const pglite: AfterNight = {
      ...restartedPostgres,
      verifies: false,
      verify: null,
      verifyAgain: null,
    };
    const md = renderMarkdown(
      results([night('pglite', pglite), night('postgres', restartedPostgres)]),
    );
    assert.equal(rowsOf(md, '| Writer restarted').length, 2);
    assert.equal(rowsOf(md, '| `kura verify`').length, 1);
    assert.match(rowsOf(md, '| `kura verify`')[0] ?? '', /\| PostgreSQL \|/);
  });

  test('results from before these steps render without their rows', () => {
    const md = renderMarkdown(results([night('postgres')]));
    assert.match(md, /\| Full Kenya night, six contests/);
    assert.equal(rowsOf(md, '| Writer restarted').length, 0);
    assert.match(md, /Only the Kenya scenario ran/);
  });
});

describe('bench report: the public night', () => {
  const latency = { count: 100, p50: 80, p90: 300, p99: 700, max: 1000, mean: 120 };
  const publicNight = (generator?: 'wrk' | 'autocannon'): PublicNight => ({
    readers: 2,
    seconds: 30,
    offeredPerSecond: 1000,
    kenyaPeak: {
      presidentialUploadsInBusiestMinute: 255,
      minuteStart: null,
      contests: 6,
      formsPerSecond: 25.5,
    },
    clusterStartSeconds: 9,
    ingest: {
      sent: 33_000,
      attempts: 6000,
      acknowledged: 33_000,
      gaveUp: 0,
      byStatus: { '201': 6000 },
      connectionErrors: 0,
      errorSamples: [],
      latency,
      latencyAll: latency,
      latencyBeforeKill: latency,
      backlogClearedMs: 0,
      exhausted: false,
      stalled: false,
    },
    reads: {
      ...(generator ? { generator } : {}),
      requestsPerSecond: 21_000,
      p50Ms: 30,
      p99Ms: 400,
      non2xx: 0,
      errors: 0,
      connections: 1024,
      bytesPerResponse: 5000,
      tallyPaths: 8,
      tilePaths: 8,
      cache: { HIT: 630_000 },
      cacheHitShare: 1,
    },
    failover: { killedAfterSeconds: 15, writerlessMs: 900, standbyServingMs: 600 },
    audit: {
      finalSize: 33_001,
      acknowledged: 33_000,
      lost: 0,
      lostSamples: [],
      checkpoints: 800,
      forks: 0,
      forkSamples: [],
    },
    checkpointSamples: 20,
    cpu: {
      ...cpu(32),
      machine: 1.98,
      postgres: 0.1,
      bench: 0.15,
      kura: 0.7,
      nginx: 0.5,
      ...(generator === 'wrk' ? { reads: 0.45 } : {}),
    },
  });
  const render = (p: PublicNight) => renderMarkdown({ ...results([]), publicNight: p });

  test('reads through wrk: named, beside the goal, and its CPU counted as the bench', () => {
    const md = render(publicNight('wrk'));
    const [reads] = rowsOf(md, '| ″ reads/s through the front');
    assert.match(reads ?? '', /\*\*21,000\/s\*\* \(wrk; p50 30 ms/);
    assert.match(reads ?? '', /≥ 30,000\/s \| 0\.70 \(\*\*not met\*\*\)/);
    const [cpuRow] = rowsOf(md, '| PostgreSQL | public night');
    // bench 0.15 + wrk 0.45; others = 1.98 - 0.7 - 0.5 - 0.1 - 0.15 - 0.45.
    assert.match(cpuRow ?? '', /\| 0\.6 \(wrk 0\.45\) \| 0\.08 \| 1\.98 \/ 2 \|/);
    assert.match(md, /bench \(the sender\) 0\.15, wrk 0\.45, whole machine/);
    assert.match(md, /- Reads \(Debian's wrk, one thread, nice 19\): 1,024 connections/);
    // The one process's tally reads still come from autocannon: the ratio says so.
    const committed = JSON.parse(
      readFileSync(new URL('../../bench/results.json', import.meta.url), 'utf8'),
    ) as BenchResults;
    const single = committed.engines.find((e) => e.engine === 'postgres')?.reads;
    assert.ok(single, 'the committed results have PostgreSQL tally reads');
    single.requestsPerSecond = 7000;
    single.generator = 'autocannon';
    const withSingle = renderMarkdown({ ...committed, publicNight: publicNight('wrk') });
    assert.match(
      rowsOf(withSingle, "| ″ reads ÷ one process's")[0] ?? '',
      /21,000\/s \(read by wrk, the one process by autocannon, .*generators'\) \| .*7,000\/s \| 3\.00 \|/,
    );
    // Both from wrk: one generator, no caveat; the one process's rows name it, and its CPU.
    single.generator = 'wrk';
    single.cpu = { ...single.cpu, bench: 0.5, wrk: 0.3 };
    const both = renderMarkdown({ ...committed, publicNight: publicNight('wrk') });
    assert.match(
      rowsOf(both, "| ″ reads ÷ one process's")[0] ?? '',
      /\| 21,000\/s \| one kura process, tally reads while ingesting: 7,000\/s \| 3\.00 \|/,
    );
    assert.match(
      rowsOf(both, '| Tally reads/s').find((l) => l.includes('PostgreSQL')) ?? '',
      /\*\*7,000\/s\*\* \(wrk; 0 errors;/,
    );
    assert.match(
      rowsOf(both, '| PostgreSQL | tally reads + ingest')[0] ?? '',
      /\| 0\.5 \(wrk 0\.3\) \|/,
    );
    assert.match(both, /- Reads: .*; read by Debian's wrk \(one thread, nice 19\)\./);
  });

  test('a figure just short of its goal is not rounded onto it', () => {
    const p = publicNight('wrk');
    const row = (requestsPerSecond: number) =>
      rowsOf(render({ ...p, reads: { ...p.reads, requestsPerSecond } }), '| ″ reads/s through')[0];
    assert.match(row(29_990) ?? '', /\| 0\.9997 \(\*\*not met\*\*\) \|$/);
    assert.match(row(29_880) ?? '', /\| 0\.996 \(\*\*not met\*\*\) \|$/);
    assert.match(row(30_000) ?? '', /\| 1\.00 \(met\) \|$/);
    assert.match(row(30_100) ?? '', /\| 1\.003 \(met\) \|$/);
    assert.match(row(31_000) ?? '', /\| 1\.03 \(met\) \|$/);
  });

  test('results from before wrk say autocannon, whose CPU was the bench process', () => {
    for (const p of [publicNight(), publicNight('autocannon')]) {
      const md = render(p);
      assert.match(rowsOf(md, '| ″ reads/s through the front')[0] ?? '', /\(autocannon; p50/);
      assert.match(rowsOf(md, '| PostgreSQL | public night')[0] ?? '', /\| 0\.15 \| 0\.53 \|/);
      assert.match(md, /bench \(autocannon and the sender\) 0\.15/);
      assert.match(md, /- Reads \(autocannon, a thread of the bench\)/);
    }
  });
});

// bench/results.md (readable) from the results bench/results.json holds.
import type { EngineResult } from './engine.js';
import type { VerifyLimit } from './limits.js';
import type { MachineInfo } from './machine.js';
import type { BenchOptions } from './options.js';
import type { ProfileSummary } from './profile.js';
import type { ReadFigures } from './reads.js';

export interface BenchResults {
  date: string;
  wallSeconds: number;
  machine: MachineInfo;
  code: { commit: string; changedSourceFiles: number };
  /** Cores busy before the run with the bench idle (other users of the machine), and the 1-min load average. */
  backgroundLoad: { cores: number; loadavg1: number };
  options: BenchOptions;
  election: { stations: number; makeSeconds: number; presignSeconds: number };
  limits: { verify: VerifyLimit; bare: ReadFigures };
  engines: EngineResult[];
}

/** The goals of the issue. */
export const GOALS = {
  submissionsPerSecond: { postgres: 5000, pglite: 2000 },
  receiptP99Ms: 1500,
  readsPerSecond: 10_000,
  readP99Ms: 50,
};

const ENGINE_NAME = { pglite: 'PGlite', postgres: 'PostgreSQL' } as const;
const n = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const ms = (x: number) =>
  Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US')} ms` : '—';
const ratio = (x: number) =>
  Number.isFinite(x) ? (x >= 10 ? x.toFixed(0) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3)) : '—';
const met = (ok: boolean) => (ok ? 'met' : '**not met**');
const statuses = (by: Record<string, number>) =>
  Object.entries(by)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${n(v)}`)
    .join(', ');

function figuresTable(r: BenchResults): string[] {
  const { verify, bare } = r.limits;
  const rows: string[] = [
    '| Measure | Engine | Figure | Limit measured in this run | Figure ÷ limit | Goal | Figure ÷ goal |',
    '| --- | --- | --- | --- | ---: | --- | ---: |',
  ];
  for (const e of r.engines) {
    const name = ENGINE_NAME[e.engine];
    const t = e.throughput;
    const goal = GOALS.submissionsPerSecond[e.engine];
    rows.push(
      `| Signed submissions/s, ${t.concurrency} in flight | ${name} | **${n(t.perSecond)}/s** (${n(t.errors)} errors) | Ed25519 verify, ${verify.threads} cores: ${n(verify.preparedPerSecond)}/s | ${ratio(t.perSecond / verify.preparedPerSecond)} | ≥ ${n(goal)}/s | ${ratio(t.perSecond / goal)} (${met(t.perSecond >= goal)}) |`,
    );
    rows.push(
      `| Submissions/s ÷ raw INSERT rows/s | ${name} | ${n(t.perSecond)}/s | raw multi-row INSERT: ${n(e.rawInsert.rowsPerSecond)} rows/s | ${ratio(t.perSecond / e.rawInsert.rowsPerSecond)} | | |`,
    );
    const l = e.latency;
    rows.push(
      `| Receipt latency at ${n(l.offeredPerSecond)}/s offered (open loop, ${l.seconds} s) | ${name} | p50 ${ms(l.latency.p50)}, **p99 ${ms(l.latency.p99)}** (${n(l.errors)} errors) | batching period ~200 ms (floor) | | p99 ≤ ${n(GOALS.receiptP99Ms)} ms | ${ratio(l.latency.p99 / GOALS.receiptP99Ms)} (${met(l.latency.p99 <= GOALS.receiptP99Ms && l.errors === 0)}) |`,
    );
    const rd = e.reads;
    rows.push(
      `| Tally reads/s, ${rd.connections} connections, ingesting ${n(rd.ingest.rate)}/s | ${name} | **${n(rd.requestsPerSecond)}/s** (${n(rd.non2xx + rd.errors)} errors) | bare Fastify: ${n(bare.requestsPerSecond)}/s | ${ratio(rd.requestsPerSecond / bare.requestsPerSecond)} | ≥ ${n(GOALS.readsPerSecond)}/s | ${ratio(rd.requestsPerSecond / GOALS.readsPerSecond)} (${met(rd.requestsPerSecond >= GOALS.readsPerSecond)}) |`,
    );
    rows.push(
      `| Tally read latency p99 | ${name} | **${ms(rd.p99Ms)}** (p50 ${ms(rd.p50Ms)}) | bare Fastify p99: ${ms(bare.p99Ms)} | ${ratio(rd.p99Ms / bare.p99Ms)} | ≤ ${GOALS.readP99Ms} ms | ${ratio(rd.p99Ms / GOALS.readP99Ms)} (${met(rd.p99Ms <= GOALS.readP99Ms)}) |`,
    );
    rows.push(
      `| Server peak RSS (VmHWM) | ${name} | ${e.peakRssMiB === null ? '—' : `${n(e.peakRssMiB)} MiB`} | machine: ${r.machine.memoryGiB} GiB | | | |`,
    );
  }
  return rows;
}

function cpuTable(r: BenchResults): string[] {
  const rows = [
    '| Engine | Phase | Seconds | kura server | PostgreSQL | bench (load) | other processes | whole machine |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const e of r.engines) {
    const name = ENGINE_NAME[e.engine];
    for (const [phase, c] of [
      ['submissions (throughput)', e.throughput.cpu],
      ['receipt latency', e.latency.cpu],
      ['tally reads + ingest', e.reads.cpu],
    ] as const) {
      rows.push(
        `| ${name} | ${phase} | ${c.seconds} | ${c.server} | ${e.engine === 'postgres' ? c.postgres : '(in server)'} | ${c.bench} | ${c.others} | ${c.machine} / ${r.machine.cores} |`,
      );
    }
  }
  const b = r.limits.bare.cpu;
  rows.push(
    `| — | bare Fastify | ${b.seconds} | ${b.server} | | ${b.bench} | ${b.machine} / ${r.machine.cores} |`,
  );
  return rows;
}

function details(r: BenchResults): string[] {
  const out: string[] = [];
  for (const e of r.engines) {
    const name = ENGINE_NAME[e.engine];
    const t = e.throughput;
    const l = e.latency;
    const rd = e.reads;
    const ingest = rd.ingest.result;
    out.push(
      `### ${name}`,
      '',
      `- Server start (empty store, entry 0, definition of ${n(r.election.stations)} stations): ${e.serverStartSeconds} s; stop (SIGTERM to exit): ${e.serverStopSeconds} s, exit code ${e.serverExitCode}; warm-up ${n(e.warmup.ok)}/${n(e.warmup.sent)} results (not timed).`,
      `- Throughput: ${n(t.sent)} results sent by ${t.concurrency} concurrent devices in ${t.seconds} s; answers: ${statuses(t.byStatus)}. Receipt latency under this load: p50 ${ms(t.latency.p50)}, p99 ${ms(t.latency.p99)}, max ${ms(t.latency.max)}. With ${t.concurrency} in flight and a mean latency of ${ms(t.latency.mean)}, the most this client could see is ${n((t.concurrency * 1000) / t.latency.mean)}/s (in flight ÷ latency).`,
      `- Latency test: ${n(l.sent)} results offered at ${n(l.offeredPerSecond)}/s; ${n(l.achievedPerSecond)}/s answered; answers: ${statuses(l.byStatus)}; latency p50 ${ms(l.latency.p50)}, p90 ${ms(l.latency.p90)}, p99 ${ms(l.latency.p99)}, max ${ms(l.latency.max)}${l.exhausted ? ' (the pre-signed results ran out early)' : ''}.`,
      `- Reads: ${n(rd.bytesPerResponse)} bytes per tally response; ${n(rd.non2xx)} non-2xx, ${n(rd.errors)} errors, ${n(rd.unanswered)} unanswered when the run ended. Ingest during the reads: ${n(ingest.sent)} results offered at ${n(rd.ingest.rate)}/s, answers: ${statuses(ingest.byStatus)}; receipt p99 ${ms(percentile99(ingest.latencies))}.`,
      `- Raw INSERT limit: ${n(e.rawInsert.rowsPerSecond)} rows/s (${e.rawInsert.rowsPerStatement} rows of ${e.rawInsert.rowBytes} bytes per autocommitted statement, ${n(e.rawInsert.statements)} statements).`,
    );
    const samples = [...t.errorSamples, ...l.errorSamples, ...ingest.errorSamples];
    if (samples.length)
      out.push(
        `- First errors: ${samples
          .slice(0, 3)
          .map((s) => `\`${s.replace(/`/g, "'").slice(0, 200)}\``)
          .join('; ')}`,
      );
    out.push('');
  }
  return out;
}

function percentile99(latencies: ArrayLike<number>): number {
  const s = Float64Array.from(latencies).sort();
  return s.length
    ? (s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)] as number)
    : Number.NaN;
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const { verify, bare } = r.limits;
  return [
    '# kura benchmark',
    '',
    `Run on ${r.date.slice(0, 10)} (${r.date}), ${r.wallSeconds} s in all. Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform} (Linux ${m.kernel}). The bench, the kura server child and PostgreSQL share these cores. Code: commit ${r.code.commit}${r.code.changedSourceFiles ? ` plus uncommitted changes to ${r.code.changedSourceFiles} files under src/` : ''}.`,
    '',
    `Other load on the machine before the run: ${r.backgroundLoad.cores} cores busy, load average ${r.backgroundLoad.loadavg1}${r.backgroundLoad.cores > 0.2 ? ' — **the machine was not idle; every figure below is depressed by it** (see "other processes" under CPU use)' : ''}.`,
    '',
    `Election: synthetic, president only, ${n(r.election.stations)} stations (made by \`kura election synthetic\` in ${r.election.makeSeconds} s; one result per station pre-signed in ${r.election.presignSeconds} s, before any timed part). Options: ${r.options.quick ? '--quick, ' : ''}${n(r.options.stations)} results in the throughput test, ${r.options.concurrency} in flight; latency and read tests ${r.options.seconds} s at ${n(r.options.rate)}/s.`,
    '',
    '## Figures, limits and goals',
    '',
    ...figuresTable(r),
    '',
    'A goal ratio is figure ÷ goal: ≥ 1 meets a throughput goal, ≤ 1 a latency goal. "Errors" are answers other than 201 with a receipt (transport failures included); each figure counts only 201s.',
    '',
    '## Limits',
    '',
    `- Ed25519 verify (node:crypto, ${verify.threads} worker threads, ${r.options.limitSeconds} s): ${n(verify.preparedPerSecond)}/s with prepared public keys; ${n(verify.kuraFirstSightPerSecond)}/s through kura's own \`ed25519Verify\` on keys it has not seen yet (key import from the raw 32 bytes included), which is the server's case for every device's first result.`,
    `- Bare HTTP: a Fastify child answering a ${n(bare.bytesPerResponse)}-byte JSON, autocannon ${bare.connections} connections ${bare.seconds} s: ${n(bare.requestsPerSecond)} req/s, p50 ${ms(bare.p50Ms)}, p99 ${ms(bare.p99Ms)} (${n(bare.non2xx + bare.errors)} errors).`,
    ...r.engines.map(
      (e) => `- Raw INSERT, ${ENGINE_NAME[e.engine]}: ${n(e.rawInsert.rowsPerSecond)} rows/s.`,
    ),
    '',
    '## Details',
    '',
    ...details(r),
    '## CPU use per phase (cores busy on average)',
    '',
    ...cpuTable(r),
    '',
    '## How it is measured',
    '',
    '- The kura server runs as a child process (`node bin/kura.js serve`), on a fresh store per engine: PGlite in a temporary directory, PostgreSQL in a database created for the run; both are removed at the end.',
    '- Senders run in a worker thread of the bench, through keep-alive `node:http` (`HttpClient` of src/simulate/replay.ts), without retries: a 503 or a reset is an error here.',
    '- Throughput is a closed loop: each device sends its next result when it has the receipt. Since the server answers only once a batch is durable and signed (period ~200 ms), in flight ÷ latency bounds what one client can see (shown under Details).',
    '- The latency test is an open loop: sends follow a timetable, and latency runs from the scheduled time, so queueing in the client or the server is counted.',
    "- Tally reads: autocannon in the bench process, while a worker sends results at the latency test's rate; the bare limit is a minimal Fastify child measured the same way (without ingest).",
    "- Raw INSERT: one multi-row INSERT of 1,000 rows per autocommitted statement into `bench_scratch (idx bigint PRIMARY KEY, data bytea)`; PGlite directly through @electric-sql/pglite with kura's start parameters (WAL written O_DSYNC), PostgreSQL through pg.",
    '- Peak RSS is VmHWM of the server child read from /proc just before it is stopped.',
    '',
  ].join('\n');
}

function profileSection(title: string, p: ProfileSummary): string[] {
  return [
    `#### ${title}`,
    '',
    `Sampled ${n(p.sampledMs)} ms of the server's main thread; idle ${p.idlePct}%.`,
    '',
    '| Area (self time) | ms | share |',
    '| --- | ---: | ---: |',
    ...p.byArea.map((s) => `| ${s.name} | ${n(s.ms)} | ${s.pct}% |`),
    '',
    '| Function (self time) | ms | share |',
    '| --- | ---: | ---: |',
    ...p.bySelf.map((s) => `| \`${s.name}\` | ${n(s.ms)} | ${s.pct}% |`),
    '',
    '| kura function (inclusive) | ms | share |',
    '| --- | ---: | ---: |',
    ...p.kuraInclusive.map((s) => `| \`${s.name}\` | ${n(s.ms)} | ${s.pct}% |`),
    '',
  ];
}

export function renderProfileMarkdown(r: BenchResults): string {
  const out = [
    '# kura server CPU profile',
    '',
    `Run on ${r.date} with \`npm run bench -- --profile\`: the server children ran under \`node --cpu-prof\` (so the figures below carry the profiler's overhead; bench/results.md has the clean ones). Samples are cut to each phase's time window.`,
    '',
  ];
  for (const e of r.engines) {
    if (!e.profile) continue;
    out.push(`## ${ENGINE_NAME[e.engine]}`, '');
    out.push(
      `Throughput under the profiler: ${n(e.throughput.perSecond)}/s (${e.throughput.concurrency} in flight).`,
      '',
    );
    out.push(...profileSection('Submissions (throughput phase)', e.profile.submissions));
    out.push(
      ...profileSection(
        `Receipt latency phase (${n(e.latency.offeredPerSecond)}/s offered)`,
        e.profile.latency,
      ),
    );
    out.push(...profileSection('Tally reads while ingesting', e.profile.reads));
  }
  out.push('## Figures measured under the profiler', '', ...figuresTable(r), '');
  return out.join('\n');
}

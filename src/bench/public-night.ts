// Election night under public load (issue 13, item 4): `kura cluster` on a
// fresh PostgreSQL database (writer, hot standby, two readers, nginx in
// front), and through the front, at once:
//   - the stations' results sent open loop at the bench's rate, each resent
//     with the same bytes when refused or cut off, as devices do;
//   - the public: connections reading tallies (national and counties) and
//     full tiles, gzip accepted, from Debian's wrk where it is installed
//     (wrk.ts says why), from autocannon otherwise;
//   - the failover: halfway through the reads the writer is killed (SIGKILL)
//     and the standby must take over behind the same front;
//   - checkpoints sampled every 200 ms.
// Afterwards every receipt is checked against the final log and every
// checkpoint seen against the final one (night-audit.ts).
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { Cluster } from '../cluster/cluster.js';
import type { Entry } from '../election/entries.js';
import { encodeEntry } from '../election/entries.js';
import { KENYA_2022_CONTESTS } from '../kenya/definition.js';
import { loadKenya2022 } from '../kenya/kenya2022.js';
import { parseVerifierKey } from '../log/note.js';
import { entryBundlePath, TILE_WIDTH } from '../log/tiles.js';
import { Terminal } from '../platform/terminal.js';
import { serverTileReader } from '../verify/checkpoint.js';
import { HttpLogReader } from '../verify/http-reader.js';
import { type Cleanup, createDatabase } from './children.js';
import { readDefinition } from './election.js';
import { CpuMeter, type CpuUse, processCpuSeconds } from './machine.js';
import { auditNight, busiestWindow, memoTiles, type NightAudit } from './night-audit.js';
import { type SendResult, startSender } from './send.js';
import { type LatencySummary, round, summarize } from './stats.js';
import { findWrk, type ReadGenerator, runWrk } from './wrk.js';

/** The Kenya 2022 peak: the busiest minute of presidential uploads, as forms/s for all six contests. */
export interface KenyaPeak {
  presidentialUploadsInBusiestMinute: number;
  /** When that minute started (ISO). */
  minuteStart: string | null;
  contests: number;
  formsPerSecond: number;
}

export function kenyaPeak(): KenyaPeak {
  const times = loadKenya2022()
    .stations.map((s) => s.uploadedAt)
    .filter((t): t is number => t !== null);
  const busiest = busiestWindow(times, 60);
  const contests = KENYA_2022_CONTESTS.length;
  return {
    presidentialUploadsInBusiestMinute: busiest.count,
    minuteStart: busiest.start === null ? null : new Date(busiest.start * 1000).toISOString(),
    contests,
    formsPerSecond: round((busiest.count / 60) * contests, 1),
  };
}

export interface PublicNight {
  readers: number;
  /** Seconds the public reads ran (the ingest ran from before them to their end). */
  seconds: number;
  offeredPerSecond: number;
  kenyaPeak: KenyaPeak;
  clusterStartSeconds: number;
  ingest: {
    /** Results scheduled; attempts are requests (a batch each), every resend included. */
    sent: number;
    attempts: number;
    acknowledged: number;
    /** Batches still refused when their retry time ran out. */
    gaveUp: number;
    /** Every answer (each attempt), by status; "0 ..." is a connection error. */
    byStatus: Record<string, number>;
    connectionErrors: number;
    errorSamples: string[];
    /**
     * From each result's scheduled time to its receipt, over the results
     * scheduled while the public read, outside the failover (from a receipt
     * goal before the kill to the new writer's first receipt).
     */
    latency: LatencySummary;
    /** The same over every result of the run, the failover included. */
    latencyAll: LatencySummary;
    /**
     * The same over the results scheduled while the public read, up to the
     * receipt goal before the kill: what the reads alone do to receipts.
     */
    latencyBeforeKill?: LatencySummary;
    /**
     * From the new writer's first receipt to the scheduled time of the last
     * result over the receipt goal: how long the resent backlog took to clear
     * (0: none was over it); null: no new writer.
     */
    backlogClearedMs?: number | null;
    exhausted: boolean;
    stalled: boolean;
  };
  reads: {
    /** What generated the reads (results before wrk: autocannon). */
    generator?: ReadGenerator;
    requestsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    non2xx: number;
    errors: number;
    connections: number;
    bytesPerResponse: number;
    tallyPaths: number;
    tilePaths: number;
    /** Front access log: answers of the reads by cache status (HIT, MISS, EXPIRED, UPDATING, ...). */
    cache: Record<string, number>;
    /** HIT (and STALE/UPDATING/REVALIDATED, served by nginx) ÷ all read answers logged; null without a log. */
    cacheHitShare: number | null;
  };
  failover: {
    /** Seconds into the reads when the writer was killed. */
    killedAfterSeconds: number;
    /** From the kill to the first receipt for a result sent after it (the standby now writes); null: none came. */
    writerlessMs: number | null;
    /** From the kill to the standby's "serving" line (it holds the lease and listens); null: never. */
    standbyServingMs: number | null;
  };
  audit: NightAudit;
  checkpointSamples: number;
  /**
   * CPU over the reads: the kura processes of the cluster, nginx, PostgreSQL,
   * the bench, wrk (a process of its own: `reads`; absent with autocannon, a
   * thread of the bench), the machine.
   */
  cpu: CpuUse & { kura: number; nginx: number; reads?: number };
  /** Why the scenario was cut short, if it was. */
  failure?: string;
}

/** The reads' totals, from either generator. */
interface ReadTotals {
  generator: ReadGenerator;
  /** Answers with a 2xx status. */
  ok: number;
  /** Answers of any status. */
  answers: number;
  non2xx: number;
  errors: number;
  seconds: number;
  bytes: number;
  p50Ms: number;
  p99Ms: number;
  /** The generator's own CPU seconds; null when it ran inside the bench process. */
  cpuSeconds: number | null;
}

/** The public's reads: with wrk where it is installed, with autocannon (in a thread of this process) otherwise. */
async function readThroughFront(
  front: string,
  paths: readonly string[],
  connections: number,
  seconds: number,
): Promise<ReadTotals> {
  const headers = { 'accept-encoding': 'gzip, deflate, br' };
  const wrk = findWrk();
  if (wrk) {
    // At the lowest priority: it stands for the public's own machines, whose
    // CPU is not the servers'; it takes what the cluster leaves. Without it,
    // it took CPU from the writer taking over (receipts p99 outside the
    // failover 4.5 and 8.4 s in two runs; 1.6 to 2.7 s in four at nice 19).
    const w = await runWrk({ wrk, url: front, paths, connections, seconds, headers, nice: 19 });
    const { connect, read, write, timeout } = w.errors;
    return {
      generator: 'wrk',
      ok: w.requests - w.non2xx,
      answers: w.requests,
      non2xx: w.non2xx,
      errors: connect + read + write + timeout,
      seconds: w.seconds,
      bytes: w.bytes,
      p50Ms: w.latencyMs.p50,
      p99Ms: w.latencyMs.p99,
      cpuSeconds: w.cpuSeconds,
    };
  }
  const r = await autocannon({
    url: front,
    connections,
    duration: seconds,
    timeout: 10,
    headers,
    // Its own thread: the kill, on time, and the checkpoint samples need this one.
    workers: 1,
    requests: paths.map((path) => ({ method: 'GET' as const, path })),
  });
  const answered = r.requests.total > 0;
  return {
    generator: 'autocannon',
    ok: r['2xx'],
    answers: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    seconds: r.duration,
    bytes: r.throughput.total,
    // No answer at all: the latency is at least the whole run, not 0.
    p50Ms: answered ? r.latency.p50 : Number.POSITIVE_INFINITY,
    p99Ms: answered ? r.latency.p99 : Number.POSITIVE_INFINITY,
    cpuSeconds: null,
  };
}

export interface PublicNightOptions {
  pgAdminUrl: string;
  electionDir: string;
  /**
   * Pre-signed batches none of which the fresh database has seen: each one
   * device's results (POST /api/v1/results/batch), as devices send them.
   */
  batches: readonly string[];
  /** Results (not batches) offered per second. */
  rate: number;
  seconds: number;
  connections: number;
  readers: number;
  /** The receipt latency goal: see `latencyBeforeKill` and `backlogClearedMs`. */
  receiptGoalMs: number;
}

const epochMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Results sent before the public arrives: the log has full tiles to read by then. */
const LEAD_SECONDS = 3;

/** See `backlogClearedMs`. */
function backlogCleared(r: SendResult, recovered: number, goalMs: number): number {
  let last = recovered;
  for (let i = 0; i < r.latencies.length; i++) {
    const at = r.scheduledAt[i] as number;
    if (at > last && (r.latencies[i] as number) > goalMs) last = at;
  }
  return Math.round(last - recovered);
}

/** How many pre-signed results the scenario needs. */
export function publicNightResults(rate: number, seconds: number): number {
  // Slack: on a loaded machine the first tiles take longer to appear.
  return Math.ceil(rate * (seconds + LEAD_SECONDS + 10));
}

async function checkpointText(url: string): Promise<string | null> {
  try {
    const res = await fetch(`${url}/log/checkpoint`);
    const text = await res.text();
    return res.ok ? text : null;
  } catch {
    return null;
  }
}

const sizeOf = (note: string | null) => (note ? Number(note.split('\n')[1]) : 0);

async function waitForSize(url: string, size: number, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (sizeOf(await checkpointText(url)) >= size) return true;
    await sleep(100);
  }
  return false;
}

/** The public's mix: the national tally, county tallies, and the full hash tiles of the log so far. */
function readPaths(electionDir: string, size: number): { tallies: string[]; tiles: string[] } {
  const def = readDefinition(electionDir);
  const counties = def.units.filter((u) => u.level === 'county').slice(0, 7);
  const tallies = [
    '/api/v1/tally/president',
    ...counties.map((c) => `/api/v1/tally/president/${encodeURIComponent(c.code)}`),
  ];
  // The hash tiles a browser fetches to check a receipt or a checkpoint (entry
  // bundles, some 100 KB each, are for mirrors and verifiers, not the crowd).
  const full = Math.min(8, Math.floor(size / TILE_WIDTH));
  const tiles = Array.from({ length: full }, (_, i) => `/log/tile/0/${String(i).padStart(3, '0')}`);
  return { tallies, tiles };
}

/** The front's access log: the reads' answers by cache status. */
async function cacheStatuses(file: string, paths: Set<string>): Promise<Record<string, number>> {
  const by: Record<string, number> = {};
  const lines = createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    const m = /"GET (\S+) [^"]*" \d+ \d+ cache=(\S+)/.exec(line);
    if (!m || !paths.has(m[1] as string)) continue;
    const key = m[2] as string;
    by[key] = (by[key] ?? 0) + 1;
  }
  return by;
}

/** CPU seconds of a process and its children (nginx's workers), from /proc. */
function treeCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let total = processCpuSeconds(pid) ?? 0;
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const c of children.split(/\s+/).filter(Boolean))
      total += processCpuSeconds(Number(c)) ?? 0;
  } catch {
    // not Linux, or gone
  }
  return total;
}

/** CPU seconds of each kura process of the cluster (writer, standby, readers) now, by pid. */
function kuraCpu(cluster: Cluster): Map<number, number> {
  const by = new Map<number, number>();
  for (const m of cluster.members) {
    if (m.role === 'front' || m.pid === undefined) continue;
    const s = processCpuSeconds(m.pid);
    if (s !== null) by.set(m.pid, s);
  }
  return by;
}

/** CPU the processes of `now` used since `then` (a process started since counts from 0). */
function cpuSince(then: Map<number, number>, now: Map<number, number>): number {
  let total = 0;
  for (const [pid, s] of now) total += s - (then.get(pid) ?? 0);
  return total;
}

function receiptLatencies(r: SendResult, from: number, skip: [number, number] | null) {
  const kept: number[] = [];
  for (let i = 0; i < r.latencies.length; i++) {
    const at = r.scheduledAt[i] as number;
    if (at < from) continue;
    if (skip && at >= skip[0] && at <= skip[1]) continue;
    kept.push(r.latencies[i] as number);
  }
  return summarize(kept);
}

export async function measurePublicNight(
  cleanup: Cleanup,
  log: (msg: string) => void,
  o: PublicNightOptions,
): Promise<PublicNight> {
  const peak = kenyaPeak();
  const def = readDefinition(o.electionDir);
  const logKey = parseVerifierKey(def.logKey);
  if (!logKey.ok) throw new Error(`the election's log key: ${logKey.error.message}`);
  const db = await createDatabase(
    cleanup,
    o.pgAdminUrl,
    `night_${process.pid}_${Date.now().toString(36)}`,
  );
  let output = '';
  /** When kura cluster said the standby serves as the writer (epoch ms). */
  let tookOverAt: number | null = null;
  const terminal = new Terminal(
    {
      write: (t: string) => {
        if (tookOverAt === null && /took over as the writer/.test(t)) tookOverAt = epochMs();
        output = (output + t).slice(-65_536);
      },
    },
    { timer: false },
  );
  const t0 = performance.now();
  const cluster = await Cluster.start({
    db,
    election: o.electionDir,
    readers: o.readers,
    port: 0,
    terminal,
  });
  const stopCluster = cleanup.add('stop the cluster', () => cluster.stop());
  const clusterStartSeconds = round((performance.now() - t0) / 1000, 1);
  const front = cluster.url;
  log(`public night: cluster up in ${clusterStartSeconds} s, front ${front}`);
  let failure: string | undefined;
  void cluster.failed().then((why) => {
    failure ??= `the cluster failed: ${why}`;
  });

  const results = o.batches.map((b) => (JSON.parse(b) as { results: Entry[] }).results);
  const resultsPerBatch = results.reduce((sum, r) => sum + r.length, 0) / results.length;
  let sender: ReturnType<typeof startSender> | undefined;
  let sampling = true;
  try {
    sender = startSender({
      mode: 'open',
      url: front,
      bodies: [...o.batches],
      path: '/api/v1/results/batch',
      rate: o.rate / resultsPerBatch,
      durationMs: (LEAD_SECONDS + o.seconds + 30) * 1000,
      maxSockets: 4096,
      retry: { delayMs: 100, giveUpMs: 120_000 },
      keepReceipts: true,
    });
    // Checkpoints as the public sees them, every 200 ms, until the audit.
    const seen = new Set<string>();
    const sampler = (async () => {
      while (sampling) {
        const note = await checkpointText(front);
        if (note) seen.add(note);
        await sleep(200);
      }
    })();

    const lead = Math.round(o.rate * LEAD_SECONDS * 0.8);
    if (!(await waitForSize(front, Math.min(lead, 2 * TILE_WIDTH), 60_000)))
      throw new Error(`the front showed fewer than ${lead} entries after 60 s:\n${output}`);
    const size = sizeOf(await checkpointText(front));
    const paths = readPaths(o.electionDir, size);
    const all = [...paths.tallies, ...paths.tiles];
    log(
      `public night: ${o.connections} connections reading ${paths.tallies.length} tallies and ${paths.tiles.length} tiles for ${o.seconds} s while ingesting ${o.rate}/s; the writer is killed after ${o.seconds / 2} s`,
    );

    const kura0 = kuraCpu(cluster);
    const frontPid = cluster.members.find((m) => m.role === 'front')?.pid;
    const nginx0 = treeCpuSeconds(frontPid);
    const meter = new CpuMeter(null, true);
    const readsStart = epochMs();
    const reading = readThroughFront(front, all, o.connections, o.seconds);
    await sleep((o.seconds / 2) * 1000);
    const writerPid = cluster.members.find((m) => m.role === 'writer')?.pid;
    const kuraBeforeKill = kuraCpu(cluster);
    const killedAt = epochMs();
    const killedAfterSeconds = round((killedAt - readsStart) / 1000, 1);
    if (writerPid !== undefined) process.kill(writerPid, 'SIGKILL');
    log(`public night: writer (pid ${writerPid}) killed with SIGKILL`);
    // The processes change in the failover: their CPU is added up on each side of it.
    const kuraAfterKill = kuraCpu(cluster);
    const r = await reading;
    const kuraEnd = kuraCpu(cluster);
    const nginx1 = treeCpuSeconds(frontPid);
    const cpuBase = meter.stop();
    sender.stop();
    const sent = await sender.result;
    sender = undefined;
    const scheduled = results.slice(0, sent.sent).reduce((sum, r) => sum + r.length, 0);
    log(
      `public night: ${Math.round(r.ok / r.seconds)} reads/s (${r.generator}); ${sent.acknowledgedResults}/${scheduled} results acknowledged`,
    );

    const afterKill = sent.receipts.filter((k) => k.sentAt >= killedAt);
    const recovered = afterKill.length ? Math.min(...afterKill.map((k) => k.answeredAt)) : null;
    const writerlessMs = recovered === null ? null : Math.round(recovered - killedAt);

    // The final log, once the readers (and the front's one-second copy) show it.
    const writerUrl = cluster.members.find((m) => m.role === 'writer')?.url as string;
    const finalNote = await checkpointText(writerUrl);
    if (!finalNote)
      throw new Error(`the writer after the failover answers no checkpoint:\n${output}`);
    if (!(await waitForSize(front, sizeOf(finalNote), 60_000)))
      throw new Error('the front never showed the final checkpoint');
    sampling = false;
    await sampler;
    const readsPaths = new Set(all);
    const cache = await cacheStatuses(`${cluster.frontDir}/logs/access.log`, readsPaths);
    const logged = Object.values(cache).reduce((s, v) => s + v, 0);
    const served = ['HIT', 'STALE', 'UPDATING', 'REVALIDATED'].reduce(
      (s, k) => s + (cache[k] ?? 0),
      0,
    );

    log(
      `public night: auditing ${sent.receipts.length} receipts and ${seen.size} sampled checkpoints against the final log (${sizeOf(finalNote)} entries)`,
    );
    const reader = new HttpLogReader(front);
    const audit = await auditNight({
      origin: def.logOrigin,
      logKey: logKey.value,
      finalNote,
      seenNotes: [...seen],
      acknowledged: sent.receipts.map((k) => ({
        entry: encodeEntry(results[k.body]?.[k.position] as Entry),
        receipt: k.receipt,
      })),
      readTile: memoTiles(serverTileReader(reader)),
      readBundle: async (index, width) => {
        const b = await reader.entryBundle(index, width);
        if (!b.ok)
          throw new Error(`GET log/${entryBundlePath(index, width)}: HTTP ${b.error.status}`);
        return b.value;
      },
    });
    log(
      `public night: ${audit.lost} lost of ${audit.acknowledged} acknowledged, ${audit.forks} forks in ${audit.checkpoints} checkpoints`,
    );

    const connectionErrors = Object.entries(sent.byStatus)
      .filter(([k]) => k.startsWith('0'))
      .reduce((s, [, v]) => s + v, 0);
    // Results scheduled just before the kill were still in flight when the
    // writer died: they are the failover's, like those scheduled while no
    // writer served. One scheduled a receipt goal before the kill and still
    // unanswered then is over the goal whatever happened next, so it counts.
    const shadowFrom = killedAt - o.receiptGoalMs;
    const failoverWindow: [number, number] = [shadowFrom, recovered ?? Infinity];
    return {
      readers: o.readers,
      seconds: o.seconds,
      offeredPerSecond: o.rate,
      kenyaPeak: peak,
      clusterStartSeconds,
      ingest: {
        sent: scheduled,
        attempts: sent.attempts,
        acknowledged: sent.acknowledgedResults,
        gaveUp: sent.gaveUp,
        byStatus: sent.byStatus,
        connectionErrors,
        errorSamples: sent.errorSamples,
        latency: receiptLatencies(sent, readsStart, failoverWindow),
        latencyAll: summarize(sent.latencies),
        latencyBeforeKill: receiptLatencies(sent, readsStart, [shadowFrom, Infinity]),
        backlogClearedMs:
          recovered === null ? null : backlogCleared(sent, recovered, o.receiptGoalMs),
        exhausted: sent.exhausted,
        stalled: sent.stalled,
      },
      reads: {
        generator: r.generator,
        requestsPerSecond: r.seconds > 0 ? Math.round(r.ok / r.seconds) : 0,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        non2xx: r.non2xx,
        errors: r.errors,
        connections: o.connections,
        bytesPerResponse: r.answers > 0 ? Math.round(r.bytes / r.answers) : 0,
        tallyPaths: paths.tallies.length,
        tilePaths: paths.tiles.length,
        cache,
        cacheHitShare: logged ? round(served / logged, 4) : null,
      },
      failover: {
        killedAfterSeconds,
        writerlessMs,
        standbyServingMs: tookOverAt === null ? null : Math.round(tookOverAt - killedAt),
      },
      audit,
      checkpointSamples: seen.size,
      cpu: {
        ...cpuBase,
        kura: round(
          (cpuSince(kura0, kuraBeforeKill) + cpuSince(kuraAfterKill, kuraEnd)) / cpuBase.seconds,
          2,
        ),
        nginx: round((nginx1 - nginx0) / cpuBase.seconds, 2),
        ...(r.cpuSeconds === null ? {} : { reads: round(r.cpuSeconds / cpuBase.seconds, 2) }),
      },
      ...(failure ? { failure } : {}),
    };
  } finally {
    // On a failure half-way: no more sends or samples (what was sent is not waited for).
    sampling = false;
    if (sender) {
      sender.stop();
      sender.result.catch(() => {});
    }
    await stopCluster();
  }
}

// Command-line options of the bench (npm run bench -- [options]).
import { parseArgs } from 'node:util';

export type Engine = 'pglite' | 'postgres';

export interface BenchOptions {
  quick: boolean;
  engines: Engine[];
  /**
   * Stations whose results (six contests each) are sent in the throughput
   * tests, split evenly among the tests: two per concurrency, a station's
   * results in one request (as devices send) and one result per request.
   */
  stations: number;
  /** Devices in flight in the throughput tests: two tests for each. */
  concurrency: number[];
  /** Offered rate of the latency test, and the ingest rate during the read test. */
  rate: number;
  /** Length of the latency and read tests. */
  seconds: number;
  /** Length of each limit measurement. */
  limitSeconds: number;
  readConnections: number;
  pgAdminUrl: string;
  /** Profile the server children (node --cpu-prof) and write bench/profile.md instead of results.*. */
  profile: boolean;
  outDir: string;
  /** Wait up to this many seconds for other processes to leave the machine idle before starting. */
  waitIdleSeconds: number;
  /** Replay the whole Kenya night at maximum speed and time it (off with --quick or --no-kenya). */
  kenyaNight: boolean;
  /** Only the Kenya scenario (the limits it is compared with, the night, the restart and verify): no other tests. */
  kenyaOnly: boolean;
  /** After the night: the writer restarted on its store, and kura verify (full, then --state) against it (off with --no-restart-verify). */
  restartVerify: boolean;
  /** Election night under public load: kura cluster through nginx, reads, ingest and a failover (PostgreSQL; off with --no-public-night). */
  publicNight: boolean;
  /** How long the public reads in it (the writer is killed halfway). */
  publicNightSeconds: number;
  /** autocannon connections of the public in it. */
  publicConnections: number;
}

export const HELP = `npm run bench -- [--quick] [--only pglite|postgres] [--stations N] [--concurrency C,C2,..]
                    [--rate R] [--seconds S] [--pg postgres://...] [--profile] [--out DIR]
                    [--wait-idle SECONDS] [--no-kenya] [--kenya-only] [--no-restart-verify]
                    [--no-public-night]

Measures kura against limits measured in the same run and writes
bench/results.md and bench/results.json. The election is synthetic with
Kenya's six contests; the submissions tests send --stations stations' results,
at each --concurrency both as devices do (a station's six results in one
request, POST /api/v1/results/batch) and one result per request. --profile runs the server children
under node --cpu-prof and writes bench/profile.md (its figures carry the
profiler's overhead, so results.* are left alone). --wait-idle waits (up to
SECONDS) until other processes leave the cores idle before starting.
The full Kenya night (about 277,000 forms at maximum speed, several minutes)
is replayed last; --no-kenya (or --quick) leaves it out. After it, on each
engine, the writer is restarted on the night's store and timed to its first
answer, and kura verify runs against it (on PostgreSQL, or the only engine):
in full, then again with its --state; --no-restart-verify leaves these out.
--kenya-only runs the Kenya night and what follows it, and no other test
(results without the engines' figures). "Election night
under public load" (PostgreSQL only) starts kura cluster (writer, standby,
two readers, nginx), reads through the front with 1,024 connections while
ingesting, and kills the writer halfway; --no-public-night leaves it out,
--quick shortens it. PostgreSQL databases the bench makes (and drops) are
named PREFIX_...: PREFIX is $KURA_BENCH_DB_PREFIX, kura_bench if unset.`;

export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      stations: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      pg: { type: 'string' },
      profile: { type: 'boolean' },
      out: { type: 'string' },
      'wait-idle': { type: 'string' },
      'no-kenya': { type: 'boolean' },
      'kenya-only': { type: 'boolean' },
      'no-restart-verify': { type: 'boolean' },
      'no-public-night': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const quick = values.quick ?? false;
  const num = (v: string | undefined, d: number, what: string) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} must be a positive number`);
    return n;
  };
  if (values['kenya-only'] && (quick || values['no-kenya'] || values.profile))
    throw new Error('--kenya-only runs the Kenya night: not with --quick, --no-kenya or --profile');
  if (values.only !== undefined && values.only !== 'pglite' && values.only !== 'postgres') {
    throw new Error('--only must be pglite or postgres');
  }
  return {
    quick,
    engines: values.only ? [values.only as Engine] : ['pglite', 'postgres'],
    stations: Math.floor(num(values.stations, quick ? 3000 : 30_000, 'stations')),
    concurrency: (values.concurrency ?? '256,2048')
      .split(',')
      .map((c) => Math.floor(num(c, 256, 'concurrency'))),
    rate: num(values.rate, 1000, 'rate'),
    seconds: num(values.seconds, quick ? 3 : 10, 'seconds'),
    limitSeconds: quick ? 0.5 : 2,
    readConnections: 256,
    pgAdminUrl:
      values.pg ?? process.env.KURA_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    profile: values.profile ?? false,
    outDir: values.out ?? 'bench',
    waitIdleSeconds:
      values['wait-idle'] === undefined ? 0 : num(values['wait-idle'], 0, 'wait-idle'),
    kenyaNight: !quick && !values['no-kenya'],
    kenyaOnly: values['kenya-only'] ?? false,
    restartVerify: !values['no-restart-verify'],
    publicNight: !values['no-public-night'],
    publicNightSeconds: quick ? 8 : 30,
    publicConnections: 1024,
  };
}

// Command-line options of the bench (npm run bench -- [options]).
import { parseArgs } from 'node:util';

export type Engine = 'pglite' | 'postgres';

export interface BenchOptions {
  quick: boolean;
  engines: Engine[];
  /** Results sent in the throughput test (one per station). */
  stations: number;
  /** Devices in flight in the throughput test. */
  concurrency: number;
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
}

export const HELP = `npm run bench -- [--quick] [--only pglite|postgres] [--stations N] [--concurrency C]
                    [--rate R] [--seconds S] [--pg postgres://...] [--profile] [--out DIR]

Measures kura against limits measured in the same run and writes
bench/results.md and bench/results.json. --profile runs the server children
under node --cpu-prof and writes bench/profile.md (its figures carry the
profiler's overhead, so results.* are left alone).`;

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
  if (values.only !== undefined && values.only !== 'pglite' && values.only !== 'postgres') {
    throw new Error('--only must be pglite or postgres');
  }
  return {
    quick,
    engines: values.only ? [values.only as Engine] : ['pglite', 'postgres'],
    stations: Math.floor(num(values.stations, quick ? 3000 : 30_000, 'stations')),
    concurrency: Math.floor(num(values.concurrency, 256, 'concurrency')),
    rate: num(values.rate, 1000, 'rate'),
    seconds: num(values.seconds, quick ? 3 : 10, 'seconds'),
    limitSeconds: quick ? 0.5 : 2,
    readConnections: 256,
    pgAdminUrl:
      values.pg ?? process.env.KURA_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    profile: values.profile ?? false,
    outDir: values.out ?? 'bench',
  };
}

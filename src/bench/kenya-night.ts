// The whole Kenya 2022 night at maximum speed: `kura demo --max-speed --exit`
// on a fresh store, embedded or PostgreSQL (the README's main job, as fast as
// the server takes it), timed from the first form sent to the last answer.
// The election is made (or taken from the cache) before the clock starts.
// Then, on the same store, the writer restarted and `kura verify` against it
// (kenya-restart.ts).
import { join } from 'node:path';
import { demo } from '../simulate/demo.js';
import { makeElection } from '../simulate/make-election.js';
import { type Cleanup, createDatabase, REPO_ROOT, tempDir } from './children.js';
import { type AfterNight, type AfterNightOptions, measureAfterNight } from './kenya-restart.js';
import { peakRssMiB } from './machine.js';
import type { Engine } from './options.js';

export interface KenyaNight {
  /** Absent in results from before the PostgreSQL night was measured: PGlite. */
  engine?: Engine;
  forms: number;
  wallSeconds: number;
  perSecond: number;
  /** Answers other than 201/200. */
  refused: number;
  /** The national presidential tally equals Form 34C and every national tally equals the forms sent. */
  agrees: boolean;
  serverPeakRssMiB: number | null;
  /** The writer restarted on the night's store, and kura verify against it; absent in older results and when not run. */
  afterNight?: AfterNight;
}

export async function measureKenyaNight(
  cleanup: Cleanup,
  log: (msg: string) => void,
  engine: Engine,
  pgAdminUrl: string,
  after: Pick<
    AfterNightOptions,
    'verify' | 'restartGoalSeconds' | 'verifyGoalSeconds' | 'verifyAgainGoalSeconds'
  > | null,
): Promise<KenyaNight> {
  const electionDir = join(REPO_ROOT, '.kura', 'kenya-2022');
  const made = await makeElection('kenya-2022', { out: electionDir });
  log(`Kenya 2022 election ${made.reused ? 'cached' : 'made'} in ${made.dir}`);
  let serverPeakRssMiB: number | null = null;
  const store =
    engine === 'pglite'
      ? { data: join(tempDir(cleanup, 'kenya-night'), 'data'), fresh: true }
      : {
          db: await createDatabase(
            cleanup,
            pgAdminUrl,
            `kenya_${process.pid}_${Date.now().toString(36)}`,
          ),
          data: undefined,
        };
  const report = await demo({
    election: made.dir,
    ...store,
    port: '0',
    speed: Number.POSITIVE_INFINITY,
    exit: true,
    progress: false,
    out: () => {},
    serverStderr: () => {},
    beforeStop: (pid) => {
      serverPeakRssMiB = pid === undefined ? null : peakRssMiB(pid);
    },
  });
  const { sent, wallMs, byStatus } = report.summary;
  const accepted = (byStatus['201'] ?? 0) + (byStatus['200'] ?? 0);
  const afterNight = after
    ? await measureAfterNight(cleanup, log, {
        ...after,
        engine,
        electionDir: made.dir,
        storeArgs: store.data === undefined ? ['--db', store.db] : ['--data', store.data],
      })
    : undefined;
  return {
    engine,
    forms: sent,
    wallSeconds: Math.round(wallMs / 100) / 10,
    perSecond: Math.round(sent / (wallMs / 1000)),
    refused: sent - accepted,
    agrees: report.ok,
    serverPeakRssMiB,
    ...(afterNight ? { afterNight } : {}),
  };
}

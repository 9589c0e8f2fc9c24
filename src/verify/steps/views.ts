// Comparing a server's views with the fold: every tally and station page it
// publishes must say what the log says. Views computed after the verified
// checkpoint are set aside, and must not run ahead of the log's latest one.

import type { TallyFold } from '../../election/fold.js';
import type { OpenedGenesis } from '../../election/genesis.js';
import type { NoteVerifier } from '../../log/note.js';
import type { AuditContext } from '../audit.js';
import { fetchCheckpoint, openServed } from '../checkpoint.js';
import {
  type AheadView,
  compareStations,
  compareTallies,
  type Fetched,
  fetchAll,
  sample,
  stationPath,
  tallyPath,
  tallyRequests,
} from '../compare.js';
import type { HttpSource } from '../http.js';
import type { LogReader } from '../log-reader.js';
import type { VerifyReport } from '../report.js';

export interface ViewFetch {
  tallies: Array<{ contest: string; unit: string }>;
  stations: string[];
  /** Resolves to every view, fetched (started at once when prefetched, else on first call). */
  fetched: () => Promise<Map<string, Fetched>>;
}

/**
 * Which views to compare (every tally once, every station page or a sample),
 * and their fetch: started now when `prefetch` (the network wait overlaps the
 * log's signature work), else when first asked for.
 */
export function planViews(
  ctx: AuditContext,
  http: HttpSource,
  genesis: OpenedGenesis,
  o: { stationsSample?: number; concurrency: number; prefetch: boolean },
): ViewFetch {
  const tallies = tallyRequests(genesis.index);
  const stations = sample(
    genesis.definition.stations.map((st) => st.code),
    o.stationsSample,
  );
  const paths = [...tallies.map((t) => tallyPath(t.contest, t.unit)), ...stations.map(stationPath)];
  const fetchViews = () =>
    fetchAll(http, paths, o.concurrency, (d, total) => ctx.progress.set('views fetched', d, total));
  const early = o.prefetch ? fetchViews() : undefined;
  early?.catch(() => {});
  return { tallies, stations, fetched: () => early ?? fetchViews() };
}

/** Compares the fetched views with the fold; returns the views ahead of the verified checkpoint. */
export function compareViews(
  ctx: AuditContext,
  genesis: OpenedGenesis,
  fold: TallyFold,
  size: number,
  views: ViewFetch,
  fetched: Map<string, Fetched>,
): { compare: NonNullable<VerifyReport['compare']>; ahead: AheadView[] } {
  const common = { index: genesis.index, fold, size, findings: ctx.findings };
  const t = compareTallies({ ...common, fetched, requests: views.tallies });
  const s = compareStations({ ...common, fetched, stations: views.stations });
  const total = genesis.definition.stations.length;
  return {
    compare: {
      tallies: t.compared,
      stations: s.compared,
      stationsTotal: total,
      sampled: views.stations.length < total,
      aheadOfCheckpoint: 0,
    },
    ahead: [...t.ahead, ...s.ahead],
  };
}

/**
 * Views may run a batch ahead of the checkpoint verified; they must not run
 * ahead of the log's latest signed checkpoint. Returns how many were ahead
 * within it.
 */
export async function checkViewsAhead(
  ctx: AuditContext,
  reader: LogReader,
  ahead: readonly AheadView[],
  o: { origin: string; logVerifier: NoteVerifier; size: number },
): Promise<number> {
  if (!ahead.length) return 0;
  const later = await fetchCheckpoint(reader);
  const latest = later.ok ? openServed(later.value.note, o.origin, o.logVerifier) : undefined;
  const latestSize = latest?.ok ? latest.value.size : o.size;
  let within = 0;
  for (const a of ahead) {
    if (a.entryIndex >= latestSize)
      ctx.findings.error(
        'view-beyond-checkpoint',
        `${a.what} cites entry ${a.entryIndex}, beyond the log's latest signed checkpoint (size ${latestSize})`,
        { entryIndex: a.entryIndex, contest: a.contest, station: a.station, unit: a.unit },
      );
    else within++;
  }
  return within;
}

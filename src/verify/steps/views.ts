// Comparing a server's views with the fold: every tally and station page it
// publishes must say what the log says. Views computed after the verified
// checkpoint are set aside, and must not run ahead of the log's latest one.

import { isDeepStrictEqual } from 'node:util';
import type { TallyFold } from '../../election/fold.js';
import type { OpenedGenesis } from '../../election/genesis.js';
import type { NoteVerifier } from '../../log/note.js';
import type { AuditContext } from '../audit.js';
import {
  fetchStationPages,
  fetchTallyLists,
  type Listing,
  STATION_PAGE_LIMIT,
  type StationPages,
  tallyItems,
} from '../bulk.js';
import { fetchCheckpoint, openServed } from '../checkpoint.js';
import {
  type AheadView,
  compareStations,
  type Fetched,
  fetchAll,
  fetchedView,
  type ServedView,
  sample,
  stationPath,
  TallyComparison,
  tallyPath,
  tallyRequests,
} from '../compare.js';
import type { HttpSource } from '../http.js';
import type { LogReader } from '../log-reader.js';
import type { VerifyReport } from '../report.js';

/** How many station pages, and how many tally URLs, are read one by one beside the bulk listings. */
export const DEFAULT_PAGE_SAMPLE = 200;

/** The views as served. */
export interface ServedViews {
  /**
   * The station pages from GET /api/v1/station-pages (all, or those holding a
   * station asked for); null: the server has none (read one by one).
   */
  stationPages: StationPages | null;
  /** Every tally, per contest, from GET /api/v1/tallies/{contest}; null: the server has none. */
  tallyLists: Map<string, Listing> | null;
  /** The stations whose own URL was read: a random sample beside the bulk listing, else all (or --stations-sample). */
  stations: string[];
  /** The tally URLs read (a unit with its children): a sample beside the bulk listings, else enough to show every tally. */
  tallies: Array<{ contest: string; unit: string }>;
  /** The answers of those URLs, by path. */
  pages: Map<string, Fetched>;
  requests: number;
}

export interface ViewFetch {
  /**
   * Resolves to every view, fetched (started at once when prefetched, or by
   * start(), else on first call); with `stations`, the bulk station pages are
   * read only where they hold one of those (never prefetched).
   */
  fetched: (stations?: ReadonlySet<string>) => Promise<ServedViews>;
  /** Starts reading every view now, if it has not started. */
  start: () => void;
}

/**
 * Reads the views: every station page and tally in bulk, and a random sample
 * of their own URLs (which the portal reads, so they must say the same); a
 * server without the bulk listings is read one URL per view. Started now
 * when `prefetch` (the network wait overlaps the log's signature work), else
 * when first asked for.
 */
export function planViews(
  ctx: AuditContext,
  http: HttpSource,
  genesis: OpenedGenesis,
  o: { stationsSample?: number; pageSample?: number; concurrency: number; prefetch: boolean },
): ViewFetch {
  const { index } = genesis;
  const codes = genesis.definition.stations.map((st) => st.code);
  const contests = [...index.contests.keys()];
  const pageSample = o.pageSample ?? DEFAULT_PAGE_SAMPLE;
  const fetchViews = async (only?: ReadonlySet<string>): Promise<ServedViews> => {
    let done = 0;
    let planned = Math.ceil(codes.length / STATION_PAGE_LIMIT) + contests.length + 2 * pageSample;
    const tick = () => ctx.progress.set('views fetched', ++done, Math.max(done, planned));
    const [stationPages, tallyLists] = await Promise.all([
      fetchStationPages(http, codes, o.concurrency, tick, only),
      fetchTallyLists(http, contests, index.units.size + 1, o.concurrency, tick),
    ]);
    const stations = stationPages ? sample(codes, pageSample) : sample(codes, o.stationsSample);
    const tallies = tallyLists ? sample(tallyRequests(index), pageSample) : tallyRequests(index);
    const paths = [
      ...tallies.map((t) => tallyPath(t.contest, t.unit)),
      ...stations.map(stationPath),
    ];
    planned = done + paths.length;
    const pages = await fetchAll(http, paths, o.concurrency, tick);
    return { stationPages, tallyLists, stations, tallies, pages, requests: done };
  };
  let early: Promise<ServedViews> | undefined;
  const start = () => {
    early ??= fetchViews();
    early.catch(() => {});
  };
  if (o.prefetch) start();
  return { fetched: (only) => early ?? fetchViews(only), start };
}

/**
 * Compares the views with the fold: every tally and station page, from the
 * bulk listings where the server has them, and each URL read one by one,
 * unless it says exactly what its bulk listing said (then it was compared
 * already). Returns the views ahead of the verified checkpoint.
 */
export function compareViews(
  ctx: AuditContext,
  genesis: OpenedGenesis,
  fold: TallyFold,
  size: number,
  views: ServedViews,
): { compare: NonNullable<VerifyReport['compare']>; ahead: AheadView[] } {
  const { index } = genesis;
  const common = { index, fold, size, findings: ctx.findings };

  const tallies = new TallyComparison(common);
  const bulkTallies = new Map<string, Map<string, unknown>>();
  if (views.tallyLists) {
    for (const contest of index.contests.keys()) {
      const listing = views.tallyLists.get(contest);
      if (!listing) continue;
      for (const problem of listing.problems)
        ctx.findings.error('tally-mismatch', problem, { contest });
      const items = tallyItems(listing);
      bulkTallies.set(contest, items);
      tallies.list(contest, listing.where, items);
    }
  }
  const sameAsBulk = (contest: string, unit: string, served: unknown) => {
    const items = bulkTallies.get(contest);
    return items?.has(unit) === true && isDeepStrictEqual(items.get(unit), served);
  };
  for (const { contest, unit } of views.tallies)
    tallies.request(contest, unit, fetchedView(views.pages, tallyPath(contest, unit)), sameAsBulk);
  if (!views.tallyLists) tallies.uncovered();

  const perUrl = (code: string) => fetchedView(views.pages, stationPath(code));
  const ahead: AheadView[] = [...tallies.ahead];
  let stationsCompared: number;
  const bulk = views.stationPages;
  if (bulk) {
    for (const problem of bulk.problems) ctx.findings.error('station-mismatch', problem);
    const fromBulk = (code: string): ServedView =>
      bulk.items.has(code)
        ? { body: bulk.items.get(code), where: bulk.where }
        : { body: undefined, where: bulk.where, absent: 'leaves the station out' };
    const codes = bulk.covered ?? genesis.definition.stations.map((st) => st.code);
    const all = compareStations({ ...common, stations: codes, page: fromBulk });
    ahead.push(...all.ahead);
    stationsCompared = all.compared;
    // A station's own URL must say what the bulk listing says: one that does not (or one the
    // pages read do not hold) is held to the log too.
    const differing = views.stations.filter(
      (code) =>
        !bulk.items.has(code) || !isDeepStrictEqual(perUrl(code).body, bulk.items.get(code)),
    );
    ahead.push(...compareStations({ ...common, stations: differing, page: perUrl }).ahead);
  } else {
    const s = compareStations({ ...common, stations: views.stations, page: perUrl });
    ahead.push(...s.ahead);
    stationsCompared = s.compared;
  }
  const total = genesis.definition.stations.length;
  return {
    compare: {
      tallies: tallies.count,
      stations: stationsCompared,
      stationsTotal: total,
      // Pages of a bulk listing left unread (unchanged since an earlier run) are not a random sample.
      sampled: bulk ? false : stationsCompared < total,
      bulk: { stations: bulk !== null, tallies: views.tallyLists !== null },
      urlsSampled: bulk || views.tallyLists ? views.stations.length + views.tallies.length : 0,
      requests: views.requests,
      aheadOfCheckpoint: 0,
    },
    ahead,
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

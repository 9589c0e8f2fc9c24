// A polling station's page: where it is, the devices the log knows for it,
// and its result in each contest, a corrected one with the indexes of its
// approvals, so a browser can prove every line. A writer and a reader answer
// the same: both read the devices and approvals from the fold of the log they
// serve.
import type { FastifyPluginAsync } from 'fastify';
//
// GET /api/v1/station-pages gives the same pages in bulk, a page of them at
// a time in definition order, so an auditor compares every station in a few
// requests; it must never say otherwise than the station's own URL, which
// the portal reads (kura verify samples those and holds them to it).
import type {
  StationAnswer,
  StationDevice,
  StationPagesAnswer,
  StationResult,
  StationWord,
} from '../../api/contract.js';
import { stationWords } from '../../election/agent-views.js';
import type { Station } from '../../election/definition.js';
import type { ElectionIndex } from '../../election/election-index.js';
import type { TallyFold } from '../../election/fold.js';
import type { StationResultRow, Store } from '../../store/store.js';
import { ApiError } from '../errors.js';
import type { ServedFold } from '../fold-follower.js';
import { nextCursor, type PageQuery, pageLimit, pageStart } from './paging.js';
import { STATION_PAGES_RESPONSE, STATION_RESPONSE } from './response-schemas.js';

export interface StationRouteDeps {
  index: ElectionIndex;
  results: Pick<Store, 'getStationResults' | 'getStationResultsOf'>;
  fold: ServedFold;
}

/** Station pages per request of GET /api/v1/station-pages: default and most. */
export const STATION_PAGES_LIMIT = { fallback: 500, max: 1000 } as const;

/**
 * Every station's devices as the fold knows them, enrolment and revocation
 * indexes only where official entries made them (a definition device carries
 * neither).
 */
function devicesByStation(fold: TallyFold): Map<string, StationDevice[]> {
  const out = new Map<string, StationDevice[]>();
  for (const d of fold.officials.devices.values()) {
    const list = out.get(d.station) ?? [];
    list.push({
      id: d.id,
      publicKey: d.publicKey,
      ...(d.enrolledAt >= 0 ? { enrolledAt: d.enrolledAt } : {}),
      ...(d.revokedAt !== null ? { revokedAt: d.revokedAt } : {}),
    });
    out.set(d.station, list);
  }
  return out;
}

/** One station's devices (the per-station page: no map of every station). */
function stationDevices(fold: TallyFold, code: string): StationDevice[] {
  const out: StationDevice[] = [];
  for (const d of fold.officials.devices.values())
    if (d.station === code)
      out.push({
        id: d.id,
        publicKey: d.publicKey,
        ...(d.enrolledAt >= 0 ? { enrolledAt: d.enrolledAt } : {}),
        ...(d.revokedAt !== null ? { revokedAt: d.revokedAt } : {}),
      });
  return out;
}

/** A corrected result with the indexes of its approvals, in log order. */
function withApprovals(fold: TallyFold, result: StationResult | null): StationResult | null {
  const c = result?.correction;
  if (!result || !c) return result;
  const approvals = fold.officials.corrections.get(c.entryIndex)?.approvals ?? [];
  return { ...result, correction: { ...c, approvals: approvals.map((a) => a.entryIndex) } };
}

/** A station's page, from its stored result rows and the fold's devices and approvals. */
function stationPage(
  index: ElectionIndex,
  fold: TallyFold,
  station: Station,
  rows: readonly StationResultRow[],
  devices: StationDevice[],
): StationAnswer {
  const place = index.places.get(station.code);
  const results: Record<string, StationResult | null> = {};
  for (const contest of index.contests.keys()) {
    if (!index.raceFor(contest, station.code)) continue;
    const row = rows.find((r) => r.contest === contest)?.result as StationResult | undefined;
    results[contest] = withApprovals(fold, row ?? null);
  }
  const name = (code: string | undefined) =>
    code ? { code, name: index.units.get(code)?.name ?? code } : null;
  // The agents' words, per contest with any (absent while none: old pages stay as they were).
  const words: Record<string, StationWord[]> = {};
  for (const contest of Object.keys(results)) {
    const said = stationWords(fold, contest, station.code);
    if (said.length) words[contest] = said;
  }
  return {
    station,
    ward: name(place?.ward),
    constituency: name(place?.constituency),
    county: name(place?.county),
    devices,
    results,
    ...(Object.keys(words).length ? { words } : {}),
  };
}

export const stationRoutes: FastifyPluginAsync<StationRouteDeps> = async (app, deps) => {
  const { index } = deps;
  const stations = index.definition.stations;
  const codes = stations.map((s) => s.code);
  const position = new Map(codes.map((c, i) => [c, i]));
  let devicesCache: {
    fold: TallyFold;
    size: number;
    devices: Map<string, StationDevice[]>;
  } | null = null;

  app.get<{ Params: { code: string }; Reply: StationAnswer }>(
    '/api/v1/stations/:code',
    { schema: { response: { 200: STATION_RESPONSE } } },
    async (req) => {
      const station = index.stations.get(req.params.code);
      if (!station)
        throw new ApiError('NOT_FOUND', `no polling station "${req.params.code}"`, 'code');
      const rows = await deps.results.getStationResults(station.code);
      const fold = await deps.fold();
      return stationPage(index, fold, station, rows, stationDevices(fold, station.code));
    },
  );

  app.get<{ Querystring: PageQuery; Reply: StationPagesAnswer }>(
    '/api/v1/station-pages',
    { schema: { response: { 200: STATION_PAGES_RESPONSE } } },
    async (req) => {
      const limit = pageLimit(
        req.query.limit,
        STATION_PAGES_LIMIT.fallback,
        STATION_PAGES_LIMIT.max,
      );
      const start = pageStart(req.query.after, position);
      const end = Math.min(start + limit, stations.length);
      const page = stations.slice(start, end);
      const rows = await deps.results.getStationResultsOf(page.map((s) => s.code));
      const fold = await deps.fold();
      // The devices change only with the log: made once per fold and size, not per page.
      if (devicesCache?.fold !== fold || devicesCache.size !== fold.size)
        devicesCache = { fold, size: fold.size, devices: devicesByStation(fold) };
      const { devices } = devicesCache;
      const rowsOf = new Map<string, StationResultRow[]>();
      for (const r of rows) {
        const list = rowsOf.get(r.station) ?? [];
        list.push(r);
        rowsOf.set(r.station, list);
      }
      return {
        stations: page.map((st) =>
          stationPage(index, fold, st, rowsOf.get(st.code) ?? [], devices.get(st.code) ?? []),
        ),
        next: nextCursor(codes, end),
      };
    },
  );
};

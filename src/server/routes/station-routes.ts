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
  StationResult,
  StationWord,
} from '../../api/contract.js';
import { stationWords } from '../../election/agent-views.js';
import type { Station } from '../../election/definition.js';
import type { ElectionIndex } from '../../election/election-index.js';
import type { TallyFold } from '../../election/fold.js';
import type { StationResultRow, StationResultTextRow, Store } from '../../store/store.js';
import { ApiError } from '../errors.js';
import type { ServedFold } from '../fold-follower.js';
import { BodyWriter } from './body-writer.js';
import { nextCursor, type PageQuery, pageLimit, pageStart } from './paging.js';
import { STATION_PAGES_RESPONSE, STATION_RESPONSE } from './response-schemas.js';

export interface StationRouteDeps {
  index: ElectionIndex;
  results: Pick<Store, 'getStationResults' | 'getStationResultTextsOf'>;
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

/** Where a station is: the first four members of its page. */
function stationPlace(index: ElectionIndex, station: Station) {
  const place = index.places.get(station.code);
  const name = (code: string | undefined) =>
    code ? { code, name: index.units.get(code)?.name ?? code } : null;
  return {
    station,
    ward: name(place?.ward),
    constituency: name(place?.constituency),
    county: name(place?.county),
  };
}

/** The contests the station takes part in, in definition order: the keys of its page's `results`. */
function contestsOf(index: ElectionIndex, code: string): string[] {
  const out: string[] = [];
  for (const contest of index.contests.keys()) if (index.raceFor(contest, code)) out.push(contest);
  return out;
}

/** The agents' words, per contest with any (absent while none: old pages stay as they were). */
function wordsOf(
  fold: TallyFold,
  contests: readonly string[],
  code: string,
): Record<string, StationWord[]> | null {
  let words: Record<string, StationWord[]> | null = null;
  for (const contest of contests) {
    const said = stationWords(fold, contest, code);
    if (!said.length) continue;
    words ??= {};
    words[contest] = said;
  }
  return words;
}

/** A station's page, from its stored result rows and the fold's devices and approvals. */
function stationPage(
  index: ElectionIndex,
  fold: TallyFold,
  station: Station,
  rows: readonly StationResultRow[],
  devices: StationDevice[],
): StationAnswer {
  const contests = contestsOf(index, station.code);
  const results: Record<string, StationResult | null> = {};
  for (const contest of contests) {
    const row = rows.find((r) => r.contest === contest)?.result as StationResult | undefined;
    results[contest] = withApprovals(fold, row ?? null);
  }
  const words = wordsOf(fold, contests, station.code);
  return { ...stationPlace(index, station), devices, results, ...(words ? { words } : {}) };
}

/**
 * Writes the same page as stationPage as JSON, each result's stored JSON
 * text as it is (not parsed and re-serialised: a page of 1,000 stations is
 * some 6,000 results). A corrected result takes the object path, for its
 * approvals come from the fold.
 */
function writeStationPage(
  out: BodyWriter,
  index: ElectionIndex,
  fold: TallyFold,
  station: Station,
  rows: readonly StationResultTextRow[],
  devices: StationDevice[],
): void {
  const contests = contestsOf(index, station.code);
  const place = JSON.stringify(stationPlace(index, station));
  out.write(place.slice(0, -1)).write(',"devices":').write(JSON.stringify(devices));
  out.write(',"results":{');
  contests.forEach((contest, k) => {
    out
      .write(k === 0 ? '' : ',')
      .write(JSON.stringify(contest))
      .write(':');
    const json = rows.find((r) => r.contest === contest)?.json;
    if (json === undefined) out.write('null');
    // Any text naming "correction" is parsed: a stray match only costs the parse.
    else if (json.includes('"correction"'))
      out.write(JSON.stringify(withApprovals(fold, JSON.parse(json) as StationResult | null)));
    else out.write(json);
  });
  out.write('}');
  const words = wordsOf(fold, contests, station.code);
  if (words) out.write(',"words":').write(JSON.stringify(words));
  out.write('}');
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

  app.get<{ Querystring: PageQuery }>(
    '/api/v1/station-pages',
    { schema: { response: { 200: STATION_PAGES_RESPONSE } } },
    async (req, reply) => {
      const limit = pageLimit(
        req.query.limit,
        STATION_PAGES_LIMIT.fallback,
        STATION_PAGES_LIMIT.max,
      );
      const start = pageStart(req.query.after, position);
      const end = Math.min(start + limit, stations.length);
      const page = stations.slice(start, end);
      const rows = await deps.results.getStationResultTextsOf(page.map((s) => s.code));
      const fold = await deps.fold();
      // The devices change only with the log: made once per fold and size, not per page.
      if (devicesCache?.fold !== fold || devicesCache.size !== fold.size)
        devicesCache = { fold, size: fold.size, devices: devicesByStation(fold) };
      const { devices } = devicesCache;
      const rowsOf = new Map<string, StationResultTextRow[]>();
      for (const r of rows) {
        const list = rowsOf.get(r.station) ?? [];
        list.push(r);
        rowsOf.set(r.station, list);
      }
      // A StationPagesAnswer written as bytes (described by the schema, not
      // serialised by it): parsing every stored result, serialising the page
      // and encoding it again cost several times more.
      let expected = page.length * 512;
      for (const r of rows) expected += r.json.length;
      const out = new BodyWriter(expected).write('{"stations":[');
      page.forEach((st, k) => {
        if (k > 0) out.write(',');
        writeStationPage(
          out,
          index,
          fold,
          st,
          rowsOf.get(st.code) ?? [],
          devices.get(st.code) ?? [],
        );
      });
      out.write(`],"next":${JSON.stringify(nextCursor(codes, end))}}`);
      reply.header('content-type', 'application/json; charset=utf-8');
      return reply.send(out.bytes());
    },
  );
};

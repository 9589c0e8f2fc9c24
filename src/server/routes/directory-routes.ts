// The election's directory, in small pieces for the portal: contests, one
// unit with its ancestors and children, the candidates standing within a
// unit, station search, and a ward's stations with their results. Everything
// except the ward's results comes from the definition, which never changes
// while a server runs, so those answers are cacheable for long.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type {
  CandidatesAnswer,
  ContestsAnswer,
  SearchAnswer,
  UnitAnswer,
  UnitRef,
  WardStationsAnswer,
} from '../../api/contract.js';
import type { Candidate, Station, Unit } from '../../election/definition.js';
import { type ElectionIndex, NATION } from '../../election/election-index.js';
import type { StationResult } from '../../election/fold.js';
import type { Store } from '../../store/store.js';
import { ApiError } from '../errors.js';
import type { TallyReader } from '../tally-reader.js';

const DEFINITION_CACHE = 'public, max-age=3600';
const SEARCH_LIMIT = 20;
const SEARCH_MAX_LENGTH = 100;

export interface DirectoryRouteDeps {
  index: ElectionIndex;
  tallies: TallyReader;
  results: Pick<Store, 'getStationResults'>;
}

export const directoryRoutes: FastifyPluginAsync<DirectoryRouteDeps> = async (app, deps) => {
  const { index, tallies } = deps;
  const def = index.definition;

  const stationsByWard = new Map<string, Station[]>();
  for (const s of def.stations) {
    const list = stationsByWard.get(s.ward) ?? [];
    list.push(s);
    stationsByWard.set(s.ward, list);
  }
  /** Stations and registered voters per unit (and the nation, ""). */
  const stationCount = new Map<string, number>();
  for (const s of def.stations)
    for (const u of index.rollup(s.code)) stationCount.set(u, (stationCount.get(u) ?? 0) + 1);

  const ref = (code: string): UnitRef => {
    const u = index.units.get(code);
    return u
      ? { code, level: u.level, name: u.name }
      : { code: NATION, level: 'nation', name: def.title };
  };
  /** The unit's ancestors, nation first (not including the unit). */
  const ancestors = (code: string): UnitRef[] => {
    const chain: UnitRef[] = [];
    let parent = index.units.get(code)?.parent ?? null;
    while (parent !== null) {
      chain.unshift(ref(parent));
      parent = index.units.get(parent)?.parent ?? null;
    }
    return code === NATION ? [] : [ref(NATION), ...chain];
  };
  /** True when `inner` is `outer` or lies below it ("" contains everything). */
  const within = (inner: string, outer: string): boolean => {
    if (outer === NATION) return true;
    let u: string | null = inner;
    while (u !== null && u !== NATION) {
      if (u === outer) return true;
      u = index.units.get(u)?.parent ?? null;
    }
    return false;
  };

  const knownUnit = (code: string, field: string): string => {
    if (code !== NATION && !index.units.has(code))
      throw new ApiError(
        'NOT_FOUND',
        `no unit "${code}" (a county, constituency or ward code)`,
        field,
      );
    return code;
  };
  const knownContest = (id: string) => {
    const c = index.contests.get(id);
    if (!c)
      throw new ApiError(
        'UNKNOWN_CONTEST',
        `no contest "${id}"; contests: ${[...index.contests.keys()].join(', ')}`,
        'contest',
      );
    return c;
  };
  const longCache = (reply: FastifyReply) => reply.header('cache-control', DEFINITION_CACHE);

  app.get<{ Reply: ContestsAnswer }>('/api/v1/contests', async (_req, reply) => {
    longCache(reply);
    return {
      electionId: def.electionId,
      title: def.title,
      logOrigin: def.logOrigin,
      perStationCap: def.perStationCap,
      stations: def.stations.length,
      contests: def.contests.map((c) => ({
        id: c.id,
        kind: c.kind,
        title: c.title,
        scope: c.scope,
        forms: c.forms,
        races: index.racesOf(c.id).size,
        candidates: c.candidates.length,
      })),
    };
  });

  const unitAnswer = (code: string): UnitAnswer => {
    const u = index.units.get(code);
    return {
      unit: { ...ref(code), parent: u ? (u.parent ?? NATION) : null },
      stations: stationCount.get(code) ?? 0,
      ancestors: ancestors(code),
      children: index
        .childrenOf(code)
        .map((c) => ({ ...ref(c), stations: stationCount.get(c) ?? 0 })),
      pollingStations: (stationsByWard.get(code) ?? []).map((s) => ({
        code: s.code,
        name: s.name,
        registeredVoters: s.registeredVoters,
      })),
    };
  };
  app.get('/api/v1/units', async (_req, reply) => {
    longCache(reply);
    return unitAnswer(NATION);
  });
  app.get<{ Params: { code: string } }>('/api/v1/units/:code', async (req, reply) => {
    const code = knownUnit(req.params.code, 'code');
    longCache(reply);
    return unitAnswer(code);
  });

  const candidatesAnswer = (contestId: string, unitCode: string): CandidatesAnswer => {
    const contest = knownContest(contestId);
    const unit = knownUnit(unitCode, 'unit');
    // Races that a tally of `unit` can include: the unit's own, its
    // ancestors' (a ward's tally holds its county's governor race) and those below it.
    const candidates: Candidate[] = contest.candidates.filter((c) => {
      const race = contest.scope === 'nation' ? NATION : (c.unit ?? NATION);
      return within(race, unit) || within(unit, race);
    });
    return { contest: contest.id, unit, candidates };
  };
  app.get<{ Params: { contest: string } }>('/api/v1/candidates/:contest', async (req, reply) => {
    const answer = candidatesAnswer(req.params.contest, NATION);
    longCache(reply);
    return answer;
  });
  app.get<{ Params: { contest: string; unit: string } }>(
    '/api/v1/candidates/:contest/:unit',
    async (req, reply) => {
      const answer = candidatesAnswer(req.params.contest, req.params.unit);
      longCache(reply);
      return answer;
    },
  );

  // Lower-cased names for search, built once (46,000 stations in Kenya).
  const stationKeys = def.stations.map((s) => `${s.code} ${s.name.toLowerCase()}`);
  const unitKeys = def.units.map((u) => u.name.toLowerCase());
  app.get<{ Querystring: { q?: string } }>('/api/v1/search', async (req, reply) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim() : undefined;
    if (q === undefined || q.length < 2)
      throw new ApiError('BAD_QUERY', 'q must be at least 2 characters', 'q');
    if (q.length > SEARCH_MAX_LENGTH)
      throw new ApiError('BAD_QUERY', `q must be at most ${SEARCH_MAX_LENGTH} characters`, 'q');
    const needle = q.toLowerCase();
    const stations: SearchAnswer['stations'] = [];
    let more = false;
    for (let i = 0; i < stationKeys.length; i++) {
      const key = stationKeys[i] as string;
      const station = def.stations[i] as Station;
      if (!(station.code.startsWith(needle) || key.includes(needle))) continue;
      if (stations.length === SEARCH_LIMIT) {
        more = true;
        break;
      }
      const place = index.places.get(station.code);
      stations.push({
        code: station.code,
        name: station.name,
        ward: place ? ref(place.ward) : null,
        county: place ? ref(place.county) : null,
      });
    }
    const units: SearchAnswer['units'] = [];
    for (let i = 0; i < unitKeys.length && units.length < SEARCH_LIMIT; i++) {
      const u = def.units[i] as Unit;
      if (u.code === q || (unitKeys[i] as string).includes(needle))
        units.push({ ...ref(u.code), parent: u.parent ? ref(u.parent) : null });
    }
    reply.header('cache-control', DEFINITION_CACHE);
    return { q, stations, units, more };
  });

  app.get<{ Querystring: { ward?: string; contest?: string } }>(
    '/api/v1/stations',
    async (req: FastifyRequest<{ Querystring: { ward?: string; contest?: string } }>, reply) => {
      const { ward, contest } = req.query;
      if (typeof ward !== 'string' || ward === '')
        throw new ApiError('BAD_QUERY', 'ward is required (a ward code)', 'ward');
      if (typeof contest !== 'string' || contest === '')
        throw new ApiError('BAD_QUERY', 'contest is required (a contest id)', 'contest');
      knownContest(contest);
      const unit = index.units.get(ward);
      if (!unit) throw new ApiError('NOT_FOUND', `no ward "${ward}"`, 'ward');
      if (unit.level !== 'ward')
        throw new ApiError(
          'BAD_QUERY',
          `"${ward}" is a ${unit.level}: stations are listed per ward`,
          'ward',
        );
      const tally = await tallies.json(contest, ward);
      // The ward's tally changes whenever one of its stations reports.
      const etag = `W/"stations/${contest}/${ward}/${tally?.lastEntry ?? -1}"`;
      reply.header('etag', etag).header('cache-control', 'public, max-age=2');
      if (req.headers['if-none-match'] === etag) return reply.code(304).send();
      const stations: WardStationsAnswer['stations'] = [];
      for (const s of stationsByWard.get(ward) ?? []) {
        const takesPart = index.raceFor(contest, s.code) !== undefined;
        const rows = takesPart ? await deps.results.getStationResults(s.code) : [];
        const result = rows.find((r) => r.contest === contest)?.result as StationResult | undefined;
        stations.push({
          code: s.code,
          name: s.name,
          registeredVoters: s.registeredVoters,
          takesPart,
          result: result ?? null,
        });
      }
      return { contest, ward: ref(ward), stations };
    },
  );
};

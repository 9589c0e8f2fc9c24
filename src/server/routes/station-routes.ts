// A polling station's page: where it is, the devices the log knows for it,
// and its result in each contest, a corrected one with the indexes of its
// approvals, so a browser can prove every line. A writer and a reader answer
// the same: both read the devices and approvals from the fold of the log they
// serve.
import type { FastifyPluginAsync } from 'fastify';
import type { StationAnswer, StationDevice, StationResult } from '../../api/contract.js';
import type { ElectionIndex } from '../../election/election-index.js';
import type { TallyFold } from '../../election/fold.js';
import type { Store } from '../../store/store.js';
import { ApiError } from '../errors.js';
import type { ServedFold } from '../fold-follower.js';
import { STATION_RESPONSE } from './response-schemas.js';

export interface StationRouteDeps {
  index: ElectionIndex;
  results: Pick<Store, 'getStationResults'>;
  fold: ServedFold;
}

/**
 * The station's devices as the fold knows them, enrolment and revocation
 * indexes only where official entries made them (a definition device carries
 * neither).
 */
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

export const stationRoutes: FastifyPluginAsync<StationRouteDeps> = async (app, deps) => {
  const { index } = deps;
  app.get<{ Params: { code: string }; Reply: StationAnswer }>(
    '/api/v1/stations/:code',
    { schema: { response: { 200: STATION_RESPONSE } } },
    async (req) => {
      const station = index.stations.get(req.params.code);
      if (!station)
        throw new ApiError('NOT_FOUND', `no polling station "${req.params.code}"`, 'code');
      const place = index.places.get(station.code);
      const rows = await deps.results.getStationResults(station.code);
      const fold = await deps.fold();
      const results: Record<string, StationResult | null> = {};
      for (const contest of index.contests.keys()) {
        if (!index.raceFor(contest, station.code)) continue;
        const row = rows.find((r) => r.contest === contest)?.result as StationResult | undefined;
        results[contest] = withApprovals(fold, row ?? null);
      }
      const name = (code: string | undefined) =>
        code ? { code, name: index.units.get(code)?.name ?? code } : null;
      return {
        station,
        ward: name(place?.ward),
        constituency: name(place?.constituency),
        county: name(place?.county),
        devices: stationDevices(fold, station.code),
        results,
      };
    },
  );
};

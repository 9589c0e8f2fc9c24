// The parties and their agents as the log has them, and each party's
// parallel tally beside the official one: GET /api/v1/parties,
// /api/v1/parties/{party}/agents[?station=] and
// /api/v1/parties/{party}/tally/{contest}/{unit}. A writer reads its live
// fold; a reader replays the log it serves (fold-follower.ts), so both answer
// the same, with the same code the fold and `kura verify` use (agents.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { PartiesAnswer, PartyAgentsAnswer, PartyTallyAnswer } from '../../api/contract.js';
import { agentViews, partyTally, partyViews } from '../../election/agent-views.js';
import { type ElectionIndex, NATION } from '../../election/election-index.js';
import type { TallyFold } from '../../election/fold.js';
import { ApiError } from '../errors.js';
import type { ServedFold } from '../fold-follower.js';
import { checkContestAndUnit } from './contest-unit.js';

export interface PartyRouteDeps {
  index: ElectionIndex;
  fold: ServedFold;
}

/** The unit of a party-tally path: "nation" is the nation (a path segment cannot be empty). */
export const NATION_SEGMENT = 'nation';

function knownParty(fold: TallyFold, party: string) {
  const p = partyViews(fold).find((v) => v.party === party);
  if (!p) throw new ApiError('NOT_FOUND', `no party "${party}" is enrolled`, 'party');
  return p;
}

export const partyRoutes: FastifyPluginAsync<PartyRouteDeps> = async (app, deps) => {
  const { index } = deps;
  app.get<{ Reply: PartiesAnswer }>('/api/v1/parties', async () => {
    const fold = await deps.fold();
    return { parties: partyViews(fold) };
  });

  app.get<{
    Params: { party: string };
    Querystring: { station?: string };
    Reply: PartyAgentsAnswer;
  }>('/api/v1/parties/:party/agents', async (req) => {
    const fold = await deps.fold();
    const party = knownParty(fold, req.params.party);
    const station = req.query.station;
    if (station !== undefined && !index.stations.has(station))
      throw new ApiError('BAD_QUERY', `no polling station "${station}"`, 'station');
    return {
      party: party.party,
      agents: agentViews(fold, party.party, station),
    };
  });

  app.get<{ Params: { party: string; contest: string; unit: string }; Reply: PartyTallyAnswer }>(
    '/api/v1/parties/:party/tally/:contest/:unit',
    async (req) => {
      const { contest } = req.params;
      const unit = req.params.unit === NATION_SEGMENT ? NATION : req.params.unit;
      checkContestAndUnit(index, contest, unit);
      const fold = await deps.fold();
      const party = knownParty(fold, req.params.party);
      const official = fold.tally(contest, unit);
      const tally = partyTally(fold, party.party, contest, unit);
      if (!official || !tally)
        throw new ApiError(
          'NOT_FOUND',
          `contest "${contest}" has no race in unit "${req.params.unit}"`,
          'unit',
        );
      return {
        party: party.party,
        name: party.name,
        contest,
        unit,
        tally,
        official,
      };
    },
  );
};

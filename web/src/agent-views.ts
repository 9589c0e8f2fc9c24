// The server's answers about parties and their agents, as the portal reads
// them (FORMATS §16). The views are the pure core's own (src/election/
// agent-views.ts), so tsc holds the portal and the server together.
import type { PartyTallyView, PartyView } from '../../src/election/agent-views.js';
import type { Level, UnitTally } from './api';

export type { StationWord } from '../../src/election/agent-views.js';
export type { Figures } from '../../src/election/official-entry.js';

/** GET /api/v1/parties */
export interface PartiesAnswer {
  parties: PartyView[];
}

/** GET /api/v1/parties/{party}/tally/{contest}/{unit}: the party's tally beside the official one. */
export interface PartyTallyAnswer {
  party: string;
  name: string;
  contest: string;
  unit: string;
  tally: PartyTallyView;
  official: UnitTally & { level: Level; name: string };
}

/** Station and unit tallies count the stations with agents' words (absent while none). */
export interface WordCounts {
  cosigned?: number;
  disputed?: number;
}

// The server's answers about parties and their agents, as the portal reads
// them (FORMATS §16): the shared API contract's and the pure core's own
// types, so tsc holds the portal and the server together.
export type { PartiesAnswer, PartyTallyAnswer } from '../../src/api/contract.js';
export type { StationWord } from '../../src/election/agent-views.js';
export type { Figures } from '../../src/election/official-entry.js';

/** Station and unit tallies count the stations with agents' words (absent while none). */
export interface WordCounts {
  cosigned?: number;
  disputed?: number;
}

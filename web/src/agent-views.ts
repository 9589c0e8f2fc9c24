// The server's answers about parties and their agents, as the portal reads
// them (FORMATS §16; src/api/contract.ts once the server's types are in:
// then these become re-exports and tsc holds both sides together).
export interface Figures {
  votes: Record<string, number>;
  rejected: number;
  totalValid: number;
}

/** A party agent's word on a station's counted result. */
export type StationWord =
  | { kind: 'attestation'; party: string; partyName?: string; agent: string; entryIndex: number }
  | (Figures & {
      kind: 'dissent';
      party: string;
      partyName?: string;
      agent: string;
      entryIndex: number;
      form: string;
      reason: string;
    });

/** GET /api/v1/parties */
export interface PartiesAnswer {
  parties: Array<{ party: string; name: string; agents: number; agentsActive: number }>;
}

/** GET /api/v1/parties/{party}/tally/{contest}/{unit} */
export interface PartyTallyAnswer {
  party: string;
  name: string;
  contest: string;
  unit: string;
  tally: {
    votes?: Record<string, number>;
    partyVotes?: Record<string, number>;
    rejected: number;
    totalValid: number;
    stationsAttested: number;
    stationsDissented: number;
    stationsUncovered: number;
    differing: Array<{ station: string; official: Figures; party: Figures }>;
  };
  official: import('./api').UnitTally & { level: import('./api').Level; name: string };
}

/** Station and unit tallies count the stations with agents' words (absent while none). */
export interface WordCounts {
  cosigned?: number;
  disputed?: number;
}

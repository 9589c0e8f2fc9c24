// What the parties' agents put on the record, as readers see it (FORMATS.md
// §16.5): the parties and their rosters, the words on one station's results,
// and each party's parallel tally, the tally its agents' figures give. Pure
// functions of the fold: the server, `kura verify` and the portal use these
// same ones, so a party's tally is computed one way everywhere.
import type { AgentId, PartyId } from './agent-entries.js';
import type { AgentState } from './agents.js';
import type { CandidateId, ContestId, StationCode, UnitCode } from './definition.js';
import { NATION } from './election-index.js';
import { partyKey, type StationResult, type TallyFold } from './fold.js';
import type { Figures } from './official-entry.js';

/** The parts of the fold these views read. */
export type AgentFold = Pick<TallyFold, 'index' | 'agents' | 'results' | 'tally'>;

/** A party on the record, with the number of its agents in force and revoked. */
export interface PartyView {
  party: PartyId;
  name: string;
  publicKey: string;
  enrolledAt: number;
  agents: number;
  agentsRevoked: number;
}

/** An agent as its party's roster now stands. */
export type AgentView = AgentState;

/** An attestation or dissent on a station's result, with the party's name. */
export type StationWord = {
  party: PartyId;
  partyName: string;
  agent: AgentId;
  /** Index of the attestation or dissent entry. */
  entryIndex: number;
  contest: ContestId;
  station: StationCode;
  /** Index of the result entry it is about. */
  result: number;
} & ({ kind: 'attestation' } | ({ kind: 'dissent'; form: string; reason: string } & Figures));

/** Where a party's figures for a station differ from the official ones. */
export interface StationDifference {
  station: StationCode;
  /** The figures the station is counted with (a correction's, once one is in force). */
  official: Figures;
  /** The figures the party's agent signed: the attested result entry's, or the dissent's. */
  party: Figures;
}

/** A party's parallel tally of a contest in a unit (FORMATS.md §16.5). */
export interface PartyTallyView {
  party: PartyId;
  contest: ContestId;
  /** "" for the nation. */
  unit: UnitCode;
  /** Per candidate, where the unit lies in one race; absent above the race level. */
  votes?: Record<CandidateId, number>;
  /** Per candidates' party key, above the race level (as the official party tally, §8.1). */
  partyVotes?: Record<string, number>;
  rejected: number;
  totalValid: number;
  /** Counted stations whose result the party's agent attested. */
  stationsAttested: number;
  /** Counted stations whose result the party's agent dissented from. */
  stationsDissented: number;
  /** Counted stations with no word from the party: left out of the figures above. */
  stationsUncovered: number;
  /** The attested or dissented stations whose party figures differ from the official ones, by station code. */
  differing: StationDifference[];
}

export function partyViews(fold: AgentFold): PartyView[] {
  const counts = new Map<PartyId, { agents: number; agentsRevoked: number }>();
  for (const a of fold.agents.allAgents()) {
    const c = counts.get(a.party) ?? { agents: 0, agentsRevoked: 0 };
    if (a.revokedAt === null) c.agents++;
    else c.agentsRevoked++;
    counts.set(a.party, c);
  }
  return [...fold.agents.parties.values()].map((p) => ({
    party: p.party,
    name: p.name,
    publicKey: p.publicKey,
    enrolledAt: p.enrolledAt,
    ...(counts.get(p.party) ?? { agents: 0, agentsRevoked: 0 }),
  }));
}

/** A party's agents in enrolment order, those of one station only when `station` is given. */
export function agentViews(fold: AgentFold, party: PartyId, station?: StationCode): AgentView[] {
  return [...fold.agents.allAgents()].filter(
    (a) => a.party === party && (station === undefined || a.station === station),
  );
}

/** The attestations and dissents on a station's counted result of a contest, in log order. */
export function stationWords(
  fold: AgentFold,
  contest: ContestId,
  station: StationCode,
): StationWord[] {
  const words = fold.agents.wordsOn(contest, station);
  if (!words) return [];
  const nameOf = (p: PartyId) => fold.agents.party(p)?.name ?? '';
  const at = { contest, station, result: words.result };
  const out: StationWord[] = [
    ...[...words.attestations.values()].map(
      (a): StationWord => ({ kind: 'attestation', ...a, partyName: nameOf(a.party), ...at }),
    ),
    ...[...words.dissents.values()].map(
      (d): StationWord => ({
        kind: 'dissent',
        party: d.party,
        partyName: nameOf(d.party),
        agent: d.agent,
        entryIndex: d.entryIndex,
        ...at,
        votes: d.votes,
        rejected: d.rejected,
        totalValid: d.totalValid,
        form: d.form,
        reason: d.reason,
      }),
    ),
  ];
  return out.sort((a, b) => a.entryIndex - b.entryIndex);
}

/** The figures a station's device signed: the result entry's, even once a correction is in force. */
export function signedFigures(r: StationResult): Figures {
  const f = r.correction?.original ?? r;
  return { votes: f.votes, rejected: f.rejected, totalValid: f.totalValid };
}

function sameFigures(a: Figures, b: Figures): boolean {
  if (a.rejected !== b.rejected || a.totalValid !== b.totalValid) return false;
  const keys = Object.keys(a.votes);
  if (keys.length !== Object.keys(b.votes).length) return false;
  return keys.every((c) => Object.hasOwn(b.votes, c) && a.votes[c] === b.votes[c]);
}

/**
 * A party's parallel tally (FORMATS.md §16.5): over the counted stations of
 * `unit` (nation "") in `contest`, those its agent attested at the figures of
 * the attested result entry, those it dissented from at the agent's figures;
 * the others are left out and counted as uncovered. Undefined when the party
 * is not enrolled or the contest has no tally at the unit.
 */
export function partyTally(
  fold: AgentFold,
  party: PartyId,
  contest: ContestId,
  unit: UnitCode,
): PartyTallyView | undefined {
  const official = fold.tally(contest, unit);
  if (!official || !fold.agents.party(party)) return undefined;
  const byCandidate = official.votes !== undefined;
  // Every candidate (or party key) of the official tally, from 0, so the two line up.
  const sums: Record<string, number> = Object.create(null);
  for (const k of Object.keys(official.votes ?? official.partyVotes)) sums[k] = 0;
  const partyOf = new Map(
    (fold.index.contests.get(contest)?.candidates ?? []).map((c) => [c.id, partyKey(c.party)]),
  );
  const view: PartyTallyView = {
    party,
    contest,
    unit,
    ...(byCandidate ? { votes: sums } : { partyVotes: sums }),
    rejected: 0,
    totalValid: 0,
    stationsAttested: 0,
    stationsDissented: 0,
    stationsUncovered: 0,
    differing: [],
  };
  const stations = [...(fold.results.get(contest)?.values() ?? [])]
    .filter((r) => unit === NATION || fold.index.rollup(r.station).includes(unit))
    .sort((a, b) => (a.station < b.station ? -1 : a.station > b.station ? 1 : 0));
  for (const r of stations) {
    const words = fold.agents.wordsOn(contest, r.station);
    const dissent = words?.dissents.get(party);
    let figures: Figures;
    if (dissent) {
      view.stationsDissented++;
      figures = {
        votes: dissent.votes,
        rejected: dissent.rejected,
        totalValid: dissent.totalValid,
      };
    } else if (words?.attestations.has(party)) {
      view.stationsAttested++;
      figures = signedFigures(r);
    } else {
      view.stationsUncovered++;
      continue;
    }
    for (const [cand, n] of Object.entries(figures.votes)) {
      const key = byCandidate ? cand : (partyOf.get(cand) ?? '');
      sums[key] = (sums[key] ?? 0) + n;
    }
    view.rejected += figures.rejected;
    view.totalValid += figures.totalValid;
    const now: Figures = { votes: r.votes, rejected: r.rejected, totalValid: r.totalValid };
    if (!sameFigures(now, figures))
      view.differing.push({ station: r.station, official: now, party: figures });
  }
  return view;
}

// Arithmetic on tallies for display: shares, turnout, leaders, the
// constitutional tests. Pure functions; the figures themselves come from the log.
import type { Candidate, UnitTally } from './api';

export interface Share {
  id: string;
  name: string;
  party: string;
  votes: number;
  /** Of the candidates' valid votes (their sum). */
  share: number;
}

/** The tally's counts: per candidate within one race, per party above it. */
export const counts = (t: UnitTally): Record<string, number> => t.votes ?? t.partyVotes;

export const validVotes = (t: UnitTally) => Object.values(counts(t)).reduce((s, n) => s + n, 0);

/** Ballots cast (valid as written + rejected) over the registered voters of the reporting stations. */
export const turnout = (t: UnitTally) =>
  t.registeredReported > 0 ? (t.totalValid + t.rejected) / t.registeredReported : Number.NaN;

/** Candidates' shares in a race tally; parties' shares (id, name and party all the party) above it. */
export function shares(t: UnitTally, candidates: Map<string, Candidate>): Share[] {
  const total = validVotes(t);
  if (!t.votes)
    return Object.entries(t.partyVotes)
      .map(([party, votes]) => ({
        id: party,
        name: party,
        party,
        votes,
        share: total > 0 ? votes / total : 0,
      }))
      .sort((a, b) => b.votes - a.votes || (a.id < b.id ? -1 : 1));
  return Object.entries(t.votes)
    .map(([id, votes]) => ({
      id,
      name: candidates.get(id)?.name ?? id,
      party: candidates.get(id)?.party ?? '',
      votes,
      share: total > 0 ? votes / total : 0,
    }))
    .sort((a, b) => b.votes - a.votes || (a.id < b.id ? -1 : 1));
}

/** The leader (candidate, or party above the race) and the lead over the runner-up (as a share of valid votes); null before any votes. */
export function leader(t: UnitTally): { id: string; share: number; margin: number } | null {
  const total = validVotes(t);
  if (total === 0) return null;
  const sorted = Object.entries(counts(t)).sort((a, b) => b[1] - a[1]);
  const [first, second] = sorted;
  if (!first) return null;
  return { id: first[0], share: first[1] / total, margin: (first[1] - (second?.[1] ?? 0)) / total };
}

export interface ConstitutionalTest {
  candidate: string;
  share: number;
  majority: boolean;
  countiesAt25: number;
  countiesNeeded: number;
  countiesTotal: number;
  counties: boolean;
}

/**
 * Kenya, Article 138(4): more than half of all the votes cast, and at least
 * 25% of the votes cast in each of more than half of the counties. Computed
 * here on valid votes, for every candidate, over the counties given.
 */
export function constitutionalTests(
  nation: UnitTally,
  counties: UnitTally[],
): ConstitutionalTest[] {
  const total = validVotes(nation);
  const needed = Math.floor(counties.length / 2) + 1;
  // The presidency is one nation-wide race: its tallies count per candidate.
  const votes = nation.votes ?? {};
  return Object.keys(votes)
    .map((id) => {
      const share = total > 0 ? (votes[id] ?? 0) / total : 0;
      const at25 = counties.filter((c) => {
        const v = validVotes(c);
        return v > 0 && (c.votes?.[id] ?? 0) / v >= 0.25;
      }).length;
      return {
        candidate: id,
        share,
        majority: share > 0.5,
        countiesAt25: at25,
        countiesNeeded: needed,
        countiesTotal: counties.length,
        counties: at25 >= needed,
      };
    })
    .sort((a, b) => b.share - a.share);
}

// Distinguishable colours with at least 3:1 contrast on white (WCAG non-text contrast).
const PALETTE = [
  '#b35c00',
  '#1d5fa8',
  '#2e7d32',
  '#8e24aa',
  '#c62828',
  '#00796b',
  '#5d4037',
  '#455a64',
];

/** A stable colour per candidate: by the candidate's order in the nation-wide ranking given. */
export function colourFor(order: string[], id: string): string {
  const i = order.indexOf(id);
  return PALETTE[(i >= 0 ? i : order.length) % PALETTE.length] as string;
}

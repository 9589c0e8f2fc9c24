// What the national tallies must be, summed from the forms the replay sent
// (the station's one accepted form per contest), and the comparison with the
// tallies the server derives from its log. A contest run below the nation has
// a national tally per party (docs/FORMATS.md §8), so the forms are summed
// both per candidate and per party.
import type { ElectionIndex } from '../election/election-index.js';
import type { ResultEntry } from '../election/entries.js';
import { partyKey, type UnitTally } from '../election/fold.js';
import { type ResultFlag, resultFlags } from '../election/rules.js';
import type { HttpClient, PlannedResult } from './replay.js';

export interface ContestTotals {
  /** Per candidate: what a nation-wide contest's national tally holds. */
  votes: Record<string, number>;
  /** Per party: what the national tally of a contest run in counties, constituencies or wards holds. */
  partyVotes: Record<string, number>;
  /** National tally per party (several races), or per candidate. */
  byParty: boolean;
  /** Races of the contest with at least one station taking part. */
  races: number;
  totalValid: number;
  rejected: number;
  stations: number;
  flagged: Partial<Record<ResultFlag, number>>;
}

/** Sums of forms per contest, nationally. */
export class FormTotals {
  readonly byContest = new Map<string, ContestTotals>();
  private readonly parties = new Map<string, Map<string, string>>();

  constructor(private readonly index: ElectionIndex) {
    for (const c of index.contests.values()) {
      this.parties.set(c.id, new Map(c.candidates.map((k) => [k.id, partyKey(k.party)])));
      const races = new Set<string>();
      for (const s of index.stations.keys()) {
        const race = index.raceFor(c.id, s);
        if (race) races.add(race.unit);
      }
      this.byContest.set(c.id, {
        votes: Object.create(null),
        partyVotes: Object.create(null),
        byParty: c.scope !== 'nation',
        races: races.size,
        totalValid: 0,
        rejected: 0,
        stations: 0,
        flagged: Object.create(null),
      });
    }
  }

  /** Counts one station's form (the one the log should hold for its station and contest). */
  add(p: PlannedResult): void {
    const t = this.byContest.get(p.contest);
    if (!t) throw new Error(`no contest ${p.contest}`);
    const partyOf = this.parties.get(p.contest);
    for (const [c, n] of Object.entries(p.votes)) {
      t.votes[c] = (t.votes[c] ?? 0) + n;
      const party = partyOf?.get(c) ?? '';
      t.partyVotes[party] = (t.partyVotes[party] ?? 0) + n;
    }
    t.totalValid += p.totalValid;
    t.rejected += p.rejected;
    t.stations += 1;
    // The same arithmetic the server's rules apply (resultFlags reads only the figures).
    for (const f of resultFlags(this.index, p as unknown as ResultEntry))
      t.flagged[f] = (t.flagged[f] ?? 0) + 1;
  }
}

export interface ContestComparison {
  contest: string;
  agree: boolean;
  differences: string[];
  log: UnitTally;
  expected: ContestTotals;
}

export async function fetchNationalTally(client: HttpClient, contest: string): Promise<UnitTally> {
  const res = await client.request('GET', `/api/v1/tally/${encodeURIComponent(contest)}`);
  if (res.status !== 200)
    throw new Error(`GET /api/v1/tally/${contest}: ${res.status} ${res.body.toString()}`);
  const tally = (JSON.parse(res.body.toString()) as { tally?: UnitTally }).tally;
  if (
    !tally ||
    (typeof tally.votes !== 'object' && typeof tally.partyVotes !== 'object') ||
    typeof tally.flagged !== 'object'
  )
    throw new Error(
      `GET /api/v1/tally/${contest}: not a tally: ${res.body.toString().slice(0, 300)}`,
    );
  return tally;
}

/** Compares every contest's national tally in the log with the sums of the forms sent. */
export async function compareNational(
  client: HttpClient,
  totals: FormTotals,
): Promise<ContestComparison[]> {
  const out: ContestComparison[] = [];
  for (const [contest, expected] of totals.byContest) {
    const log = await fetchNationalTally(client, contest);
    const differences: string[] = [];
    const diff = (what: string, got: number, want: number) => {
      if (got !== want) differences.push(`${what}: log ${got}, forms ${want}`);
    };
    if (expected.byParty) {
      if (log.partyVotes) {
        const got = log.partyVotes;
        const want = expected.partyVotes;
        for (const p of new Set([...Object.keys(got), ...Object.keys(want)]))
          diff(`votes for party ${JSON.stringify(p)}`, got[p] ?? 0, want[p] ?? 0);
        diff('races', log.races, expected.races);
      } else differences.push('log: votes per candidate, forms: a national tally per party');
    } else if (log.votes) {
      const got = log.votes;
      for (const c of new Set([...Object.keys(got), ...Object.keys(expected.votes)]))
        diff(`votes for ${c}`, got[c] ?? 0, expected.votes[c] ?? 0);
    } else differences.push('log: votes per party, forms: a national tally per candidate');
    diff('total valid', log.totalValid, expected.totalValid);
    diff('rejected', log.rejected, expected.rejected);
    diff('stations reported', log.stationsReported, expected.stations);
    for (const f of new Set([...Object.keys(log.flagged), ...Object.keys(expected.flagged)]))
      diff(
        `forms flagged ${f}`,
        log.flagged[f as ResultFlag] ?? 0,
        expected.flagged[f as ResultFlag] ?? 0,
      );
    out.push({ contest, agree: differences.length === 0, differences, log, expected });
  }
  return out;
}

const fmt = (n: number, w = 12) => n.toLocaleString('en').padStart(w);

/** Prints the comparison as a table; true when every contest agrees. */
export function printComparison(
  rows: ContestComparison[],
  out: (s: string) => void,
  title = 'national tallies from the log beside the sums of the forms sent',
): boolean {
  const width = Math.max(8, ...rows.map((r) => r.contest.length));
  const flaggedText = (r: ContestComparison) =>
    Object.entries(r.log.flagged)
      .map(([f, k]) => `${f} ${k}`)
      .join(', ') || '-';
  const fw = Math.max(13, ...rows.map((r) => flaggedText(r).length));
  out(`\n${title}\n`);
  out(
    `  ${'contest'.padEnd(width)} ${'stations'.padStart(17)} ${'valid votes'.padStart(12)} ${'rejected'.padStart(10)}  ${'flagged forms'.padEnd(fw)}  log = forms?\n`,
  );
  for (const r of rows) {
    const stations = `${r.log.stationsReported.toLocaleString('en')}/${r.log.stationsExpected.toLocaleString('en')}`;
    out(
      `  ${r.contest.padEnd(width)} ${stations.padStart(17)} ${fmt(r.log.totalValid)} ${fmt(r.log.rejected, 10)}  ${flaggedText(r).padEnd(fw)}  ${r.agree ? 'equal' : 'DIFFERS'}\n`,
    );
    for (const d of r.differences.slice(0, 5)) out(`      ${d}\n`);
    if (r.differences.length > 5) out(`      ... and ${r.differences.length - 5} more\n`);
  }
  return rows.every((r) => r.agree);
}

/** Prints one contest's candidates, log beside forms (for a national contest with few candidates). */
export function printCandidates(r: ContestComparison, out: (s: string) => void): void {
  out(`\n${r.contest}: national tally (from the log) beside the sum of the forms sent\n`);
  out(`  ${'candidate'.padEnd(24)} ${'kura log'.padStart(12)} ${'forms'.padStart(12)}\n`);
  const votes = r.log.votes ?? {};
  for (const c of Object.keys(votes)) {
    const got = votes[c] ?? 0;
    const want = r.expected.votes[c] ?? 0;
    out(
      `  ${c.padEnd(24)} ${fmt(got)} ${fmt(want)}  ${got === want ? 'equal' : `DIFFERS by ${got - want}`}\n`,
    );
  }
}

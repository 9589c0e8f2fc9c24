// Runs every forensic analysis on every contest (the presidential one first)
// and gathers the flagged results into one list. Pure: the input is data, the
// output is data; rendering and writing files are elsewhere.
import { err, ok, type Result } from '../basics/result.js';
import type { Contest } from '../election/definition.js';
import { checkDefinition, type ElectionIndex } from '../election/election-index.js';
import { type AgentCoverage, agentCoverage, foldEntries } from './agent-coverage.js';
import { type Fingerprint, fingerprint } from './fingerprint.js';
import { FLAG_ORDER, type StationFlag } from './flags.js';
import type { ForensicsInput, ForensicsSource } from './input.js';
import { type LastDigitAnalysis, lastDigitAnalysis } from './last-digits.js';
import { raceStandings } from './race-standings.js';
import { type RuleCheck, ruleChecks, serialUse } from './rule-checks.js';
import { collectFigures, firstPerStation, type SkippedEntry } from './station-figures.js';
import { type TurnoutOutlierAnalysis, turnoutOutliers } from './turnout-outliers.js';

export interface ContestForensics {
  contest: Pick<Contest, 'id' | 'title' | 'kind' | 'scope'>;
  /** Some or all of the contest's candidates are invented (the definition says so). */
  simulated: boolean;
  stationsExpected: number;
  stationsReported: number;
  /** Result entries logged for the contest (more than stations only if one reported twice). */
  results: number;
  rules: RuleCheck[];
  lastDigits: LastDigitAnalysis;
  fingerprint: Fingerprint;
  turnout: TurnoutOutlierAnalysis;
}

/** One row of the flagged-stations list (and of the CSV). */
export interface FlaggedRow extends StationFlag {
  stationName: string;
  county: string;
  constituency: string;
}

export interface ForensicsReport {
  generatedAt: string;
  source: ForensicsSource;
  election: {
    id: string;
    title: string;
    stations: number;
    perStationCap: number | null;
    provenance?: string;
  };
  entries: { total: number; results: number; skipped: SkippedEntry[] };
  /** The presidential contest first, then the definition's order. */
  contests: ContestForensics[];
  /** Every flag, by contest (in the order above), then flag, then entry index. */
  flagged: FlaggedRow[];
  /** The parties' agents: co-signatures and dissents by area; null where no party keeps a roster. */
  agents: AgentCoverage | null;
}

const ROSTER = Buffer.from('"type":"roster"');

/** Whether an entry's bytes name the roster type (a cheap test before folding the whole log). */
function mentionsRoster(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(ROSTER);
}

export function analyse(
  input: ForensicsInput,
  now: Date = new Date(),
): Result<ForensicsReport, string> {
  const checked = checkDefinition(input.definition);
  if (!checked.ok)
    return err(`the election definition is inconsistent: ${checked.error.join('; ')}`);
  return ok(analyseIndexed(checked.value, input, now));
}

export function analyseIndexed(
  index: ElectionIndex,
  input: ForensicsInput,
  now: Date,
): ForensicsReport {
  const def = index.definition;
  const collected = collectFigures(index, input.entries);
  const serials = serialUse(collected);
  const unitName = (code: string) => index.units.get(code)?.name ?? code;
  const ordered = [...def.contests].sort(
    (a, b) => Number(b.kind === 'president') - Number(a.kind === 'president'),
  );
  const contests = ordered.map((contest): ContestForensics => {
    const all = collected.byContest.get(contest.id) ?? [];
    const once = firstPerStation(all);
    const standings = raceStandings(once);
    let expected = 0;
    for (const s of def.stations) if (index.raceFor(contest.id, s.code)) expected++;
    return {
      contest: { id: contest.id, title: contest.title, kind: contest.kind, scope: contest.scope },
      simulated: contest.candidates.some((c) => c.simulated === true),
      stationsExpected: expected,
      stationsReported: once.length,
      results: all.length,
      rules: ruleChecks(all, def.perStationCap, serials),
      lastDigits: lastDigitAnalysis(contest, once, standings),
      fingerprint: fingerprint(once, standings),
      turnout: turnoutOutliers(once, unitName),
    };
  });
  const rank = new Map(FLAG_ORDER.map((f, i) => [f, i]));
  const flagged: FlaggedRow[] = [];
  contests.forEach((c) => {
    const flags = [
      ...c.rules.flatMap((r) => r.flags),
      ...c.turnout.flags,
      ...c.fingerprint.flags,
    ].sort(
      (a, b) => (rank.get(a.flag) ?? 0) - (rank.get(b.flag) ?? 0) || a.entryIndex - b.entryIndex,
    );
    for (const f of flags) {
      const place = index.places.get(f.station);
      flagged.push({
        ...f,
        stationName: place?.station.name ?? '',
        county: place ? unitName(place.county) : '',
        constituency: place ? unitName(place.constituency) : '',
      });
    }
  });
  return {
    generatedAt: now.toISOString(),
    source: input.source,
    election: {
      id: def.electionId,
      title: def.title,
      stations: def.stations.length,
      perStationCap: def.perStationCap,
      ...(def.provenance ? { provenance: def.provenance } : {}),
    },
    entries: {
      total: input.entries.length,
      results: collected.resultEntries,
      skipped: collected.skipped,
    },
    contests,
    flagged,
    agents: input.entries.some(mentionsRoster)
      ? agentCoverage(index, foldEntries(index, input.entries))
      : null,
  };
}

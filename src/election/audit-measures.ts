// What an audit measures, from the figures its approval froze: the assertions
// of the reported outcome, the draws of each round, the risk, and the next
// round's size. The arithmetic is src/audit's (MACRO, BRAVO, Minerva, the
// samplers); this file only says which figures go in, in which order
// (FORMATS.md §15.4–15.6), so the server, the fold and `kura verify` feed the
// math the same numbers.
import {
  assertionMargin,
  type BatchTally,
  type LinearAssertion,
  pluralityAssertions,
  shareAssertion,
} from '../audit/assertions.js';
import { drawBallots } from '../audit/ballot-draw.js';
import { drawBatches } from '../audit/batch-draw.js';
import { bravoRisk, bravoSampleSizes } from '../audit/bravo.js';
import {
  type MacroContext,
  macroContext,
  macroRisk,
  macroSampleSize,
  maxOverstatement,
  type PaperTally,
} from '../audit/macro.js';
import { minervaRisk, minervaSampleSizes } from '../audit/minerva.js';
import type { CandidateId, Contest, StationCode, UnitCode } from './definition.js';
import { type ElectionIndex, NATION } from './election-index.js';
import type { AuditMethod, Figures } from './official-entry.js';

export type { BatchTally, LinearAssertion } from '../audit/assertions.js';

/** Counties where Kenya's president needs a quarter of the votes (Constitution art. 138(4)(b)). */
export const KENYA_COUNTIES_NEEDED = 24;

/** What an approved audit measures: fixed at its approval. */
export interface Frozen {
  /** The contest's stations in definition order, with their figures at the approval. */
  figures: ReadonlyMap<StationCode, Figures>;
  /** The same as batch tallies (ballots = totalValid + rejected). */
  reported: ReadonlyMap<StationCode, BatchTally>;
  assertions: readonly LinearAssertion[];
  /** Macro: the comparison's context (u_p, U); null for ballot polling. */
  macro: MacroContext | null;
  /** The reported totals per candidate (for ballot polling: of the contest's one race). */
  totals: Readonly<Record<CandidateId, number>>;
  /** Ballot polling's frame: each station's ballots (totalValid + rejected), definition order. */
  ballots: readonly { id: StationCode; ballots: number }[];
}

/** One draw of a round. */
export interface AuditDraw {
  draw: number;
  station: StationCode;
  ticket: string;
  /** The ballot's position in the station, 1 … its ballots (ballot polling). */
  position?: number;
}

/** A ballot-polling round: its ballots as read per candidate, how many it drew, how many were not found. */
export interface PollingRound {
  tally: Record<CandidateId, number>;
  size: number;
  notFound: number;
}

/**
 * Freezes a contest's figures for an audit: its assertions, and for macro the
 * error bounds. Throws (RangeError) where the reported outcome has no margin
 * to audit; the caller has checked the margins first.
 */
export function freezeFigures(
  index: ElectionIndex,
  contest: Contest,
  method: AuditMethod,
  figures: ReadonlyMap<StationCode, Figures>,
): Frozen {
  const reported = reportedTallies(figures);
  const totals = totalsOf(candidatesOf(index, contest), figures.values());
  const assertions =
    method === 'macro'
      ? macroAssertions(index, contest, figures, reported)
      : pluralityAssertions(totals, 1);
  return {
    figures,
    reported,
    assertions,
    macro: null,
    totals,
    ballots: [...figures].map(([id, f]) => ({ id, ballots: f.totalValid + f.rejected })),
  };
}

/** The margin V_a of each assertion over the frozen figures. */
export function margins(f: Frozen): number[] {
  return f.assertions.map((a) => assertionMargin(a, f.reported));
}

/** Adds the MACRO context (u_p and U) to a macro audit's frozen figures. */
export function withMacro(f: Frozen): Frozen {
  return { ...f, macro: macroContext(f.assertions, f.reported) };
}

/**
 * Kenya's presidential rule (more than half of the valid votes, and at least
 * a quarter in at least 24 of the 47 counties): the half nationally, and the
 * quarter in the 24 counties where the winner's margin over a quarter is
 * largest (FORMATS.md §15.5). Every other contest: the plurality in each race.
 */
function macroAssertions(
  index: ElectionIndex,
  contest: Contest,
  figures: ReadonlyMap<StationCode, Figures>,
  reported: ReadonlyMap<StationCode, BatchTally>,
): LinearAssertion[] {
  if (contest.kind === 'president' && contest.scope === 'nation') {
    const candidates = candidatesOf(index, contest);
    const winner = leader(totalsOf(candidates, figures.values()), candidates);
    const half = shareAssertion(`${winner}>1/2`, winner, candidates, { num: 1, den: 2 }, null);
    const counties = new Map<UnitCode, Set<StationCode>>();
    for (const station of figures.keys()) {
      const county = index.unitOf(station, 'county') ?? '';
      const set = counties.get(county) ?? new Set<StationCode>();
      set.add(station);
      counties.set(county, set);
    }
    const quarters = [...counties]
      .map(([county, stations]) => {
        const a = shareAssertion(
          `${winner}>=1/4:${county}`,
          winner,
          candidates,
          { num: 1, den: 4 },
          stations,
        );
        return { a, county, margin: assertionMargin(a, reported) };
      })
      .sort((x, y) => y.margin - x.margin || byCode(x.county, y.county))
      .slice(0, KENYA_COUNTIES_NEEDED);
    return [half, ...quarters.map((q) => q.a)];
  }
  const races = new Map<UnitCode, StationCode[]>();
  for (const station of figures.keys()) {
    const race = index.raceFor(contest.id, station);
    if (!race) continue;
    const list = races.get(race.unit) ?? [];
    list.push(station);
    races.set(race.unit, list);
  }
  const out: LinearAssertion[] = [];
  for (const [unit, stations] of [...races].sort(([x], [y]) => byCode(x, y))) {
    const candidates = index.racesOf(contest.id).get(unit)?.candidates ?? [];
    const totals = totalsOf(
      candidates,
      stations.map((s) => figures.get(s) as Figures),
    );
    for (const a of pluralityAssertions(totals, 1))
      out.push(unit === NATION ? a : { ...a, id: `${unit}:${a.id}`, batches: new Set(stations) });
  }
  return out;
}

/** Draws number from+1 … from+count of an audit (FORMATS.md §15.4). */
export function drawRound(f: Frozen, seed: string, from: number, count: number): AuditDraw[] {
  if (f.macro) {
    const ctx = f.macro;
    const weights = [...f.reported.keys()].map((id) => ({ id, weight: maxOverstatement(ctx, id) }));
    return drawBatches(weights, seed, from, count).map((d) => ({
      draw: d.draw,
      station: d.id,
      ticket: d.ticket,
    }));
  }
  return drawBallots(f.ballots, seed, from, count).map((d) => ({
    draw: d.draw,
    station: d.station,
    ticket: d.ticket,
    position: d.position,
  }));
}

/** The most draws an audit may make before counting in full: its stations (macro) or ballots. */
export function drawLimit(f: Frozen): number {
  return f.macro ? f.reported.size : f.ballots.reduce((t, b) => t + b.ballots, 0);
}

/** MACRO's risk over every draw so far (draw order, repeats included) and the confirmed papers. */
export function macroRiskOf(
  f: Frozen,
  draws: readonly StationCode[],
  papers: ReadonlyMap<StationCode, PaperTally>,
): number {
  return f.macro ? macroRisk(f.macro, draws, papers) : 1;
}

/**
 * Ballot polling's risk after the rounds so far: BRAVO over their sum,
 * Minerva round by round; a ballot not found counts as a vote for every
 * loser, and a sample of every ballot is a full count (risk 0).
 */
export function pollingRiskOf(
  f: Frozen,
  method: AuditMethod,
  riskLimit: number,
  rounds: readonly PollingRound[],
): number {
  if (method === 'bravo')
    return bravoRisk(f.totals, 1, sumTallies(rounds), riskLimit, {
      ballots: drawLimit(f),
      notFound: rounds.reduce((t, r) => t + r.notFound, 0),
    }).pValue;
  return minervaRisk(
    f.totals,
    rounds.map((r) => r.tally),
    rounds.map((r) => r.size),
    riskLimit,
    { notFound: rounds.map((r) => r.notFound) },
  ).pValue;
}

/** Estimates (log and exp allowed: advice, not checked) of the next round's size. */
export function nextSizes(
  f: Frozen,
  method: AuditMethod,
  riskLimit: number,
  draws: readonly StationCode[],
  papers: ReadonlyMap<StationCode, PaperTally>,
  rounds: readonly PollingRound[],
): { '0.7': number; '0.8': number; '0.9': number } {
  if (f.macro) {
    const n = macroSampleSize(f.macro, riskLimit, draws, papers);
    return { '0.7': n, '0.8': n, '0.9': n };
  }
  const s =
    method === 'bravo'
      ? bravoSampleSizes(f.totals, 1, sumTallies(rounds), riskLimit, drawLimit(f), {
          notFound: rounds.reduce((t, r) => t + r.notFound, 0),
        })
      : minervaSampleSizes(
          f.totals,
          rounds.map((r) => r.size),
          riskLimit,
          { ballots: drawLimit(f) },
        );
  return { '0.7': s['0.7'], '0.8': s['0.8'], '0.9': s['0.9'] };
}

/**
 * A full count's verdict: every assertion's sum over the papers, a paper not
 * found counting as the worst case (each of its logged ballots adding the
 * assertion's minPerBallot). All positive: the outcome stands.
 */
export function fullCountHolds(
  f: Frozen,
  papers: ReadonlyMap<StationCode, Figures | 'not-found'>,
): boolean {
  const counted = new Map<StationCode, BatchTally>();
  const lost: StationCode[] = [];
  for (const station of f.figures.keys()) {
    const p = papers.get(station);
    if (p === undefined || p === 'not-found') lost.push(station);
    else counted.set(station, { votes: p.votes, ballots: p.totalValid + p.rejected });
  }
  return f.assertions.every((a) => {
    let sum = assertionMargin(a, counted);
    for (const s of lost) {
      if (a.batches && !a.batches.has(s)) continue;
      sum += (f.reported.get(s)?.ballots ?? 0) * a.minPerBallot;
    }
    return sum > 0;
  });
}

function reportedTallies(figures: ReadonlyMap<StationCode, Figures>): Map<StationCode, BatchTally> {
  const out = new Map<StationCode, BatchTally>();
  for (const [s, f] of figures) out.set(s, { votes: f.votes, ballots: f.totalValid + f.rejected });
  return out;
}

/** The candidates of a national contest's one race, in definition order ([] for other contests). */
function candidatesOf(index: ElectionIndex, contest: Contest): CandidateId[] {
  return index.racesOf(contest.id).get(NATION)?.candidates ?? [];
}

/** Votes per candidate, keys in the race's definition order (the order ties keep). */
function totalsOf(
  candidates: readonly CandidateId[],
  figures: Iterable<Figures>,
): Record<CandidateId, number> {
  const totals: Record<CandidateId, number> = Object.create(null);
  for (const c of candidates) totals[c] = 0;
  for (const f of figures)
    for (const [c, n] of Object.entries(f.votes)) totals[c] = (totals[c] ?? 0) + n;
  return totals;
}

/** The candidate with the most votes; a tie goes to the first in `order` (and has no margin). */
export function leader(
  totals: Readonly<Record<CandidateId, number>>,
  order: readonly CandidateId[],
): CandidateId {
  let best = order[0] ?? '';
  for (const c of order) if ((totals[c] ?? 0) > (totals[best] ?? 0)) best = c;
  return best;
}

function sumTallies(rounds: readonly PollingRound[]): Record<CandidateId, number> {
  const out: Record<CandidateId, number> = Object.create(null);
  for (const r of rounds) for (const [c, n] of Object.entries(r.tally)) out[c] = (out[c] ?? 0) + n;
  return out;
}

function byCode(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

// A batch-comparison audit run offline, round by round, with the very code the
// fold checks an audit with (src/election/audit-measures.ts over src/audit):
// each round draws the number of stations Arlo's estimate asks for (over every
// draw so far and the papers read), the draws continue one seeded sequence, and
// the risk is measured over all draws. The Kenya audit table
// (kenya-audit-table.ts) runs it on the 2022 log; `kura demo --audit` runs the
// same rounds through the server's API (nextAuditRound decides each round for
// both).
import type { BatchTally } from '../audit/assertions.js';
import { riskLimitMet } from '../audit/macro.js';
import {
  type AuditDraw,
  drawLimit,
  drawRound,
  type Frozen,
  fullCountHolds,
  macroRiskOf,
  nextSizes,
} from '../election/audit-measures.js';
import type { StationCode } from '../election/definition.js';
import type { Figures } from '../election/official-entry.js';

/** After this many sampled rounds without meeting the limit, the next round is a full count. */
export const MAX_SAMPLED_ROUNDS = 10;

export type NextRound = { full: false; draws: number } | { full: true; why: string };

/**
 * The next round: Arlo's estimate of the draws still needed, or a full hand
 * count when sampling cannot help: a drawn station's paper was not found or
 * overstates the margin more than its bound allows (the risk is then 1 for
 * good: every later product keeps that draw), the estimate reaches every
 * station, or MAX_SAMPLED_ROUNDS rounds have not met the limit.
 */
export function nextAuditRound(o: {
  sampledRounds: number;
  risk: number;
  estimate: number;
  stations: number;
}): NextRound {
  if (o.sampledRounds > 0 && o.risk >= 1)
    return {
      full: true,
      why: 'a sampled paper makes the risk 1 (not found, or worse than its error bound): no further sample can lower it',
    };
  if (o.sampledRounds >= MAX_SAMPLED_ROUNDS)
    return { full: true, why: `${MAX_SAMPLED_ROUNDS} sampled rounds did not meet the risk limit` };
  if (o.estimate >= o.stations)
    return { full: true, why: 'the estimate reaches every station: a full count is no more work' };
  return { full: false, draws: Math.max(1, o.estimate) };
}

export interface OfflineRound {
  round: number;
  full: boolean;
  /** New draws this round (a full count: every station). */
  draws: number;
  /** The risk measured after the round (a full count: 0). */
  risk: number;
}

export interface OfflineAudit {
  rounds: OfflineRound[];
  /** Every draw of the sampled rounds, in order. */
  draws: AuditDraw[];
  /** Stations whose paper was read: the distinct stations drawn, or all of them after a full count. */
  stationsChecked: number;
  /** Of those, the stations whose paper differs from the log. */
  discrepancies: number;
  /** How it ended: the risk limit met, or a full count that confirms or overturns the outcome. */
  outcome: 'risk-limit-met' | 'confirmed' | 'overturned';
  /** Why the last round was a full count. */
  fullCountWhy: string | null;
  /** The risk measured when the audit stopped (0 after a full count). */
  risk: number;
}

/** A paper's figures as the risk reads them. */
function tallyOf(p: Figures): BatchTally {
  return { votes: p.votes, ballots: p.totalValid + p.rejected };
}

/** True when a paper differs from the logged figures in any figure. */
export function differsFromLog(logged: Figures, paper: Figures | 'not-found'): boolean {
  if (paper === 'not-found') return true;
  if (paper.rejected !== logged.rejected || paper.totalValid !== logged.totalValid) return true;
  const names = new Set([...Object.keys(paper.votes), ...Object.keys(logged.votes)]);
  for (const c of names) if ((paper.votes[c] ?? 0) !== (logged.votes[c] ?? 0)) return true;
  return false;
}

/**
 * Runs a macro audit of frozen figures to its end: rounds until the risk is at
 * most the limit, or a full count. `paperOf` gives what a station's paper says.
 */
export function runMacroAudit(
  f: Frozen,
  seed: string,
  riskLimitPercent: number,
  paperOf: (station: StationCode) => Figures | 'not-found',
): OfflineAudit {
  const read = new Map<StationCode, Figures | 'not-found'>();
  const papers = new Map<StationCode, BatchTally | 'not-found'>();
  const draws: AuditDraw[] = [];
  const ids: StationCode[] = [];
  const rounds: OfflineRound[] = [];
  const differing = () => {
    let n = 0;
    for (const [station, paper] of read)
      if (differsFromLog(f.figures.get(station) as Figures, paper)) n++;
    return n;
  };
  let risk = 1;
  for (;;) {
    const next = nextAuditRound({
      sampledRounds: rounds.length,
      risk,
      estimate: nextSizes(f, 'macro', riskLimitPercent, ids, papers, [])['0.9'],
      stations: drawLimit(f),
    });
    if (next.full) {
      for (const station of f.figures.keys())
        if (!read.has(station)) read.set(station, paperOf(station));
      rounds.push({ round: rounds.length + 1, full: true, draws: f.figures.size, risk: 0 });
      return {
        rounds,
        draws,
        stationsChecked: f.figures.size,
        discrepancies: differing(),
        outcome: fullCountHolds(f, read) ? 'confirmed' : 'overturned',
        fullCountWhy: next.why,
        risk: 0,
      };
    }
    const drawn = drawRound(f, seed, draws.length, next.draws);
    for (const d of drawn) {
      draws.push(d);
      ids.push(d.station);
      if (!read.has(d.station)) {
        const paper = paperOf(d.station);
        read.set(d.station, paper);
        papers.set(d.station, paper === 'not-found' ? paper : tallyOf(paper));
      }
    }
    risk = macroRiskOf(f, ids, papers);
    rounds.push({ round: rounds.length + 1, full: false, draws: drawn.length, risk });
    if (riskLimitMet(risk, riskLimitPercent))
      return {
        rounds,
        draws,
        stationsChecked: read.size,
        discrepancies: differing(),
        outcome: 'risk-limit-met',
        fullCountWhy: null,
        risk,
      };
  }
}

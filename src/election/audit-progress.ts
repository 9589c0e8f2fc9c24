// How far an audit has got, per county: the stations of the contest there, how
// many were drawn, how many have a paper entered and how many a confirmed one.
// Derived from the audit's view and the definition alone, so a server and
// `kura verify` (which recomputes the view from the log) compute the same.
import type { AuditView } from './audits.js';
import type { StationCode, UnitCode } from './definition.js';
import type { ElectionIndex } from './election-index.js';

/** Distinct stations: each counts once however often it was drawn or entered. */
export interface AuditCounts {
  /** Stations of the contest. */
  stations: number;
  /** Stations drawn in any round (a full count draws every one). */
  sampled: number;
  /** Sampled stations with a paper (or ballots) entry in any round. */
  entered: number;
  /** Sampled stations with a confirmed entry in any round. */
  confirmed: number;
}

export interface CountyProgress extends AuditCounts {
  county: UnitCode;
  name: string;
}

export interface AuditProgress {
  total: AuditCounts;
  /** Every county with a station in the contest, in definition order. */
  counties: CountyProgress[];
}

/** A drawn station's name and county, so a reader need not look each one up. */
export interface SampledStation {
  name: string;
  county: UnitCode;
}

/** An audit's view with its progress, its drawn stations' names and the last entry that changed it, as GET /api/v1/audits/{id} answers it. */
export type AuditAnswer = AuditView & {
  progress: AuditProgress;
  stations: Record<StationCode, SampledStation>;
  lastEntry: number;
};

/** The stations an audit's rounds drew, entered and confirmed. */
function stationsOf(view: AuditView): {
  sampled: Set<StationCode>;
  entered: Set<StationCode>;
  confirmed: Set<StationCode>;
} {
  const sampled = new Set<StationCode>();
  const entered = new Set<StationCode>();
  const confirmed = new Set<StationCode>();
  for (const round of view.rounds) {
    for (const d of round.draws) sampled.add(d.station);
    for (const p of round.papers) {
      entered.add(p.station);
      if (p.confirmedBy !== null) confirmed.add(p.station);
    }
  }
  return { sampled, entered, confirmed };
}

export function auditProgress(index: ElectionIndex, view: AuditView): AuditProgress {
  const { sampled, entered, confirmed } = stationsOf(view);
  const zero = (): AuditCounts => ({ stations: 0, sampled: 0, entered: 0, confirmed: 0 });
  const total = zero();
  const byCounty = new Map<UnitCode, AuditCounts>();
  for (const station of index.stations.keys()) {
    if (!index.raceFor(view.contest, station)) continue;
    const county = index.unitOf(station, 'county') ?? '';
    let c = byCounty.get(county);
    if (!c) {
      c = zero();
      byCounty.set(county, c);
    }
    for (const counts of [c, total]) {
      counts.stations += 1;
      if (sampled.has(station)) counts.sampled += 1;
      if (entered.has(station)) counts.entered += 1;
      if (confirmed.has(station)) counts.confirmed += 1;
    }
  }
  const counties: CountyProgress[] = [];
  for (const unit of index.definition.units) {
    const c = byCounty.get(unit.code);
    if (c && unit.level === 'county') counties.push({ county: unit.code, name: unit.name, ...c });
  }
  return { total, counties };
}

/** The highest entry index the view cites: the last entry that changed the audit. */
export function auditLastEntry(view: AuditView): number {
  let last = Math.max(view.proposedAt, view.approvedAt ?? -1, view.seedAt ?? -1);
  for (const r of view.rounds) {
    last = Math.max(last, r.startedAt, r.closedAt ?? -1);
    for (const p of r.papers) last = Math.max(last, p.entryIndex, p.confirmedAt ?? -1);
  }
  return last;
}

/** Every station drawn in any round, once, in the order first drawn, with its name and county from the definition. */
export function sampledStations(
  index: ElectionIndex,
  view: AuditView,
): Record<StationCode, SampledStation> {
  const out: Record<StationCode, SampledStation> = {};
  for (const round of view.rounds)
    for (const { station } of round.draws) {
      if (Object.hasOwn(out, station)) continue;
      out[station] = {
        name: index.stations.get(station)?.name ?? '',
        county: index.unitOf(station, 'county') ?? '',
      };
    }
  return out;
}

export function auditAnswer(index: ElectionIndex, view: AuditView): AuditAnswer {
  return {
    ...view,
    progress: auditProgress(index, view),
    stations: sampledStations(index, view),
    lastEntry: auditLastEntry(view),
  };
}

/** One round in a listing: its counts, not its draws and papers. */
export interface AuditRoundSummary {
  round: number;
  full: boolean;
  draws: number;
  papers: number;
  confirmed: number;
  closedAt: number | null;
  risk: string | null;
  outcome: AuditView['rounds'][number]['outcome'];
}

/** An audit as GET /api/v1/audits lists it: the view without the draws and papers. */
export type AuditSummary = Omit<AuditView, 'rounds'> & {
  rounds: AuditRoundSummary[];
  progress: AuditCounts;
  lastEntry: number;
};

export function auditSummary(index: ElectionIndex, view: AuditView): AuditSummary {
  const { rounds, ...rest } = view;
  return {
    ...rest,
    rounds: rounds.map((r) => ({
      round: r.round,
      full: r.full,
      draws: r.draws.length,
      papers: r.papers.length,
      confirmed: r.papers.filter((p) => p.confirmedBy !== null).length,
      closedAt: r.closedAt,
      risk: r.risk,
      outcome: r.outcome,
    })),
    progress: auditProgress(index, view).total,
    lastEntry: auditLastEntry(view),
  };
}

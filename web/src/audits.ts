// Risk-limiting audits as the portal reads them (docs/FORMATS.md §15): the
// server's answers, and the arithmetic for display (the sample with each
// draw's paper, the discrepancies, the risk after each round). Pure functions;
// every figure comes from the answer, which comes from the log.
import type { Lang } from './i18n';

export type {
  AuditAnswer,
  AuditPaperView,
  AuditRoundView,
  AuditStatus,
  AuditsAnswer,
  AuditView,
  CountyProgress,
} from '../../src/api/contract.js';

import type { AuditPaperView, AuditView } from '../../src/api/contract.js';

export const auditUrl = (id: string) => `/api/v1/audits/${encodeURIComponent(id)}`;

/** Where a draw's paper stands. */
export type PaperState = 'awaiting' | 'entered' | 'confirmed' | 'differs' | 'not-found';

export interface SampleRow {
  draw: number;
  round: number;
  station: string;
  ticket: string;
  position?: number;
  state: PaperState;
  /** The entry that says what the paper says (the confirmed one first), if any. */
  paper: AuditPaperView | null;
}

/** The state of one paper entry. */
export function paperState(p: AuditPaperView | null): PaperState {
  if (!p) return 'awaiting';
  if (p.confirmedBy === null) return 'entered';
  if (p.paper === 'not-found') return 'not-found';
  return p.differences.length > 0 ? 'differs' : 'confirmed';
}

/**
 * The entry standing for a station's paper in a round: its confirmed entry,
 * else the latest one. A station's paper form is read once per audit (MACRO
 * and a full count: a confirmed reading stands for later draws of it too);
 * sampled ballots are read per round (FORMATS.md §15).
 */
export function paperOf(view: AuditView, round: number, station: string): AuditPaperView | null {
  const r = view.rounds.find((x) => x.round === round);
  const once = view.method === 'macro' || r?.full === true;
  const pool = (once ? view.rounds.flatMap((x) => x.papers) : (r?.papers ?? [])).filter(
    (p) => p.station === station && (once ? p.paper !== 'ballots' : true),
  );
  return pool.find((p) => p.confirmedBy !== null) ?? pool.at(-1) ?? null;
}

/** Every draw of every round, in draw order, with what its paper says. */
export function sampleRows(view: AuditView): SampleRow[] {
  return view.rounds.flatMap((r) =>
    r.draws.map((d) => {
      const paper = paperOf(view, r.round, d.station);
      return {
        draw: d.draw,
        round: r.round,
        station: d.station,
        ticket: d.ticket,
        ...(d.position === undefined ? {} : { position: d.position }),
        state: paperState(paper),
        paper,
      };
    }),
  );
}

/** Paper entries that differ from the log or found no paper, in log order. */
export function discrepancies(view: AuditView): AuditPaperView[] {
  return view.rounds
    .flatMap((r) => r.papers)
    .filter((p) => p.paper === 'not-found' || p.differences.length > 0)
    .sort((a, b) => a.entryIndex - b.entryIndex);
}

/** The risk logged when each round closed (a risk is String(binary64) in the log). */
export function riskPoints(view: AuditView): Array<{ round: number; risk: number }> {
  return view.rounds
    .filter((r) => r.risk !== null)
    .map((r) => ({ round: r.round, risk: Number(r.risk) }));
}

/** The open round's sampled stations, once each: those with no entry yet first, then those awaiting confirmation. */
export function stationsToEnter(view: AuditView): { waiting: string[]; unconfirmed: string[] } {
  const round = view.rounds.at(-1);
  if (!round || round.closedAt !== null) return { waiting: [], unconfirmed: [] };
  const waiting: string[] = [];
  const unconfirmed: string[] = [];
  for (const station of new Set(round.draws.map((d) => d.station))) {
    const p = paperOf(view, round.round, station);
    if (!p) waiting.push(station);
    else if (p.confirmedBy === null) unconfirmed.push(station);
  }
  return { waiting, unconfirmed };
}

/**
 * A risk as a percentage a reader can take in: three significant digits, so
 * 0.0437 is "4.37%" and 0.000123 is "0.0123%"; 1 is "100%", 0 is "0%".
 */
export function formatRisk(lang: Lang, risk: number): string {
  if (!Number.isFinite(risk)) return '–';
  const percent = risk * 100;
  const locale = lang === 'sw' ? 'sw-KE' : 'en-KE';
  if (percent === 0 || percent >= 100) return `${percent.toLocaleString(locale)}%`;
  return `${percent.toLocaleString(locale, { maximumSignificantDigits: 3 })}%`;
}

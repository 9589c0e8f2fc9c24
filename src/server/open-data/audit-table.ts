// An audit as open data: one row per draw of every round (in a full count,
// one row per station of the contest), with the station and its county by
// name, the ticket that drew it, the paper's figures beside the logged ones and
// their differences, who entered and who confirmed it, and the round's measured
// risk. GET /api/v1/audits/{id}/data?format=csv|json serves it.
import type { AuditPaperView, AuditView } from '../../election/audits.js';
import type { ElectionIndex } from '../../election/election-index.js';
import { csvLines } from './csv.js';

export interface AuditRow {
  round: number;
  full: boolean;
  roundRisk: string | null;
  roundOutcome: string | null;
  /** null in a full count (every station, no draw). */
  draw: number | null;
  ticket: string | null;
  /** The ballot's position in the station (ballot polling). */
  position: number | null;
  station: string;
  stationName: string;
  county: string;
  countyName: string;
  /** The entry of the paper (or ballots) read for this station; null before one is entered. */
  paperEntry: number | null;
  paper: AuditPaperView['paper'] | null;
  enteredBy: string | null;
  confirmedBy: string | null;
  form: string | null;
  votes: Record<string, number> | null;
  rejected: number | null;
  totalValid: number | null;
  invalid: number | null;
  notFound: number | null;
  logged: AuditPaperView['logged'] | null;
  differences: AuditPaperView['differences'];
}

export interface AuditTable {
  audit: Omit<AuditView, 'rounds'>;
  /** The contest's candidates in the definition's order (the vote columns). */
  candidates: string[];
  rounds: Array<{
    round: number;
    full: boolean;
    startedAt: number;
    sampleSha256: string;
    draws: number;
    papers: number;
    closedAt: number | null;
    risk: string | null;
    outcome: string | null;
  }>;
  rows: AuditRow[];
}

/**
 * The paper read for a station in a round: that round's entry for it that no
 * later one replaced, else an earlier round's (a batch comparison reads each
 * station's paper once).
 */
function paperFor(view: AuditView, round: number, station: string): AuditPaperView | null {
  for (let i = view.rounds.length - 1; i >= 0; i--) {
    const r = view.rounds[i];
    if (!r || r.round > round) continue;
    const found = r.papers.filter((p) => p.station === station && p.supersededBy === null).at(-1);
    if (found) return found;
  }
  return null;
}

export function auditTable(index: ElectionIndex, view: AuditView): AuditTable {
  const { rounds, ...audit } = view;
  const contest = index.contests.get(view.contest);
  const candidates = contest ? contest.candidates.map((c) => c.id) : [];
  const place = (station: string) => {
    const county = index.unitOf(station, 'county') ?? '';
    return {
      station,
      stationName: index.stations.get(station)?.name ?? '',
      county,
      countyName: index.units.get(county)?.name ?? '',
    };
  };
  const paperColumns = (p: AuditPaperView | null) => ({
    paperEntry: p?.entryIndex ?? null,
    paper: p?.paper ?? null,
    enteredBy: p?.enteredBy ?? null,
    confirmedBy: p?.confirmedBy ?? null,
    form: p?.form ?? null,
    votes: p?.votes ?? null,
    rejected: p ? p.rejected : null,
    totalValid: p ? p.totalValid : null,
    invalid: p?.invalid ?? null,
    notFound: p?.notFound ?? null,
    logged: p?.logged ?? null,
    differences: p?.differences ?? [],
  });
  const rows: AuditRow[] = [];
  for (const r of rounds) {
    const roundColumns = {
      round: r.round,
      full: r.full,
      roundRisk: r.risk,
      roundOutcome: r.outcome,
    };
    // A full count's draws are every station of the contest, once, with no ticket.
    for (const d of r.draws)
      rows.push({
        ...roundColumns,
        draw: r.full ? null : d.draw,
        ticket: r.full ? null : d.ticket,
        position: d.position ?? null,
        ...place(d.station),
        ...paperColumns(paperFor(view, r.round, d.station)),
      });
  }
  return {
    audit,
    candidates,
    rounds: rounds.map((r) => ({
      round: r.round,
      full: r.full,
      startedAt: r.startedAt,
      sampleSha256: r.sampleSha256,
      draws: r.draws.length,
      papers: r.papers.length,
      closedAt: r.closedAt,
      risk: r.risk,
      outcome: r.outcome,
    })),
    rows,
  };
}

/**
 * The table as RFC 4180 CSV: one row per draw, the paper's and the log's
 * figures per candidate ("paper:<id>", "logged:<id>"), the differences as
 * "field paper/logged" joined by ";".
 */
export function auditTableCsv(t: AuditTable): string {
  const header = [
    'audit',
    'round',
    'full_count',
    'round_risk',
    'round_outcome',
    'draw',
    'ticket',
    'ballot_position',
    'station',
    'station_name',
    'county',
    'county_name',
    'paper_entry',
    'paper',
    'entered_by',
    'confirmed_by',
    'form_sha256',
    ...t.candidates.flatMap((c) => [`paper:${c}`, `logged:${c}`]),
    'paper_rejected',
    'logged_rejected',
    'paper_total_valid',
    'logged_total_valid',
    'invalid',
    'not_found',
    'differences',
  ];
  const rows = t.rows.map((r) => [
    t.audit.id,
    r.round,
    r.full ? 'yes' : 'no',
    r.roundRisk,
    r.roundOutcome,
    r.draw,
    r.ticket,
    r.position,
    r.station,
    r.stationName,
    r.county,
    r.countyName,
    r.paperEntry,
    r.paper,
    r.enteredBy,
    r.confirmedBy,
    r.form,
    ...t.candidates.flatMap((c) => [r.votes?.[c] ?? null, r.logged?.votes[c] ?? null]),
    r.rejected,
    r.logged?.rejected ?? null,
    r.totalValid,
    r.logged?.totalValid ?? null,
    r.invalid,
    r.notFound,
    r.differences.map((d) => `${d.field} ${d.paper}/${d.logged}`).join(';'),
  ]);
  return csvLines([header, ...rows]);
}

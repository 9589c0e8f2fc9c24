// The Kenya 2022 question (issue 14, part 6): how many stations' paper Form
// 34A a court would have had to check to confirm the presidential outcome by a
// batch-comparison risk-limiting audit, at risk limits of 1, 5 and 10 %, and
// how that moves with the share of stations whose paper differs from the log.
//
// The reported figures are the log's (the reconciled station results, as the
// demo's night logs them), frozen and asserted exactly as the server freezes a
// Kenya presidential audit (src/election/audit-measures.ts: more than half of
// the valid votes nationally, at least a quarter in 24 counties). Each cell is
// a real seeded audit of that log (audit-rounds.ts), the paper of each drawn
// station read from
//   - "observed": the crowdsourced Form 34A reading where the reconciliation
//     adjusted the station (2,810 stations), the log elsewhere
//     (src/kenya/audit-paper.ts);
//   - "r %": a synthetic misreading at a share r of the stations, chosen by a
//     hash of the station code (so the 1 % are among the 5 %, and those among
//     the 10 %): SYNTHETIC_MISREAD_VOTES of the winner's votes read as the
//     runner-up's (the margin overstated by twice that there), the log elsewhere.
// Beside the audit with the published seed, each cell gives what to expect,
// from src/audit's planning (macro-plan.ts): the draws the drift of the risk
// predicts for the scenario's discrepancies, and SIMULATED_AUDITS simulated
// audits (the median stations checked, and how many end in a full count), to
// show the spread one seed hides.

import type { BatchTally } from '../audit/assertions.js';
import { type MacroContext, macroSampleSize } from '../audit/macro.js';
import {
  batchTaints,
  expectedMacroDraws,
  simulateMacroDraws,
  type TaintShare,
} from '../audit/macro-plan.js';
import { type Frozen, freezeFigures, leader, withMacro } from '../election/audit-measures.js';
import type { Contest, StationCode } from '../election/definition.js';
import { checkDefinition, type ElectionIndex } from '../election/election-index.js';
import type { Figures } from '../election/official-entry.js';
import { auditPaper } from '../kenya/audit-paper.js';
import { buildKenya2022Definition } from '../kenya/definition.js';
import { presidentialStationResults } from '../kenya/presidential-votes.js';
import { toHex, utf8 } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';
import { generateKey } from '../log/note.js';
import { differsFromLog, type OfflineAudit, runMacroAudit } from './audit-rounds.js';

/**
 * The seed of the table's audits and of the demo's audit: the four
 * candidates' Form 34C totals written one after the other (Ruto 7,176,141,
 * Odinga 6,942,930, Wajackoyah 61,969, Mwaure 31,987): 24 digits fixed by the
 * declaration of 15 August 2022 and chosen before any audit here was run, so
 * it was not picked for its sample. A real audit rolls dice in public.
 */
export const KENYA_AUDIT_SEED = '717614169429306196931987';

export const KENYA_AUDIT_RISK_LIMITS = [1, 5, 10] as const;

/** Votes moved from the winner to the runner-up at each synthetically misread station. */
export const SYNTHETIC_MISREAD_VOTES = 5;

/** Simulated audits per cell (src/audit/macro-plan.ts), seeded with KENYA_AUDIT_SEED. */
export const SIMULATED_AUDITS = 1000;

export type PaperScenario = { kind: 'observed' } | { kind: 'synthetic'; percent: number };

export const KENYA_AUDIT_SCENARIOS: readonly PaperScenario[] = [
  { kind: 'observed' },
  { kind: 'synthetic', percent: 0 },
  { kind: 'synthetic', percent: 1 },
  { kind: 'synthetic', percent: 5 },
  { kind: 'synthetic', percent: 10 },
];

export interface KenyaAudit {
  index: ElectionIndex;
  contest: Contest;
  /** The log's presidential figures as the audit freezes them. */
  frozen: Frozen;
  winner: string;
  runnerUp: string;
}

let kenya: KenyaAudit | null = null;

/** The Kenya 2022 definition's index (keys do not matter to an audit: fixed demo ones). */
function kenyaIndex(): ElectionIndex {
  const logKey = generateKey('kura.example/kenya-2022', new Uint8Array(32).fill(1)).verifierKey;
  const commissionKey = generateKey(
    'kura.example-commission',
    new Uint8Array(32).fill(2),
  ).verifierKey;
  const checked = checkDefinition(
    buildKenya2022Definition({ logOrigin: 'kura.example/kenya-2022', logKey, commissionKey }),
  );
  if (!checked.ok) throw new Error(`the Kenya 2022 definition: ${checked.error[0]}`);
  return checked.value;
}

/** The 2022 log's presidential figures frozen for a macro audit (computed once). */
export function kenyaAudit(): KenyaAudit {
  if (kenya) return kenya;
  const index = kenyaIndex();
  const contest = index.contests.get('president') as Contest;
  const byCode = new Map(presidentialStationResults('reconciled').map((r) => [r.code, r]));
  const figures = new Map<StationCode, Figures>();
  for (const station of index.stations.keys()) {
    const r = byCode.get(station);
    if (!r || !index.raceFor('president', station)) continue;
    figures.set(station, {
      votes: { odinga: r.odinga, ruto: r.ruto, wajackoyah: r.wajackoyah, mwaure: r.mwaure },
      rejected: r.rejected,
      totalValid: r.totalValid,
    });
  }
  const frozen = withMacro(freezeFigures(index, contest, 'macro', figures));
  const candidates = contest.candidates.map((c) => c.id);
  const winner = leader(frozen.totals, candidates);
  const runnerUp = leader(
    frozen.totals,
    candidates.filter((c) => c !== winner),
  );
  kenya = { index, contest, frozen, winner, runnerUp };
  return kenya;
}

/** The synthetically misread stations: the first `percent` % of the stations ordered by a hash of their code. */
export function syntheticMisreadStations(
  stations: Iterable<StationCode>,
  percent: number,
): Set<StationCode> {
  const ranked = [...stations].map((code) => ({
    code,
    key: toHex(sha256(utf8(`kura kenya-2022 audit-table misread\n${code}`))),
  }));
  const count = Math.round((ranked.length * percent) / 100);
  ranked.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return new Set(ranked.slice(0, count).map((r) => r.code));
}

/** What each station's paper says in a scenario. */
export function scenarioPaper(
  k: KenyaAudit,
  scenario: PaperScenario,
): (station: StationCode) => Figures {
  const logged = (station: StationCode) => k.frozen.figures.get(station) as Figures;
  if (scenario.kind === 'observed')
    return (station) => {
      const p = auditPaper(station);
      return { votes: { ...p.votes }, rejected: p.rejected, totalValid: p.totalValid };
    };
  const misread = syntheticMisreadStations(k.frozen.figures.keys(), scenario.percent);
  return (station) => {
    const f = logged(station);
    if (!misread.has(station)) return f;
    const moved = Math.min(SYNTHETIC_MISREAD_VOTES, f.votes[k.winner] ?? 0);
    return {
      ...f,
      votes: {
        ...f.votes,
        [k.winner]: (f.votes[k.winner] ?? 0) - moved,
        [k.runnerUp]: (f.votes[k.runnerUp] ?? 0) + moved,
      },
    };
  };
}

export interface AuditTableCell {
  riskLimit: number;
  scenario: PaperScenario;
  /** Stations whose paper differs from the log in this scenario. */
  differing: number;
  /** Arlo's estimate before the first round (no discrepancy assumed): the first round's size. */
  firstEstimate: number;
  /** Draws the drift of the risk predicts with this scenario's papers (papers forcing a full count left out). */
  expectedDraws: number;
  /** The chance that one draw lands on a paper that makes the risk 1 (not found, or worse than its bound). */
  fullCountPerDraw: number;
  /** Simulated audits: the median stations checked, and how many ended in a full count (null when not run). */
  simulated: { audits: number; medianChecked: number; fullCounts: number } | null;
  /** The audit with the published seed. */
  audit: OfflineAudit;
}

/** One cell: the scenario's paper audited at the risk limit with the published seed, and what to expect. */
export function auditTableCell(
  riskLimit: number,
  scenario: PaperScenario,
  simulatedAudits: number = SIMULATED_AUDITS,
): AuditTableCell {
  const k = kenyaAudit();
  const ctx = k.frozen.macro as MacroContext;
  const paperOf = scenarioPaper(k, scenario);
  const papers = new Map<StationCode, BatchTally>();
  let differing = 0;
  for (const [station, logged] of k.frozen.figures) {
    const p = paperOf(station);
    if (differsFromLog(logged, p)) differing++;
    papers.set(station, { votes: p.votes, ballots: p.totalValid + p.rejected });
  }
  const taints = batchTaints(ctx, papers);
  const weights = [...ctx.bounds.values()];
  const mix: TaintShare[] = [];
  let fullCountPerDraw = 0;
  weights.forEach((u, i) => {
    const taint = taints[i] as number;
    if (taint === 0) return;
    if (taint >= 1) fullCountPerDraw += u / ctx.errorBound;
    else mix.push({ share: u / ctx.errorBound, taint });
  });
  let simulated: AuditTableCell['simulated'] = null;
  if (simulatedAudits > 0) {
    const sim = simulateMacroDraws(weights, taints, ctx.errorBound, {
      riskLimitPercent: riskLimit,
      trials: simulatedAudits,
      seed: KENYA_AUDIT_SEED,
    });
    simulated = {
      audits: simulatedAudits,
      medianChecked: sim.batchesQuantile(0.5),
      fullCounts: sim.trials.filter((t) => t.draws === Infinity).length,
    };
  }
  const audit = runMacroAudit(k.frozen, KENYA_AUDIT_SEED, riskLimit, paperOf);
  return {
    riskLimit,
    scenario,
    differing,
    firstEstimate: macroSampleSize(ctx, riskLimit, [], new Map()),
    expectedDraws: expectedMacroDraws(ctx.errorBound, riskLimit, mix),
    fullCountPerDraw,
    simulated,
    audit,
  };
}

/** Every cell: each risk limit × each scenario. */
export function kenyaAuditTable(simulatedAudits: number = SIMULATED_AUDITS): AuditTableCell[] {
  return KENYA_AUDIT_RISK_LIMITS.flatMap((riskLimit) =>
    KENYA_AUDIT_SCENARIOS.map((scenario) => auditTableCell(riskLimit, scenario, simulatedAudits)),
  );
}

const n = (x: number) => x.toLocaleString('en');

/** The table's two header lines. */
export function auditTableHeader(simulatedAudits: number = SIMULATED_AUDITS): string[] {
  return [
    `| risk limit | paper differs from the log at | expected draws: none differing → these | ${n(simulatedAudits)} simulated audits: median stations checked | full counts among them | the seeded audit: rounds (draws) | stations checked | differing among them | risk at the end |`,
    '| ---: | --- | --- | ---: | ---: | --- | ---: | ---: | --- |',
  ];
}

/** One markdown row of a cell. */
export function auditTableRow(c: AuditTableCell): string {
  const k = kenyaAudit();
  const share = ((100 * c.differing) / k.frozen.figures.size).toFixed(1);
  const where =
    c.scenario.kind === 'observed'
      ? `${n(c.differing)} stations (${share} %): the crowdsourced readings`
      : `${n(c.differing)} stations (${share} %): ${SYNTHETIC_MISREAD_VOTES} votes misread`;
  const expected = `${n(c.firstEstimate)} → ${Number.isFinite(c.expectedDraws) ? n(c.expectedDraws) : 'never'}`;
  const simulated = c.simulated
    ? `${n(c.simulated.medianChecked)} | ${n(c.simulated.fullCounts)}`
    : '(not run) | (not run)';
  const a = c.audit;
  const rounds = a.rounds.map((r) => (r.full ? 'full count' : n(r.draws))).join(' + ');
  const end = a.outcome === 'risk-limit-met' ? a.risk.toPrecision(4) : `full count: ${a.outcome}`;
  return `| ${c.riskLimit} % | ${where} | ${expected} | ${simulated} | ${rounds} | ${n(a.stationsChecked)} | ${n(a.discrepancies)} | ${end} |`;
}

/** The README's table. */
export function auditTableMarkdown(cells: readonly AuditTableCell[]): string {
  const audits = cells[0]?.simulated?.audits ?? 0;
  return [...auditTableHeader(audits), ...cells.map(auditTableRow)].join('\n');
}

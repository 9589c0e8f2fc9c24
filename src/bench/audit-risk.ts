// Recomputing a batch-comparison audit's risk on the Kenya log, as the fold
// (and so `kura verify`) does when it checks a round's logged risk: 1,000
// stations drawn from the 2022 presidential log, frozen with all the
// president's assertions (more than half nationally, a quarter in 24
// counties), their papers read, then
//   - the risk over the 1,000 draws (macroRisk: each draw's overstatement
//     under every assertion covering its station), and
//   - the whole recomputation from the logged figures a verifier starts from:
//     freeze the 46,229 stations (their error bounds under the 25
//     assertions), redraw the 1,000 stations from the seed, and the risk.
// The papers are the table's 10 % synthetic misreadings (a few differing
// stations among the draws, none that ends the product early by making the
// risk 1: the timing covers every draw). Each is timed as the median of
// repeated runs in this process, after the inputs are built.
import type { BatchTally } from '../audit/assertions.js';
import { maxOverstatement, overstatement } from '../audit/macro.js';
import { drawRound, freezeFigures, macroRiskOf, withMacro } from '../election/audit-measures.js';
import { differsFromLog } from '../simulate/audit-rounds.js';
import { KENYA_AUDIT_SEED, kenyaAudit, scenarioPaper } from '../simulate/kenya-audit-table.js';

export interface AuditRiskBench {
  stations: number;
  assertions: number;
  draws: number;
  /** Drawn stations whose paper differs from the log. */
  differing: number;
  risk: number;
  /** The risk over the draws, papers read. */
  riskMs: number;
  /** Freeze (error bounds of every station), redraw and risk, from the logged figures. */
  recomputeMs: number;
}

const DRAWS = 1000;
const RUNS = 7;

export function measureAuditRisk(): AuditRiskBench {
  const k = kenyaAudit();
  const f = k.frozen;
  const ctx = f.macro;
  if (!ctx) throw new Error('the Kenya audit is not frozen for MACRO');
  const paperOf = scenarioPaper(k, { kind: 'synthetic', percent: 10 });
  const draws = drawRound(f, KENYA_AUDIT_SEED, 0, DRAWS).map((d) => d.station);
  const papers = new Map<string, BatchTally>();
  let differing = 0;
  for (const station of new Set(draws)) {
    const p = paperOf(station);
    const logged = f.figures.get(station);
    if (logged && differsFromLog(logged, p)) differing++;
    const tally = { votes: p.votes, ballots: p.totalValid + p.rejected };
    // A taint of 1 would end the product at that draw: the timing would not cover the rest.
    if (overstatement(ctx, station, tally) >= maxOverstatement(ctx, station))
      throw new Error(`station ${station}'s paper makes the risk 1: choose other papers`);
    papers.set(station, tally);
  }
  const risk = macroRiskOf(f, draws, papers);
  const riskMs = medianMs(() => macroRiskOf(f, draws, papers));
  const recomputeMs = medianMs(() => {
    const again = withMacro(freezeFigures(k.index, k.contest, 'macro', f.figures));
    const redrawn = drawRound(again, KENYA_AUDIT_SEED, 0, DRAWS).map((d) => d.station);
    return macroRiskOf(again, redrawn, papers);
  });
  return {
    stations: f.figures.size,
    assertions: f.assertions.length,
    draws: DRAWS,
    differing,
    risk,
    riskMs,
    recomputeMs,
  };
}

/** The median of RUNS timings of f, in ms (one decimal). */
function medianMs(f: () => number): number {
  f();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return Math.round((ms[RUNS >> 1] as number) * 10) / 10;
}

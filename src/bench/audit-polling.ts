// Ballot-polling risk at Kenya's size: 2,000 ballots drawn with the consistent
// sampler among every presidential ballot cast in 2022 (committed station
// results), each read as the vote at its position in the station's stack
// (candidates in form order, then the rejected ballots), then the BRAVO and
// Minerva risks of that sample against the reported totals: one round of
// 2,000, and the same ballots as two rounds of 1,000. Each risk is timed as
// the median of repeated runs in this process, after the inputs are built.

import { drawBallots } from '../audit/ballot-draw.js';
import { bravoRisk } from '../audit/bravo.js';
import { minervaRisk } from '../audit/minerva.js';
import { PRESIDENTIAL_IDS, presidentialStationResults } from '../kenya/index.js';

export interface PollingRiskBench {
  ballots: number;
  sampled: number;
  riskLimitPercent: number;
  bravo: { pValue: number; ms: number };
  minervaOneRound: { pValue: number; ms: number };
  minervaTwoRounds: { pValue: number; ms: number };
}

/** 20 dice digits, as an audit's public seed. */
const SEED = '27182818284590452353';
const SAMPLE = 2000;
const RISK_LIMIT = 5;
const RUNS = 15;

export function measurePollingRisk(): PollingRiskBench {
  const stations = presidentialStationResults();
  const byCode = new Map(stations.map((s) => [s.code, s]));
  const reported: Record<string, number> = {};
  for (const c of PRESIDENTIAL_IDS) reported[c] = 0;
  for (const s of stations)
    for (const c of PRESIDENTIAL_IDS) reported[c] = (reported[c] ?? 0) + s[c];
  const manifest = stations.map((s) => ({ id: s.code, ballots: s.totalValid + s.rejected }));

  const draws = drawBallots(manifest, SEED, 0, SAMPLE);
  const rounds = [tallyOf(draws.slice(0, SAMPLE / 2)), tallyOf(draws.slice(SAMPLE / 2))];
  const all = tallyOf(draws);

  function tallyOf(ds: readonly { station: string; position: number }[]): Record<string, number> {
    const t: Record<string, number> = {};
    for (const c of PRESIDENTIAL_IDS) t[c] = 0;
    for (const d of ds) {
      const s = byCode.get(d.station);
      if (!s) throw new Error(`drew unknown station ${d.station}`);
      let upTo = 0;
      for (const c of PRESIDENTIAL_IDS) {
        upTo += s[c];
        if (d.position <= upTo) {
          t[c] = (t[c] ?? 0) + 1;
          break;
        }
      }
    }
    return t;
  }

  const bravo = timed(() => bravoRisk(reported, 1, all, RISK_LIMIT).pValue);
  const minervaOneRound = timed(() => minervaRisk(reported, [all], [SAMPLE], RISK_LIMIT).pValue);
  const minervaTwoRounds = timed(
    () => minervaRisk(reported, rounds, [SAMPLE / 2, SAMPLE / 2], RISK_LIMIT).pValue,
  );
  return {
    ballots: manifest.reduce((sum, s) => sum + s.ballots, 0),
    sampled: SAMPLE,
    riskLimitPercent: RISK_LIMIT,
    bravo,
    minervaOneRound,
    minervaTwoRounds,
  };
}

/** The value of f and the median of RUNS timings of it, in ms. */
function timed(f: () => number): { pValue: number; ms: number } {
  const pValue = f();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { pValue, ms: Math.round((ms[RUNS >> 1] as number) * 100) / 100 };
}

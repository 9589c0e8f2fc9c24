// The audit's samples at Kenya's size, from the committed 2022 station
// results: a batch-comparison draw of 1,000 polling stations among 46,229,
// weighted by their MACRO error bounds for the majority assertion (Ruto > ½ of
// the valid votes, over every station), and a ballot-polling draw of 1,000
// ballots among every ballot cast (~14 million) with the consistent sampler.
// Each is timed alone, in this process, after the inputs are built.

import { shareAssertion } from '../audit/assertions.js';
import { drawBallots } from '../audit/ballot-draw.js';
import { drawBatches } from '../audit/batch-draw.js';
import { macroContext } from '../audit/macro.js';
import { PRESIDENTIAL_IDS, presidentialStationResults } from '../kenya/index.js';

export interface AuditDrawBench {
  stations: number;
  /** Batch comparison: draws, and the seconds drawBatches took (tickets included). */
  batchDraws: number;
  batchDrawSeconds: number;
  /** Ballots cast (valid + rejected) over the stations. */
  ballots: number;
  ballotDraws: number;
  ballotDrawSeconds: number;
}

/** 20 dice digits, as an audit's public seed. */
const SEED = '31415926535897932384';
const DRAWS = 1000;

export function measureAuditDraws(): AuditDrawBench {
  const results = presidentialStationResults();
  const reported = new Map(
    results.map((s) => [
      s.code,
      {
        votes: { odinga: s.odinga, ruto: s.ruto, wajackoyah: s.wajackoyah, mwaure: s.mwaure },
        ballots: s.totalValid + s.rejected,
      },
    ]),
  );
  const majority = shareAssertion('ruto>1/2', 'ruto', PRESIDENTIAL_IDS, { num: 1, den: 2 }, null);
  const ctx = macroContext([majority], reported);
  const weighted = [...ctx.bounds].map(([id, weight]) => ({ id, weight }));

  let t0 = performance.now();
  const batchSample = drawBatches(weighted, SEED, 0, DRAWS);
  const batchDrawSeconds = (performance.now() - t0) / 1000;
  if (batchSample.length !== DRAWS) throw new Error(`drew ${batchSample.length} stations`);

  const manifest = results.map((s) => ({ id: s.code, ballots: s.totalValid + s.rejected }));
  t0 = performance.now();
  const ballotSample = drawBallots(manifest, SEED, 0, DRAWS);
  const ballotDrawSeconds = (performance.now() - t0) / 1000;
  if (ballotSample.length !== DRAWS) throw new Error(`drew ${ballotSample.length} ballots`);

  return {
    stations: weighted.length,
    batchDraws: DRAWS,
    batchDrawSeconds: round3(batchDrawSeconds),
    ballots: manifest.reduce((sum, s) => sum + s.ballots, 0),
    ballotDraws: DRAWS,
    ballotDrawSeconds: round3(ballotDrawSeconds),
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

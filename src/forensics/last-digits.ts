// The last-digit test (Beber and Scacco, Political Analysis 2012): in honest
// counts of a few dozen votes or more, the last digit is close to uniform.
// Invented numbers often are not (people favour some digits, such as 0 and 5).
// Pearson's chi-square against the uniform distribution, 9 degrees of freedom.
// Counts below MIN_COUNT are left out: in small numbers the low digits are
// genuinely more common.
import type { CandidateId, Contest, UnitCode } from '../election/definition.js';
import { chiSquarePValue, chiSquareStatistic } from './chi-square.js';
import type { StationFigures } from './station-figures.js';

export const MIN_COUNT = 10;
/** Below this p-value a test is reported as deviating from uniform. */
export const SIGNIFICANCE = 0.01;
/** Fewer counts than this, and the test is shown but not judged (expected 5 per digit). */
export const MIN_SAMPLE = 50;

export interface DigitTest {
  label: string;
  /** How many counts end in each digit 0–9. */
  digits: number[];
  n: number;
  chiSquare: number;
  pValue: number;
  /** Enough counts to judge (n ≥ MIN_SAMPLE). */
  enough: boolean;
  /** Judged, and p < SIGNIFICANCE. */
  deviates: boolean;
}

/** The test on counts (those below `minCount` are left out). */
export function lastDigitTest(
  label: string,
  counts: Iterable<number>,
  minCount = MIN_COUNT,
): DigitTest {
  const digits = new Array<number>(10).fill(0);
  let n = 0;
  for (const c of counts) {
    if (c < minCount) continue;
    const d = c % 10;
    digits[d] = (digits[d] ?? 0) + 1;
    n++;
  }
  const chiSquare = n ? chiSquareStatistic(digits, new Array<number>(10).fill(n / 10)) : 0;
  const pValue = n ? chiSquarePValue(chiSquare, 9) : 1;
  const enough = n >= MIN_SAMPLE;
  return { label, digits, n, chiSquare, pValue, enough, deviates: enough && pValue < SIGNIFICANCE };
}

export interface LastDigitAnalysis {
  minCount: number;
  /** Every candidate's count at every station. */
  pooled: DigitTest;
  /** The counts of the candidate placed first, second, … in each station's race. */
  byRank: DigitTest[];
}

const RANK_NAMES = ['race winners', 'runners-up', 'third-placed', 'fourth-placed'];

/**
 * The pooled test and one test per place in the race (at most four). For a
 * national contest the places are the candidates themselves, named.
 */
export function lastDigitAnalysis(
  contest: Contest,
  figures: readonly StationFigures[],
  standings: Map<UnitCode, CandidateId[]>,
): LastDigitAnalysis {
  const all: number[] = [];
  const ranks: number[][] = RANK_NAMES.map(() => []);
  for (const f of figures) {
    for (const n of Object.values(f.votes)) all.push(n);
    const order = standings.get(f.race) ?? [];
    order.slice(0, RANK_NAMES.length).forEach((c, r) => {
      ranks[r]?.push(f.votes[c] ?? 0);
    });
  }
  const names = new Map(contest.candidates.map((c) => [c.id, c.name]));
  const national = standings.get('');
  const byRank = ranks
    .map((counts, r) => {
      const id = contest.scope === 'nation' ? national?.[r] : undefined;
      const label = id ? `${names.get(id) ?? id} (placed ${r + 1})` : `${RANK_NAMES[r]}`;
      return { counts, test: lastDigitTest(label, counts) };
    })
    .filter((x) => x.counts.length > 0)
    .map((x) => x.test);
  return { minCount: MIN_COUNT, pooled: lastDigitTest('all candidates', all), byRank };
}

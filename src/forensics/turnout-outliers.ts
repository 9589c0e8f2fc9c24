// Turnout outliers within a constituency: neighbouring stations share their
// voters' habits, so a station far from its constituency's typical turnout is
// worth a look. Robust z-score (Iglewicz and Hoaglin 1993):
// z = 0.6745 (x − median) / MAD, flagged beyond ±3.5. Median and MAD are not
// dragged along by the outliers themselves, as a mean and standard deviation
// would be. Where over half the stations share one turnout (MAD = 0), the
// mean absolute deviation stands in (z = (x − median) / (1.2533 · meanAD)).
// A flagged station must also be MIN_DIFFERENCE (10 points of turnout) from
// the median: in a constituency whose stations are all alike, a z-score of 4
// can be a difference of two points, which is no reason to look.
import type { StationCode, UnitCode } from '../election/definition.js';
import type { StationFlag } from './flags.js';
import { type Histogram, histogram, median } from './histogram.js';
import type { StationFigures } from './station-figures.js';

export const ROBUST_Z_LIMIT = 3.5;
/** The least distance from the constituency's median turnout that is flagged (a fraction). */
export const MIN_DIFFERENCE = 0.1;
/** Constituencies with fewer reporting stations are not judged. */
export const MIN_STATIONS = 5;

export interface TurnoutPoint {
  station: StationCode;
  entryIndex: number;
  turnout: number;
  z: number;
  outlier: boolean;
}

export interface ConstituencyTurnout {
  constituency: UnitCode;
  name: string;
  median: number;
  /** Median absolute deviation from the median (unscaled). */
  mad: number;
  points: TurnoutPoint[];
  outliers: number;
}

export interface TurnoutOutlierAnalysis {
  limit: number;
  minDifference: number;
  minStations: number;
  /** Judged constituencies, most outliers first (then by code). */
  constituencies: ConstituencyTurnout[];
  /** Constituencies with too few reporting stations to judge. */
  tooSmall: number;
  /** Robust z-scores of every judged station. */
  zHistogram: Histogram;
  flags: StationFlag[];
}

/** Robust z-scores of a list of values (all 0 when they do not vary). */
export function robustZ(values: readonly number[]): { median: number; mad: number; z: number[] } {
  const m = median(values);
  const mad = median(values.map((v) => Math.abs(v - m)));
  let scale: number;
  if (mad > 0) scale = mad / 0.6745;
  else {
    const meanAd = values.reduce((s, v) => s + Math.abs(v - m), 0) / (values.length || 1);
    scale = 1.253314 * meanAd;
  }
  return { median: m, mad, z: values.map((v) => (scale > 0 ? (v - m) / scale : 0)) };
}

/** Outliers of one contest's results (one per station), constituency by constituency. */
export function turnoutOutliers(
  figures: readonly StationFigures[],
  unitName: (code: UnitCode) => string = (c) => c,
): TurnoutOutlierAnalysis {
  const groups = new Map<UnitCode, StationFigures[]>();
  for (const f of figures) {
    if (f.turnout === null) continue;
    const g = groups.get(f.constituency) ?? [];
    g.push(f);
    groups.set(f.constituency, g);
  }
  const constituencies: ConstituencyTurnout[] = [];
  const flags: StationFlag[] = [];
  const zs: number[] = [];
  const zFlagged: boolean[] = [];
  let tooSmall = 0;
  for (const [constituency, group] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (group.length < MIN_STATIONS) {
      tooSmall++;
      continue;
    }
    const turnouts = group.map((f) => f.turnout as number);
    const r = robustZ(turnouts);
    let outliers = 0;
    const points = group.map((f, i): TurnoutPoint => {
      const z = r.z[i] as number;
      const outlier =
        Math.abs(z) > ROBUST_Z_LIMIT &&
        Math.abs((f.turnout as number) - r.median) >= MIN_DIFFERENCE;
      zs.push(z);
      zFlagged.push(outlier);
      if (outlier) {
        outliers++;
        flags.push({
          flag: 'turnout-outlier',
          contest: f.contest,
          station: f.station,
          entryIndex: f.entryIndex,
          detail: `turnout ${(100 * (f.turnout as number)).toFixed(1)}% where the median of ${unitName(constituency)} is ${(100 * r.median).toFixed(1)}% (robust z ${z.toFixed(1)})`,
          magnitude: Math.abs((f.turnout as number) - r.median),
        });
      }
      return {
        station: f.station,
        entryIndex: f.entryIndex,
        turnout: f.turnout as number,
        z,
        outlier,
      };
    });
    constituencies.push({
      constituency,
      name: unitName(constituency),
      median: r.median,
      mad: r.mad,
      points,
      outliers,
    });
  }
  constituencies.sort(
    (a, b) => b.outliers - a.outliers || (a.constituency < b.constituency ? -1 : 1),
  );
  return {
    limit: ROBUST_Z_LIMIT,
    minDifference: MIN_DIFFERENCE,
    minStations: MIN_STATIONS,
    constituencies,
    tooSmall,
    zHistogram: histogram(
      zs.map((z) => Math.max(-10, z)),
      { from: -10, to: 10, width: 0.5 },
      (_, i) => zFlagged[i] === true,
    ),
    flags,
  };
}

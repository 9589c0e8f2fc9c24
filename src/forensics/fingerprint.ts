// The election fingerprint (Klimek, Yegorov, Hanel and Thurner, PNAS 2012):
// a two-dimensional histogram of stations by turnout and by the winner's vote
// share. Fair elections give one roughly round blob; ballot stuffing drags
// stations towards the corner of 100% turnout and 100% for the winner, and
// shows as a second cluster there. The winner is the leader of the station's
// own race (the nation's for a national contest).
import type { CandidateId, StationCode, UnitCode } from '../election/definition.js';
import type { StationFlag } from './flags.js';
import type { StationFigures } from './station-figures.js';

export const FINGERPRINT_BINS = 50;
/** Stations at or above this turnout and this winner share are "in the corner". */
export const CORNER = 0.95;

export interface FingerprintPoint {
  station: StationCode;
  entryIndex: number;
  turnout: number;
  share: number;
}

export interface Fingerprint {
  bins: number;
  /** cells[t][s]: stations in turnout bin t and winner-share bin s (bin k covers [k/bins, (k+1)/bins), the last includes 100%). */
  cells: number[][];
  stations: number;
  /** Stations over 100% turnout, counted in the last turnout bin. */
  overTurnout: number;
  /** Stations left out: no registered voters, or no valid votes. */
  excluded: number;
  corner: FingerprintPoint[];
  /** The corner's share of the stations. */
  cornerShare: number;
  flags: StationFlag[];
}

function binOf(x: number, bins: number): number {
  return Math.max(0, Math.min(bins - 1, Math.floor(x * bins)));
}

/** The fingerprint of one contest's results (one per station). */
export function fingerprint(
  figures: readonly StationFigures[],
  standings: Map<UnitCode, CandidateId[]>,
  bins = FINGERPRINT_BINS,
): Fingerprint {
  const cells = Array.from({ length: bins }, () => new Array<number>(bins).fill(0));
  const corner: FingerprintPoint[] = [];
  const flags: StationFlag[] = [];
  let stations = 0;
  let overTurnout = 0;
  let excluded = 0;
  for (const f of figures) {
    const winner = standings.get(f.race)?.[0];
    if (f.turnout === null || f.candidateSum === 0 || winner === undefined) {
      excluded++;
      continue;
    }
    const share = (f.votes[winner] ?? 0) / f.candidateSum;
    const row = cells[binOf(f.turnout, bins)] as number[];
    row[binOf(share, bins)] = (row[binOf(share, bins)] ?? 0) + 1;
    stations++;
    if (f.turnout > 1) overTurnout++;
    if (f.turnout >= CORNER && share >= CORNER) {
      corner.push({ station: f.station, entryIndex: f.entryIndex, turnout: f.turnout, share });
      flags.push({
        flag: 'fingerprint-corner',
        contest: f.contest,
        station: f.station,
        entryIndex: f.entryIndex,
        detail: `turnout ${(100 * f.turnout).toFixed(1)}% and ${(100 * share).toFixed(1)}% of the valid votes for the race’s leader`,
        magnitude: f.turnout + share,
      });
    }
  }
  return {
    bins,
    cells,
    stations,
    overTurnout,
    excluded,
    corner,
    cornerShare: stations ? corner.length / stations : 0,
    flags,
  };
}

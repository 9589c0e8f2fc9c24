// An election night for a synthetic country (synthetic-country.ts): every
// station's forms for every contest it takes part in, with deterministic
// figures, the stations reporting in a seeded random order spread over a
// 14-hour night (few at first, most in the small hours). The plan is produced
// lazily, station by station, so a night of a million stations (six million
// forms) never has to be in memory: only a permutation of the stations
// (4 bytes each) is.
import type { ElectionIndex } from '../election/election-index.js';
import { plannedFormHash } from './form-scans.js';
import { rng, shuffle, split, splitByWeights } from './random.js';
import type { PlannedResult } from './replay.js';

/** A night's plan, as the demo replays it. */
export interface NightPlan {
  /** The forms in sending order (by `at`, give or take a few minutes). */
  results: Iterable<PlannedResult>;
  /** How many forms `results` yields. */
  count: number;
  /** When the night starts and ends (the first and last sends), ms since epoch. */
  start: number;
  end: number;
  /** Forms expected per contest. */
  expected: Map<string, number>;
}

/** Polls close at 17:00 in Nairobi (14:00 UTC) on a synthetic election day; the night lasts 14 hours. */
export const SYNTHETIC_NIGHT_START = Date.UTC(2027, 7, 10, 14, 0, 0);
export const SYNTHETIC_NIGHT_HOURS = 14;

/** Shares of the national vote the presidential candidates get, in definition order (more get 5%). */
const PRESIDENTIAL_SHARES = [0.47, 0.44, 0.09];

export function syntheticNightPlan(index: ElectionIndex): NightPlan {
  const electionId = index.definition.electionId;
  const stations = index.definition.stations;
  const contests = [...index.contests.values()];
  const n = stations.length;
  const expected = new Map<string, number>(contests.map((c) => [c.id, 0]));
  let count = 0;
  for (const s of stations)
    for (const c of contests)
      if (index.raceFor(c.id, s.code)) {
        expected.set(c.id, (expected.get(c.id) ?? 0) + 1);
        count++;
      }
  // The order stations report in: a seeded permutation.
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffle(order, rng(`${electionId}/order`));
  const span = SYNTHETIC_NIGHT_HOURS * 3_600_000;
  // The k-th station to report does so at span * (k/n)^1.4 after polls close.
  const reportAt = (rank: number) =>
    SYNTHETIC_NIGHT_START + Math.floor(span * (rank / Math.max(1, n)) ** 1.4);
  const FORM_GAP = 20_000;

  function* results(): Generator<PlannedResult> {
    for (let rank = 0; rank < n; rank++) {
      const station = stations[order[rank] as number];
      if (!station) continue;
      const next = rng(`${electionId}/${station.code}`);
      const turnout = 0.55 + 0.3 * next();
      const ballots = Math.min(
        station.registeredVoters,
        Math.floor(station.registeredVoters * turnout),
      );
      const presidentRejected = Math.floor(ballots * 0.02 * next());
      const at = reportAt(rank);
      let k = 0;
      for (const contest of contests) {
        const race = index.raceFor(contest.id, station.code);
        if (!race) continue;
        let rejected: number;
        let counts: number[];
        if (contest.scope === 'nation') {
          rejected = presidentRejected;
          const weights = race.candidates.map(
            (_, i) => (PRESIDENTIAL_SHARES[i] ?? 0.05) * (0.7 + 0.6 * next()),
          );
          counts = splitByWeights(ballots - rejected, weights);
        } else {
          rejected = Math.min(ballots, presidentRejected + Math.floor(next() * 6));
          counts = split(ballots - rejected, race.candidates.length, next);
        }
        const figures = {
          contest: contest.id,
          station: station.code,
          votes: Object.fromEntries(race.candidates.map((c, i) => [c, counts[i] as number])),
          rejected,
          totalValid: ballots - rejected,
        };
        yield {
          ...figures,
          form: plannedFormHash(index, figures),
          at: at + k++ * FORM_GAP + Math.floor(next() * FORM_GAP),
        };
      }
    }
  }

  return {
    results: { [Symbol.iterator]: results },
    count,
    start: SYNTHETIC_NIGHT_START,
    end: reportAt(n) + contests.length * FORM_GAP,
    expected,
  };
}

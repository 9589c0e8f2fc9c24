// The Kenya 2022 election night as a plan of results: every station's six
// forms (president only in the diaspora and prisons), at the time its Form
// 34A reached the IEBC portal. Presidential figures are the reconciled
// per-station results (src/kenya/presidential-votes.ts: crowdsourced where
// known, county and Form 34C totals exact); the other contests are simulated
// from the same ballots cast.
import type { ElectionIndex } from '../election/election-index.js';
import { loadKenya2022, presidentialStationResults } from '../kenya/kenya2022.js';
import { plannedFormHash } from './form-scans.js';
import { rng, split } from './random.js';
import type { PlannedResult } from './replay.js';

export interface KenyaNight {
  plan: PlannedResult[];
  /** When the night starts (the first upload), ms since epoch. */
  start: number;
  /** Expected results per contest. */
  expected: Map<string, number>;
}

export function kenyaNightPlan(index: ElectionIndex): KenyaNight {
  const facts = loadKenya2022();
  const presidential = presidentialStationResults('reconciled');
  const electionId = index.definition.electionId;
  const times = facts.stations.map((s) => s.uploadedAt).filter((t): t is number => t !== null);
  const last = Math.max(...times);
  const plan: PlannedResult[] = [];
  const expected = new Map<string, number>();
  facts.stations.forEach((station, i) => {
    const p = presidential[i];
    if (!p || p.code !== station.code)
      throw new Error('presidential results are not in station order');
    const next = rng(`${electionId}/${station.code}`);
    // Stations with no known upload report at the end of the night, in code order.
    const at = (station.uploadedAt ?? last + 60 + i / 1000) * 1000;
    const ballots = p.totalValid + p.rejected;
    for (const contest of index.contests.values()) {
      const race = index.raceFor(contest.id, station.code);
      if (!race) continue;
      expected.set(contest.id, (expected.get(contest.id) ?? 0) + 1);
      let votes: Record<string, number>;
      let rejected: number;
      let totalValid: number;
      if (contest.id === 'president') {
        votes = { odinga: p.odinga, ruto: p.ruto, wajackoyah: p.wajackoyah, mwaure: p.mwaure };
        rejected = p.rejected;
        totalValid = p.totalValid;
      } else {
        // Other ballots: about as many as for president, a few more spoilt.
        rejected = Math.min(ballots, p.rejected + Math.floor(next() * 6));
        totalValid = ballots - rejected;
        const counts = split(totalValid, race.candidates.length, next);
        votes = Object.fromEntries(race.candidates.map((c, k) => [c, counts[k] as number]));
      }
      const figures = { contest: contest.id, station: station.code, votes, rejected, totalValid };
      // Forms of one station arrive within a few minutes of each other.
      plan.push({
        ...figures,
        form: plannedFormHash(index, figures),
        at: at + Math.floor(next() * 300_000),
      });
    }
  });
  plan.sort(
    (a, b) =>
      a.at - b.at ||
      (a.station < b.station ? -1 : a.station > b.station ? 1 : a.contest < b.contest ? -1 : 1),
  );
  return { plan, start: plan[0]?.at ?? 0, expected };
}

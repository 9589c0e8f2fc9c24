// The Kenya 2022 election night as a plan of results: every station's six
// forms (president only in the diaspora and prisons), at the time its Form
// 34A reached the IEBC portal. Presidential figures are the reconciled
// per-station results (src/kenya/presidential-votes.ts: crowdsourced where
// known, county and Form 34C totals exact); the other contests are simulated
// from the same ballots cast.
import type { ElectionIndex } from '../election/election-index.js';
import { loadKenya2022, presidentialStationResults } from '../kenya/kenya2022.js';
import { toHex, utf8 } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';
import type { PlannedResult } from './replay.js';

/** A small deterministic PRNG (mulberry32) seeded from a string. */
function rng(seedText: string): () => number {
  const h = sha256(utf8(seedText));
  let a =
    ((h[0] as number) << 24) |
    ((h[1] as number) << 16) |
    ((h[2] as number) << 8) |
    (h[3] as number);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `total` among n candidates with random weights (deterministic for the seed). */
function split(total: number, n: number, next: () => number): number[] {
  const w = Array.from({ length: n }, () => next() ** 2 + 0.05);
  const sum = w.reduce((s, x) => s + x, 0);
  const out = w.map((x) => Math.floor((total * x) / sum));
  let rest = total - out.reduce((s, x) => s + x, 0);
  for (let i = 0; rest > 0; i = (i + 1) % n, rest--) out[i] = (out[i] as number) + 1;
  return out;
}

/** The SHA-256 a station's scanned form would have (the demo does not upload scans). */
export function demoFormHash(electionId: string, contest: string, station: string): string {
  return toHex(sha256(utf8(`kura demo form\n${electionId}\n${contest}\n${station}`)));
}

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
      // Forms of one station arrive within a few minutes of each other.
      plan.push({
        contest: contest.id,
        station: station.code,
        votes,
        rejected,
        totalValid,
        form: demoFormHash(electionId, contest.id, station.code),
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

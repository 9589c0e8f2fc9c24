// The election under test: a synthetic country made by `kura election
// synthetic` (a child process, as an operator would) with Kenya's six
// contests, and every station's results signed BEFORE any timed part, each
// entry signed on its own by the station's device (the simulator's own
// signPlanned, as the replay does). A station's results are kept both as one
// batch request body (POST /api/v1/results/batch: how devices send) and as one
// body per result (POST /api/v1/results).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElectionDefinition } from '../election/definition.js';
import { ElectionIndex } from '../election/election-index.js';
import { type PlannedResult, signPlanned } from '../simulate/replay.js';
import { runKura } from './children.js';

export interface BenchElection {
  dir: string;
  electionId: string;
  stations: number;
  /** Contests of the election (six, as Kenya's). */
  contests: number;
  /** Seconds `kura election synthetic` took. */
  makeSeconds: number;
}

export async function makeElection(dir: string, stations: number): Promise<BenchElection> {
  const t0 = performance.now();
  await runKura(['election', 'synthetic', '--stations', String(stations), '--out', dir]);
  const def = readDefinition(dir);
  return {
    dir,
    electionId: def.electionId,
    stations: def.stations.length,
    contests: def.contests.length,
    makeSeconds: (performance.now() - t0) / 1000,
  };
}

export function readDefinition(dir: string): ElectionDefinition {
  return JSON.parse(readFileSync(join(dir, 'definition.json'), 'utf8')) as ElectionDefinition;
}

/**
 * A plausible result for the i-th station in one contest: counts within its
 * register, spread over the race's candidates (the same turnout in every
 * contest of a station, a few more rejected below the presidency).
 */
export function plannedResult(
  contest: string,
  candidates: readonly string[],
  station: string,
  registered: number,
  i: number,
  at: number,
): PlannedResult {
  const turnout = Math.floor(registered * (0.55 + ((i * 7919) % 30) / 100));
  const rejected = ((i * 13) % 7) + (contest === 'president' ? 0 : contest.length % 3);
  const valid = Math.max(0, turnout - rejected);
  const votes: Record<string, number> = {};
  let left = valid;
  candidates.forEach((c, k) => {
    const share =
      k === candidates.length - 1
        ? left
        : Math.floor(left * (0.35 + ((i * 31 + k * 17) % 30) / 100));
    votes[c] = share;
    left -= share;
  });
  return {
    contest,
    station,
    votes,
    rejected,
    totalValid: valid,
    form: createHash('sha256').update(`kura bench form ${contest} ${station}`).digest('hex'),
    at,
  };
}

/** One station's results, signed: what its device sends. */
export interface SignedStation {
  /** POST /api/v1/results/batch body: {"results": [every contest's entry]}. */
  batch: string;
  /** POST /api/v1/results bodies: each entry alone, in the same order. */
  singles: string[];
}

export interface SignedResults {
  /** One per station of the election, in station order. */
  stations: SignedStation[];
  /** Signed entries in all. */
  entries: number;
  seconds: number;
}

/** Signs every station's result in every contest it takes part in. */
export function presign(dir: string): SignedResults {
  const t0 = performance.now();
  const def = readDefinition(dir);
  const index = new ElectionIndex(def);
  const deviceOf = new Map(def.devices.map((d) => [d.station, d]));
  const night = Date.parse('2027-08-09T17:00:00Z');
  let entries = 0;
  const stations = def.stations.map((s, i): SignedStation => {
    const device = deviceOf.get(s.code);
    if (!device) throw new Error(`station ${s.code} has no device`);
    const signed = def.contests.flatMap((c, k) => {
      const race = index.raceFor(c.id, s.code);
      if (!race) return [];
      const p = plannedResult(
        c.id,
        race.candidates,
        s.code,
        s.registeredVoters,
        i,
        night + i * 1000 + k,
      );
      return [signPlanned(p, def.electionId, device.id)];
    });
    entries += signed.length;
    return {
      batch: JSON.stringify({ results: signed }),
      singles: signed.map((e) => JSON.stringify(e)),
    };
  });
  return { stations, entries, seconds: (performance.now() - t0) / 1000 };
}

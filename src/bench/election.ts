// The election under test: a synthetic country made by `kura election
// synthetic --president-only` (a child process, as an operator would), and one
// signed presidential result per station, all signed BEFORE any timed part.
// Results are signed by the simulator's own signPlanned, as the replay does.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElectionDefinition } from '../election/definition.js';
import { type PlannedResult, signPlanned } from '../simulate/replay.js';
import { runKura } from './children.js';

export interface BenchElection {
  dir: string;
  electionId: string;
  stations: number;
  /** Seconds `kura election synthetic` took. */
  makeSeconds: number;
}

export async function makeElection(dir: string, stations: number): Promise<BenchElection> {
  const t0 = performance.now();
  await runKura([
    'election',
    'synthetic',
    '--stations',
    String(stations),
    '--president-only',
    '--out',
    dir,
  ]);
  const def = readDefinition(dir);
  return {
    dir,
    electionId: def.electionId,
    stations: def.stations.length,
    makeSeconds: (performance.now() - t0) / 1000,
  };
}

export function readDefinition(dir: string): ElectionDefinition {
  return JSON.parse(readFileSync(join(dir, 'definition.json'), 'utf8')) as ElectionDefinition;
}

/** A plausible presidential result for the i-th station: three counts within its register. */
export function plannedResult(
  station: string,
  registered: number,
  i: number,
  at: number,
): PlannedResult {
  const turnout = Math.floor(registered * (0.55 + ((i * 7919) % 30) / 100));
  const rejected = (i * 13) % 7;
  const valid = Math.max(0, turnout - rejected);
  const alpha = Math.floor(valid * (0.3 + ((i * 31) % 25) / 100));
  const beta = Math.floor((valid - alpha) * (0.5 + ((i * 17) % 40) / 100));
  const gamma = valid - alpha - beta;
  return {
    contest: 'president',
    station,
    votes: { alpha, beta, gamma },
    rejected,
    totalValid: valid,
    form: createHash('sha256').update(`kura bench form ${station}`).digest('hex'),
    at,
  };
}

export interface SignedResults {
  /** Request bodies (JSON of the signed entries), one per station, in station order. */
  bodies: string[];
  seconds: number;
}

/** Signs one presidential result for every station of the election. */
export function presign(dir: string): SignedResults {
  const t0 = performance.now();
  const def = readDefinition(dir);
  const deviceOf = new Map(def.devices.map((d) => [d.station, d]));
  const night = Date.parse('2027-08-09T17:00:00Z');
  const bodies: string[] = new Array(def.stations.length);
  def.stations.forEach((s, i) => {
    const device = deviceOf.get(s.code);
    if (!device) throw new Error(`station ${s.code} has no device`);
    const p = plannedResult(s.code, s.registeredVoters, i, night + i * 1000);
    const entry = signPlanned(p, def.electionId, device.id);
    bodies[i] = JSON.stringify(entry);
  });
  return { bodies, seconds: (performance.now() - t0) / 1000 };
}

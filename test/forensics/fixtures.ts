// Constructed inputs for the forensic analyses: a small synthetic election,
// its entry 0, and signed result entries with chosen figures.
import type { ElectionDefinition } from '../../src/election/definition.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import { encodeEntry, type ResultEntry, type Unsigned } from '../../src/election/entries.js';
import { createGenesis } from '../../src/election/genesis.js';
import type { StationFigures } from '../../src/forensics/station-figures.js';
import { generateKey } from '../../src/log/note.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';

const SEED = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);

export interface Constructed {
  definition: ElectionDefinition;
  entries: Uint8Array[];
  /** Appends a signed president result for a station and returns its entry index. */
  add(
    station: string,
    votes: Record<string, number>,
    o?: { rejected?: number; totalValid?: number; device?: string; contest?: string },
  ): number;
}

export function constructedElection(
  stations: number,
  tweak: (d: ElectionDefinition) => void = () => {},
): Constructed {
  const log = generateKey('kura.test/forensics', SEED('log'));
  const commission = generateKey('kura.test-commission', SEED('commission'));
  const definition = syntheticDefinition({
    electionId: 'forensics-test',
    stations,
    logOrigin: 'kura.test/forensics',
    logKey: log.verifierKey,
    commissionKey: commission.verifierKey,
    presidentOnly: true,
  });
  tweak(definition);
  const genesis = createGenesis(definition, SEED('commission'), new Date('2022-08-09T05:00:00Z'));
  const entries: Uint8Array[] = [genesis.entryBytes];
  return {
    definition,
    entries,
    add(station, votes, o = {}) {
      const device =
        o.device ?? definition.devices.find((d) => d.station === station)?.id ?? 'none';
      const sum = Object.values(votes).reduce((s, n) => s + n, 0);
      const unsigned: Unsigned<ResultEntry> = {
        type: 'result',
        v: 1,
        election: definition.electionId,
        contest: o.contest ?? 'president',
        station,
        device,
        votes,
        rejected: o.rejected ?? 0,
        totalValid: o.totalValid ?? sum,
        form: 'ab'.repeat(32),
        deviceTime: '2022-08-09T17:00:00Z',
      };
      entries.push(
        encodeEntry(signResult(unsigned, demoDeviceSeed(definition.electionId, device))),
      );
      return entries.length - 1;
    },
  };
}

/** Station figures built directly, for the analyses that read only figures. */
export function figure(
  station: string,
  o: {
    constituency?: string;
    registered: number;
    votes: Record<string, number>;
    rejected?: number;
    entryIndex?: number;
    race?: string;
  },
): StationFigures {
  const sum = Object.values(o.votes).reduce((s, n) => s + n, 0);
  const rejected = o.rejected ?? 0;
  const ballots = sum + rejected;
  return {
    entryIndex: o.entryIndex ?? 0,
    contest: 'president',
    station,
    device: `dev-${station}`,
    serial: undefined,
    race: o.race ?? '',
    constituency: o.constituency ?? 'C1',
    county: 'K1',
    votes: o.votes,
    candidateSum: sum,
    totalValid: sum,
    rejected,
    ballots,
    registered: o.registered,
    turnout: o.registered > 0 ? ballots / o.registered : null,
  };
}

/** A deterministic pseudo-random generator (mulberry32), for reproducible samples. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

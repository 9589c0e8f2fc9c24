// The figures every analysis reads, one record per result entry: the form's
// numbers as logged, with the station's place and register beside them. The
// entries come from a log that may be hostile: an entry that does not decode,
// or names a contest, station or race the election does not have, is counted
// as skipped (with why) and analysed no further; `kura verify` is the tool
// that judges such entries and every signature.
import type {
  CandidateId,
  ContestId,
  DeviceId,
  StationCode,
  UnitCode,
} from '../election/definition.js';
import type { ElectionIndex } from '../election/election-index.js';
import { decodeEntry } from '../election/entries.js';

export interface StationFigures {
  entryIndex: number;
  contest: ContestId;
  station: StationCode;
  device: DeviceId;
  /** The signing device's hardware serial from the definition, where known. */
  serial: string | undefined;
  /** The race's unit at the contest's scope ("" for a national contest). */
  race: UnitCode;
  constituency: UnitCode;
  county: UnitCode;
  votes: Record<CandidateId, number>;
  /** The candidates' votes added up. */
  candidateSum: number;
  /** The total valid votes as written on the form. */
  totalValid: number;
  rejected: number;
  /** Ballots, as the election's rules count them: max(written total, candidates' sum) + rejected. */
  ballots: number;
  registered: number;
  /** ballots / registered; null when the station has no registered voters. */
  turnout: number | null;
}

export interface SkippedEntry {
  entryIndex: number;
  reason: string;
}

export interface CollectedFigures {
  /** Every placeable result entry per contest, in log order (a station may appear twice). */
  byContest: Map<ContestId, StationFigures[]>;
  resultEntries: number;
  skipped: SkippedEntry[];
}

/** Decodes the entries (attacker-controlled bytes) into per-contest figures. */
export function collectFigures(
  index: ElectionIndex,
  entries: readonly Uint8Array[],
): CollectedFigures {
  const byContest = new Map<ContestId, StationFigures[]>();
  for (const c of index.definition.contests) byContest.set(c.id, []);
  const skipped: SkippedEntry[] = [];
  let resultEntries = 0;
  entries.forEach((bytes, entryIndex) => {
    const decoded = decodeEntry(bytes);
    if (!decoded.ok) {
      skipped.push({
        entryIndex,
        reason: `does not decode: ${decoded.error.map((e) => `${e.field || 'entry'} ${e.reason}`).join('; ')}`,
      });
      return;
    }
    const e = decoded.value;
    if (e.type === 'election') {
      if (entryIndex !== 0) skipped.push({ entryIndex, reason: 'an election entry after entry 0' });
      return;
    }
    // Officials' acts (corrections among them) are not station figures: the
    // forensics read the forms as the devices signed them.
    if (e.type === 'official') return;
    // Party agents' rosters and words are not station figures either (a dissent's are the agent's).
    if (e.type !== 'result') return;
    resultEntries++;
    const list = byContest.get(e.contest);
    const place = index.places.get(e.station);
    const race = index.raceFor(e.contest, e.station);
    if (!list || !place || !race) {
      skipped.push({
        entryIndex,
        reason: !list
          ? `names contest "${e.contest}", which this election does not have`
          : !place
            ? `names station "${e.station}", which this election does not have`
            : `station ${e.station} has no race in contest "${e.contest}"`,
      });
      return;
    }
    let candidateSum = 0;
    for (const n of Object.values(e.votes)) candidateSum += n;
    const ballots = Math.max(e.totalValid, candidateSum) + e.rejected;
    const registered = place.station.registeredVoters;
    list.push({
      entryIndex,
      contest: e.contest,
      station: e.station,
      device: e.device,
      serial: index.devices.get(e.device)?.serial,
      race: race.unit,
      constituency: place.constituency,
      county: place.county,
      votes: e.votes,
      candidateSum,
      totalValid: e.totalValid,
      rejected: e.rejected,
      ballots,
      registered,
      turnout: registered > 0 ? ballots / registered : null,
    });
  });
  return { byContest, resultEntries, skipped };
}

/** The first result of each station (the one the tally counts), in log order. */
export function firstPerStation(figures: readonly StationFigures[]): StationFigures[] {
  const seen = new Set<StationCode>();
  const out: StationFigures[] = [];
  for (const f of figures) {
    if (seen.has(f.station)) continue;
    seen.add(f.station);
    out.push(f);
  }
  return out;
}

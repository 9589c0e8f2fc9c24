// The tally: a pure, deterministic fold over log entries. The server runs it as
// it appends, `kura verify` runs it over a mirrored log, and the portal runs it
// in the browser; all three must reach the same numbers from the same entries.
import type { CandidateId, ContestId, StationCode, UnitCode } from './definition.js';
import { type ElectionIndex, NATION } from './election-index.js';
import { decodeEntry, type Entry, type ResultEntry } from './entries.js';
import { checkResult, type ResultFlag } from './rules.js';

export interface StationResult {
  contest: ContestId;
  station: StationCode;
  entryIndex: number;
  device: string;
  votes: Record<CandidateId, number>;
  rejected: number;
  totalValid: number;
  form: string;
  deviceTime: string;
  flags: ResultFlag[];
}

export interface UnitTally {
  contest: ContestId;
  /** Unit code, "" for the nation. */
  unit: UnitCode;
  /** Sum of the candidate counts on the reporting stations' forms. */
  votes: Record<CandidateId, number>;
  /** Sum of the total valid votes as written on the forms. */
  totalValid: number;
  rejected: number;
  stationsReported: number;
  stationsExpected: number;
  registeredReported: number;
  registeredExpected: number;
  /** Reporting stations carrying each plausibility flag. */
  flagged: Partial<Record<ResultFlag, number>>;
  /** Index of the last entry that changed this tally (-1: none yet). */
  lastEntry: number;
}

/** An entry that the fold could not count: a server that follows the rules never logs one. */
export interface Anomaly {
  entryIndex: number;
  kind: 'undecodable' | 'rule-violation' | 'duplicate-result' | 'misplaced-election-entry';
  detail: string;
}

export interface FoldChange {
  stations: Array<{ contest: ContestId; station: StationCode }>;
  units: Array<{ contest: ContestId; unit: UnitCode }>;
}

const NO_CHANGE: FoldChange = { stations: [], units: [] };

export class TallyFold {
  readonly results = new Map<ContestId, Map<StationCode, StationResult>>();
  readonly tallies = new Map<ContestId, Map<UnitCode, UnitTally>>();
  readonly anomalies: Anomaly[] = [];
  /** Number of entries folded so far (the next entry's index). */
  size = 0;

  constructor(readonly index: ElectionIndex) {
    for (const contest of index.contests.values()) {
      const units = new Map<UnitCode, UnitTally>();
      for (const station of index.stations.values()) {
        const race = index.raceFor(contest.id, station.code);
        if (!race) continue;
        for (const unit of index.rollup(station.code)) {
          let t = units.get(unit);
          if (!t) {
            t = emptyTally(contest.id, unit);
            units.set(unit, t);
          }
          t.stationsExpected += 1;
          t.registeredExpected += station.registeredVoters;
          // Every candidate standing in the unit appears, at 0 until results arrive.
          for (const cand of race.candidates) if (!Object.hasOwn(t.votes, cand)) t.votes[cand] = 0;
        }
      }
      this.tallies.set(contest.id, units);
      this.results.set(contest.id, new Map());
    }
  }

  /** Folds the next log entry's bytes. Entries must arrive in log order. */
  applyBytes(entryIndex: number, bytes: Uint8Array): FoldChange {
    const decoded = decodeEntry(bytes);
    if (!decoded.ok) {
      this.advance(entryIndex);
      this.anomalies.push({
        entryIndex,
        kind: 'undecodable',
        detail: decoded.error.map((e) => `${e.field || 'entry'} ${e.reason}`).join('; '),
      });
      return NO_CHANGE;
    }
    return this.apply(entryIndex, decoded.value);
  }

  /**
   * Folds the next (decoded) log entry. `checkedFlags` may be given by a caller
   * that has just run checkResult on this very entry (the sequencer, for
   * results the API accepted), so the signature is not verified twice.
   */
  apply(entryIndex: number, entry: Entry, checkedFlags?: ResultFlag[]): FoldChange {
    this.advance(entryIndex);
    switch (entry.type) {
      case 'election':
        // Entry 0 commits to the definition; verifying that commitment is the caller's job.
        if (entryIndex !== 0)
          this.anomalies.push({
            entryIndex,
            kind: 'misplaced-election-entry',
            detail: 'an election entry may only be entry 0',
          });
        return NO_CHANGE;
      case 'result':
        return this.applyResult(entryIndex, entry, checkedFlags);
    }
  }

  private advance(entryIndex: number): void {
    if (entryIndex !== this.size)
      throw new Error(`fold out of order: expected entry ${this.size}, got ${entryIndex}`);
    this.size += 1;
  }

  private applyResult(
    entryIndex: number,
    entry: ResultEntry,
    checkedFlags?: ResultFlag[],
  ): FoldChange {
    const checked = checkedFlags
      ? { ok: true as const, value: checkedFlags }
      : checkResult(this.index, entry);
    if (!checked.ok) {
      this.anomalies.push({
        entryIndex,
        kind: 'rule-violation',
        detail: `${checked.error.code}: ${checked.error.message}`,
      });
      return NO_CHANGE;
    }
    const byStation = this.results.get(entry.contest);
    if (!byStation) throw new Error('contest checked but not indexed');
    const previous = byStation.get(entry.station);
    if (previous) {
      this.anomalies.push({
        entryIndex,
        kind: 'duplicate-result',
        detail: `station ${entry.station} already reported ${entry.contest} at entry ${previous.entryIndex}`,
      });
      return NO_CHANGE;
    }
    const flags = checked.value;
    const result: StationResult = {
      contest: entry.contest,
      station: entry.station,
      entryIndex,
      device: entry.device,
      votes: entry.votes,
      rejected: entry.rejected,
      totalValid: entry.totalValid,
      form: entry.form,
      deviceTime: entry.deviceTime,
      flags,
    };
    byStation.set(entry.station, result);
    const registered = this.index.stations.get(entry.station)?.registeredVoters ?? 0;
    const units = this.index.rollup(entry.station);
    const tallies = this.tallies.get(entry.contest);
    if (!tallies) throw new Error('contest checked but not indexed');
    for (const unit of units) {
      const t = tallies.get(unit);
      if (!t) throw new Error(`unit ${unit} of a valid station has no tally`);
      for (const [cand, n] of Object.entries(entry.votes)) t.votes[cand] = (t.votes[cand] ?? 0) + n;
      t.totalValid += entry.totalValid;
      t.rejected += entry.rejected;
      t.stationsReported += 1;
      t.registeredReported += registered;
      for (const f of flags) t.flagged[f] = (t.flagged[f] ?? 0) + 1;
      t.lastEntry = entryIndex;
    }
    return {
      stations: [{ contest: entry.contest, station: entry.station }],
      units: units.map((unit) => ({ contest: entry.contest, unit })),
    };
  }

  tally(contest: ContestId, unit: UnitCode = NATION): UnitTally | undefined {
    return this.tallies.get(contest)?.get(unit);
  }

  result(contest: ContestId, station: StationCode): StationResult | undefined {
    return this.results.get(contest)?.get(station);
  }
}

function emptyTally(contest: ContestId, unit: UnitCode): UnitTally {
  return {
    contest,
    unit,
    // Null-prototype records: candidate ids are data, and must never meet Object.prototype.
    votes: Object.create(null),
    totalValid: 0,
    rejected: 0,
    stationsReported: 0,
    stationsExpected: 0,
    registeredReported: 0,
    registeredExpected: 0,
    flagged: Object.create(null),
    lastEntry: -1,
  };
}

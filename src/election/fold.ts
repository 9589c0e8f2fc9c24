// The tally: a pure, deterministic fold over log entries. The server runs it as
// it appends, and `kura verify` and `kura verify-bundle` run it over a copy of
// the log; all must reach the same numbers from the same entries. The portal
// does not fold: it checks one station's figures against its proven entry and
// recomputes that entry's flags with the same rules (rules.ts).
import type { Result } from '../basics/result.js';
import { sha256 } from '../log/crypto.js';
import type { AgentEntry } from './agent-entries.js';
import { AgentBook, type AgentEffect, type AgentError } from './agents.js';
import type { CandidateId, ContestId, ScopeLevel, StationCode, UnitCode } from './definition.js';
import { type ElectionIndex, NATION } from './election-index.js';
import { decodeEntry, type Entry, encodeEntry, type ResultEntry } from './entries.js';
import type { Figures, OfficialEntry } from './official-entry.js';
import {
  type Correction,
  type FoldView,
  type OfficialEffect,
  type OfficialError,
  Officials,
  type RaceFigures,
} from './officials.js';
import {
  type CheckedVerdict,
  checkResult,
  type DeviceLookup,
  type ResultFlag,
  type RuleError,
  resultFlags,
} from './rules.js';
import {
  type CorrectionApplied,
  ResultPool,
  type StationResult,
  StationResultTable,
} from './station-results.js';

export type { CorrectionApplied, StationResult };

/** What every tally has, whatever its unit's place relative to the contest's races. */
interface TallyFigures {
  contest: ContestId;
  /** Unit code, "" for the nation. */
  unit: UnitCode;
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
  /** Stations counted with corrected figures; absent while there are none. */
  corrections?: number;
  /** Stations whose counted result some party's agent attested (FORMATS.md §16); absent while there are none. */
  cosigned?: number;
  /** Stations whose counted result some party's agent dissented from; absent while there are none. */
  disputed?: number;
}

/** The tally of a unit at or below the contest's scope: inside one race, counted per candidate. */
export interface RaceTally extends TallyFigures {
  /** Sum of the candidate counts on the reporting stations' forms; every candidate of the race, from 0. */
  votes: Record<CandidateId, number>;
  partyVotes?: never;
  races?: never;
}

/**
 * The tally of a unit above the contest's scope (governors nation-wide, MCAs in
 * a constituency): it holds several races, so it counts per party, not per
 * candidate (a national list of every ward's candidates helps no reader).
 */
export interface PartyTally extends TallyFigures {
  votes?: never;
  /** How many races of the contest lie in the unit. */
  races: number;
  /** Sum of the candidate counts by the candidates' `party`; every party standing in the unit, from 0. */
  partyVotes: Record<string, number>;
}

/** Tell the two apart by `votes` (or `partyVotes`) being present. */
export type UnitTally = RaceTally | PartyTally;

/** An entry that the fold could not count: a server that follows the rules never logs one. */
export interface Anomaly {
  entryIndex: number;
  kind:
    | 'undecodable'
    | 'rule-violation'
    | 'duplicate-result'
    | 'misplaced-election-entry'
    | 'official-refused';
  detail: string;
}

export interface FoldChange {
  stations: Array<{ contest: ContestId; station: StationCode }>;
  units: Array<{ contest: ContestId; unit: UnitCode }>;
}

const NO_CHANGE: FoldChange = { stations: [], units: [] };

export class TallyFold {
  /** contest → its counted results, packed (station-results.ts); read like a map of StationResult. */
  readonly results: ReadonlyMap<ContestId, StationResultTable>;
  readonly tallies = new Map<ContestId, Map<UnitCode, UnitTally>>();
  readonly anomalies: Anomaly[] = [];
  /** Accounts, devices, corrections, declarations and the access log, from official entries. */
  readonly officials: Officials;
  /** Parties, their agents and the words they signed on results (FORMATS.md §16). */
  readonly agents: AgentBook;
  /** Number of entries folded so far (the next entry's index). */
  size = 0;
  /** Devices as the log now stands (for result rules). */
  readonly devices: DeviceLookup = (id) => this.officials.devices.get(id);
  /** What the officials' rules may ask of the results and tallies. */
  readonly view: FoldView = {
    resultIndex: (contest, station) => this.table(contest)?.entryIndexOf(station),
    raceFigures: (contest, unit) => this.raceFigures(contest, unit),
    stationFigures: (contest, station) => this.result(contest, station),
    lastChange: (contest) => this.lastFigures.get(contest) ?? -1,
  };

  /** contest → index of the last entry that changed its figures (agents' words change no figure). */
  private readonly lastFigures = new Map<ContestId, number>();

  /** contest → what applyResult reaches per result, found with one lookup (the same objects as above). */
  private readonly counting = new Map<ContestId, ContestCounting>();

  /**
   * `blank`: the tallies are left without their units, for a fold whose
   * state is about to be restored from a snapshot (fold-snapshot.ts), which
   * brings its own; such a fold must not fold before it is restored.
   */
  constructor(
    readonly index: ElectionIndex,
    { blank = false }: { blank?: boolean } = {},
  ) {
    this.agents = new AgentBook(index);
    this.officials = new Officials(index, this.agents);
    const pool = new ResultPool(index);
    const results = new Map<ContestId, StationResultTable>();
    this.results = results;
    for (const contest of index.contests.values()) {
      const partyOf = new Map(contest.candidates.map((c) => [c.id, partyKey(c.party)]));
      // rollup() lists the nation, county, constituency and ward, by rank: a unit
      // ranked before the contest's scope may hold several races (§8.1).
      const firstRaceLevel = SCOPE_RANK[contest.scope];
      const units = new Map<UnitCode, UnitTally>();
      const racesIn = new Map<UnitCode, Set<UnitCode>>();
      for (const station of blank ? [] : index.stations.values()) {
        const race = index.raceFor(contest.id, station.code);
        if (!race) continue;
        index.rollup(station.code).forEach((unit, rank) => {
          let t = units.get(unit);
          if (!t) {
            t = rank >= firstRaceLevel ? raceTally(contest.id, unit) : partyTally(contest.id, unit);
            units.set(unit, t);
          }
          t.stationsExpected += 1;
          t.registeredExpected += station.registeredVoters;
          // Every candidate (party) standing in the unit appears, at 0 until results arrive.
          if (t.votes) {
            for (const cand of race.candidates)
              if (!Object.hasOwn(t.votes, cand)) t.votes[cand] = 0;
          } else {
            const races = racesIn.get(unit) ?? new Set<UnitCode>();
            racesIn.set(unit, races);
            if (races.has(race.unit)) return;
            races.add(race.unit);
            t.races = races.size;
            for (const cand of race.candidates) {
              const party = partyOf.get(cand) ?? '';
              if (!Object.hasOwn(t.partyVotes, party)) t.partyVotes[party] = 0;
            }
          }
        });
      }
      this.tallies.set(contest.id, units);
      const table = new StationResultTable(contest.id, pool);
      results.set(contest.id, table);
      const byUnit: Array<UnitTally | undefined> = new Array(index.unitCount).fill(undefined);
      const changes: Array<{ contest: ContestId; unit: UnitCode } | undefined> = new Array(
        index.unitCount,
      ).fill(undefined);
      for (const [unit, t] of units) {
        const at = index.unitOrdinal(unit);
        if (at === undefined) continue;
        byUnit[at] = t;
        changes[at] = { contest: contest.id, unit };
      }
      this.counting.set(contest.id, {
        table,
        partyOf,
        byUnit,
        changes,
        raceRank: firstRaceLevel,
        lastCandidates: new Array(index.unitCount).fill(undefined),
        lastParties: new Array(index.unitCount).fill(undefined),
      });
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
    return this.apply(entryIndex, decoded.value, bytes);
  }

  /**
   * Folds the next (decoded) log entry, checking it by the election's rules.
   * `bytes`: the entry's bytes where the caller has them (a counted result's
   * hash is taken from them; otherwise they are encoded again).
   */
  apply(entryIndex: number, entry: Entry, bytes?: Uint8Array): FoldChange {
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
        return this.applyResult(
          entryIndex,
          entry,
          checkResult(this.index, entry, this.devices),
          bytes,
        );
      case 'official':
        return this.foldOfficial(entryIndex, entry, false);
      case 'roster':
      case 'attestation':
      case 'dissent':
        return this.foldAgent(entryIndex, entry, false);
    }
  }

  /**
   * Folds the next log entry, a result the rules already passed (`verdict`
   * says where: rules.ts makes every verdict), so its signature is not
   * verified twice. A verdict may predate a revocation, or know only the
   * definition's devices: it counts while the device stands as of now, and
   * otherwise the rules run in full, against the log as it now stands.
   * `entryHash`: the SHA-256 of `bytes`, where the caller has it (the start-up
   * replay's workers take it beside the leaf hash), so it is not taken here.
   */
  applyPrechecked(
    entryIndex: number,
    entry: ResultEntry,
    verdict: CheckedVerdict,
    bytes?: Uint8Array,
    entryHash?: Uint8Array,
  ): FoldChange {
    this.advance(entryIndex);
    if (this.deviceStands(entry))
      return this.countResult(entryIndex, entry, verdict.flags, bytes, entryHash);
    const checked = checkResult(this.index, entry, this.devices);
    return this.applyResult(entryIndex, entry, checked, bytes, entryHash);
  }

  /**
   * Checks a party's roster entry or an agent's word against the log as
   * folded so far (FORMATS.md §16). `signatureChecked`: see AgentBook.check.
   */
  checkAgent(
    entry: AgentEntry,
    options: { signatureChecked?: boolean } = {},
  ): Result<AgentEffect, AgentError> {
    return this.agents.check(entry, options);
  }

  /** Folds a roster entry, attestation or dissent, checked against the state before it. */
  applyAgent(
    entryIndex: number,
    entry: AgentEntry,
    { signatureChecked = false }: { signatureChecked?: boolean } = {},
  ): FoldChange {
    this.advance(entryIndex);
    return this.foldAgent(entryIndex, entry, signatureChecked);
  }

  private foldAgent(entryIndex: number, entry: AgentEntry, signatureChecked: boolean): FoldChange {
    const checked = this.agents.check(entry, { signatureChecked });
    if (!checked.ok) {
      this.anomalies.push({
        entryIndex,
        kind: 'rule-violation',
        detail: `${checked.error.code}: ${checked.error.message}`,
      });
      return NO_CHANGE;
    }
    this.agents.apply(entry, entryIndex);
    const effect = checked.value;
    if (effect.kind === 'roster') return NO_CHANGE;
    const station = [{ contest: effect.contest, station: effect.station }];
    // A word never changes a count: the tallies only count the station once, as co-signed or disputed.
    if (!effect.first) return { stations: station, units: [] };
    const tallies = this.tallies.get(effect.contest);
    const units = this.index.rollup(effect.station);
    for (const unit of units) {
      const t = tallies?.get(unit);
      if (!t) throw new Error(`unit ${unit} of a counted station has no tally`);
      if (effect.word === 'attestation') t.cosigned = (t.cosigned ?? 0) + 1;
      else t.disputed = (t.disputed ?? 0) + 1;
      t.lastEntry = entryIndex;
    }
    return { stations: station, units: units.map((unit) => ({ contest: effect.contest, unit })) };
  }

  /**
   * Checks an official's act against the log as folded so far (the state
   * just before it). `signedHere`: the commission signature is this
   * process's own, made (or about to be made) over an act that passed, so it
   * is not verified; an entry from anywhere else has it verified.
   */
  checkOfficial(
    entry: OfficialEntry,
    { signedHere }: { signedHere: boolean },
  ): Result<OfficialEffect, OfficialError> {
    return this.officials.check(entry, this.size, this.view, signedHere);
  }

  /** Folds an official's act, checked against the state before it (`signedHere`: see checkOfficial). */
  applyOfficial(
    entryIndex: number,
    entry: OfficialEntry,
    { signedHere }: { signedHere: boolean },
  ): FoldChange {
    this.advance(entryIndex);
    return this.foldOfficial(entryIndex, entry, signedHere);
  }

  private foldOfficial(entryIndex: number, entry: OfficialEntry, signedHere: boolean): FoldChange {
    // Checked at its own index: the state before it, of which it is the next entry.
    const checked = this.officials.check(entry, entryIndex, this.view, signedHere);
    if (!checked.ok) {
      this.anomalies.push({
        entryIndex,
        kind: 'official-refused',
        detail: `${checked.error.code}: ${checked.error.message}`,
      });
      return NO_CHANGE;
    }
    this.officials.apply(entry, entryIndex, this.view);
    const effect = checked.value;
    switch (effect.kind) {
      case 'none':
        return NO_CHANGE;
      case 'correction-in-force':
        return this.applyCorrection(entryIndex, effect.correction);
    }
  }

  /** Counts a station with a correction's figures instead of those it was counted with. */
  private applyCorrection(entryIndex: number, c: Correction): FoldChange {
    const r = this.result(c.contest, c.station);
    const tallies = this.tallies.get(c.contest);
    const partyOf = this.counting.get(c.contest)?.partyOf;
    if (!r || !tallies) throw new Error('a correction in force without its result');
    const flags = resultFlags(this.index, { station: c.station, ...figuresOf(c) });
    const units = this.index.rollup(c.station);
    for (const unit of units) {
      const t = tallies.get(unit);
      if (!t) throw new Error(`unit ${unit} of a valid station has no tally`);
      const add = (votes: Record<string, number>, sign: number) => {
        for (const [cand, n] of Object.entries(votes)) {
          if (t.votes) t.votes[cand] = (t.votes[cand] ?? 0) + sign * n;
          else {
            const party = partyOf?.get(cand) ?? '';
            t.partyVotes[party] = (t.partyVotes[party] ?? 0) + sign * n;
          }
        }
      };
      add(r.votes, -1);
      add(c.votes, 1);
      t.totalValid += c.totalValid - r.totalValid;
      t.rejected += c.rejected - r.rejected;
      for (const f of r.flags) {
        const n = (t.flagged[f] ?? 0) - 1;
        if (n > 0) t.flagged[f] = n;
        else delete t.flagged[f];
      }
      for (const f of flags) t.flagged[f] = (t.flagged[f] ?? 0) + 1;
      if (!r.correction) t.corrections = (t.corrections ?? 0) + 1;
      t.lastEntry = entryIndex;
    }
    this.lastFigures.set(c.contest, entryIndex);
    this.table(c.contest)?.replace({
      ...r,
      votes: c.votes,
      rejected: c.rejected,
      totalValid: c.totalValid,
      form: c.form,
      flags,
      correction: {
        entryIndex: c.entryIndex,
        inForceAt: entryIndex,
        reason: c.reason,
        original: r.correction?.original ?? {
          votes: r.votes,
          rejected: r.rejected,
          totalValid: r.totalValid,
          form: r.form,
          flags: r.flags,
        },
      },
    });
    return {
      stations: [{ contest: c.contest, station: c.station }],
      units: units.map((unit) => ({ contest: c.contest, unit })),
    };
  }

  /** Whether the result's device is, as of now, enrolled at its station and not revoked. */
  deviceStands(entry: ResultEntry): boolean {
    const d = this.officials.devices.get(entry.device);
    return d !== undefined && d.revokedAt === null && d.station === entry.station;
  }

  /** The race tally of a unit as declared figures: null where the unit holds several races. */
  raceFigures(contest: ContestId, unit: UnitCode): RaceFigures | null | undefined {
    const t = this.tally(contest, unit);
    if (!t) return undefined;
    if (!t.votes) return null;
    return {
      votes: t.votes,
      rejected: t.rejected,
      totalValid: t.totalValid,
      stationsReported: t.stationsReported,
    };
  }

  private advance(entryIndex: number): void {
    if (entryIndex !== this.size)
      throw new Error(`fold out of order: expected entry ${this.size}, got ${entryIndex}`);
    this.size += 1;
  }

  private applyResult(
    entryIndex: number,
    entry: ResultEntry,
    checked: Result<ResultFlag[], RuleError>,
    bytes: Uint8Array | undefined,
    entryHash?: Uint8Array,
  ): FoldChange {
    if (!checked.ok) {
      this.anomalies.push({
        entryIndex,
        kind: 'rule-violation',
        detail: `${checked.error.code}: ${checked.error.message}`,
      });
      return NO_CHANGE;
    }
    return this.countResult(entryIndex, entry, checked.value, bytes, entryHash);
  }

  /**
   * Counts a result that passed the rules with these flags. It runs once per
   * result on a restart and in every kura verify, so it looks up the contest
   * once and the station once (by its position), and adds into the tallies
   * found by the station's rollupOrdinals.
   */
  private countResult(
    entryIndex: number,
    entry: ResultEntry,
    flags: ResultFlag[],
    bytes: Uint8Array | undefined,
    entryHash: Uint8Array | undefined,
  ): FoldChange {
    const { contest, station } = entry;
    const counting = this.counting.get(contest);
    if (!counting) throw new Error('contest checked but not indexed');
    const { table, byUnit, changes } = counting;
    const index = this.index;
    const ordinal = index.stationOrdinal(station);
    const previous = ordinal === undefined ? undefined : table.entryIndexAt(ordinal);
    if (previous !== undefined) {
      this.anomalies.push({
        entryIndex,
        kind: 'duplicate-result',
        detail: `station ${station} already reported ${contest} at entry ${previous}`,
      });
      return NO_CHANGE;
    }
    if (ordinal === undefined) throw new Error(`station ${station} is not in the definition`);
    // Keys and values in one order (both list the own enumerable keys in
    // order): each vote is read from the entry once, not once per unit.
    const { votes } = entry;
    const candidates = Object.keys(votes);
    const counts = Object.values(votes);
    const rollup = index.rollupOrdinals;
    // The station's race (its unit's position): what caches of the candidates' order are kept by.
    const race = Math.max(rollup[ordinal * 4 + counting.raceRank] as number, 0);
    table.addCounted(ordinal, entryIndex, entry, flags, candidates, counts, race);
    this.agents.resultCounted(
      { contest, station, entryIndex },
      entryHash ?? sha256(bytes ?? encodeEntry(entry)),
    );
    this.lastFigures.set(contest, entryIndex);
    const registered = index.registeredAt[ordinal] as number;
    const units: Array<{ contest: ContestId; unit: UnitCode }> = [];
    // The candidates' parties, looked up once per result, if a party tally needs them.
    let parties: string[] | undefined;
    for (let rank = 0; rank < 4; rank++) {
      const at = rollup[ordinal * 4 + rank] as number;
      if (at < 0) break;
      const t = byUnit[at];
      if (!t)
        throw new Error(`unit ${index.rollup(station)[rank]} of a valid station has no tally`);
      if (t.votes) {
        const sums = t.votes;
        for (let i = 0; i < candidates.length; i++) {
          const cand = candidates[i] as CandidateId;
          sums[cand] = (sums[cand] ?? 0) + (counts[i] as number);
        }
      } else {
        // The rules admit only candidates of the station's race: each has a party key.
        parties ??= partiesOf(counting, race, candidates);
        const sums = t.partyVotes;
        for (let i = 0; i < candidates.length; i++) {
          const party = parties[i] as string;
          sums[party] = (sums[party] ?? 0) + (counts[i] as number);
        }
      }
      t.totalValid += entry.totalValid;
      t.rejected += entry.rejected;
      t.stationsReported += 1;
      t.registeredReported += registered;
      for (let i = 0; i < flags.length; i++) {
        const f = flags[i] as ResultFlag;
        t.flagged[f] = (t.flagged[f] ?? 0) + 1;
      }
      t.lastEntry = entryIndex;
      units.push(changes[at] as { contest: ContestId; unit: UnitCode });
    }
    return { stations: [{ contest, station }], units };
  }

  tally(contest: ContestId, unit: UnitCode = NATION): UnitTally | undefined {
    return this.tallies.get(contest)?.get(unit);
  }

  /** A station's counted result, made afresh on each call: changing it changes nothing in the fold. */
  result(contest: ContestId, station: StationCode): StationResult | undefined {
    return this.table(contest)?.get(station);
  }

  private table(contest: ContestId): StationResultTable | undefined {
    return this.results.get(contest);
  }
}

/**
 * A contest's share of the fold's state, as the per-result path reaches it:
 * its table, its candidates' parties, and by unit position (ElectionIndex's
 * unitOrdinal) its tally and the `{ contest, unit }` a FoldChange names it by
 * (one object per unit, handed to every change, not one per result).
 */
interface ContestCounting {
  table: StationResultTable;
  partyOf: Map<CandidateId, string>;
  byUnit: Array<UnitTally | undefined>;
  changes: Array<{ contest: ContestId; unit: UnitCode } | undefined>;
  /** rollup() rank of the contest's race units (SCOPE_RANK of its scope). */
  raceRank: number;
  /** By race (its unit's position): the candidates of its last result counted into a party tally, and their party keys (partiesOf). */
  lastCandidates: Array<readonly CandidateId[] | undefined>;
  lastParties: Array<string[] | undefined>;
}

/**
 * The party key of each candidate, in order: the list made for the race's
 * last result again when it names the same candidates in the same order (most
 * results of a race do), else looked up and kept. `race`: the position
 * (unitOrdinal) of the station's race unit.
 */
function partiesOf(
  counting: ContestCounting,
  race: number,
  candidates: readonly CandidateId[],
): string[] {
  const last = counting.lastCandidates[race];
  if (last?.length === candidates.length) {
    let same = true;
    for (let i = 0; i < candidates.length && same; i++) same = candidates[i] === last[i];
    if (same) return counting.lastParties[race] as string[];
  }
  const parties = new Array<string>(candidates.length);
  for (let i = 0; i < candidates.length; i++)
    parties[i] = counting.partyOf.get(candidates[i] as CandidateId) ?? '';
  counting.lastCandidates[race] = candidates;
  counting.lastParties[race] = parties;
  return parties;
}

/** Position in rollup() (nation, county, constituency, ward) of the units at each scope. */
const SCOPE_RANK: Record<ScopeLevel, number> = { nation: 0, county: 1, constituency: 2, ward: 3 };

/**
 * The key a candidate's votes count under in party tallies: the definition's
 * `party` as given (independents share whatever string they carry, e.g.
 * "Independent"), or "" where it is not a string (the definition does not check it).
 */
export function partyKey(party: unknown): string {
  return typeof party === 'string' ? party : '';
}

function figures(contest: ContestId, unit: UnitCode): TallyFigures {
  return {
    contest,
    unit,
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

// Null-prototype records: candidate ids and party names are data, and must never meet Object.prototype.
function raceTally(contest: ContestId, unit: UnitCode): RaceTally {
  const { contest: c, unit: u, ...rest } = figures(contest, unit);
  return { contest: c, unit: u, votes: Object.create(null), ...rest };
}

function partyTally(contest: ContestId, unit: UnitCode): PartyTally {
  const { contest: c, unit: u, ...rest } = figures(contest, unit);
  return { contest: c, unit: u, races: 0, partyVotes: Object.create(null), ...rest };
}

function figuresOf(f: Figures): Figures {
  return { votes: f.votes, rejected: f.rejected, totalValid: f.totalValid };
}

// The counted result of every station, packed: the writer keeps one per form
// of the night (276,709 on the Kenya night), and an object graph of strings,
// records and arrays per result cost about 670 bytes of live heap each, which
// V8 then let grow to several times that. Here a result is a row of typed
// arrays (about 90 bytes) and a StationResult is made on demand, with the same
// fields and values as the one the fold counted. Anything that does not pack
// exactly (a corrected result, a count beyond 32 bits, an unusual time) is kept
// whole beside the rows.
import { grown } from '../basics/grown.js';
import { toHex } from '../log/bytes.js';
import type { CandidateId, ContestId, StationCode } from './definition.js';
import type { ElectionIndex } from './election-index.js';
import type { Figures } from './official-entry.js';
import type { ResultFlag } from './rules.js';

const HASH_BYTES = 32;

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
  /** Present once a correction is in force: the figures above are the corrected ones. */
  correction?: CorrectionApplied;
}

/** How a station result was corrected (FORMATS.md §14.3); the original stays in the log and here. */
export interface CorrectionApplied {
  /** Index of the correction-proposed entry now in force. */
  entryIndex: number;
  /** Index of the approval that put it in force. */
  inForceAt: number;
  reason: string;
  /** The figures as the device first signed them (entry `StationResult.entryIndex`). */
  original: Figures & { form: string; flags: ResultFlag[] };
}

const MAX_UINT32 = 0xffff_ffff;

/** How a device time is spelt, so that it comes back exactly as signed. */
const TimeSpelling = {
  /** 2022-08-09T17:05:00Z */
  Seconds: 0,
  /** 2022-08-09T17:05:00.123Z (what toISOString gives) */
  Milliseconds: 1,
} as const;
type TimeSpelling = (typeof TimeSpelling)[keyof typeof TimeSpelling];

/** Strings that many results share (devices, flag lists, the order of the candidates), stored once. */
class Interned<T> {
  readonly items: T[] = [];
  private readonly ids = new Map<string, number>();

  /** The id of the item stored under key, or -1. */
  find(key: string): number {
    return this.ids.get(key) ?? -1;
  }

  /** Stores an item under a key find() does not know; its id. */
  add(key: string, item: T): number {
    const id = this.items.length;
    this.items.push(item);
    this.ids.set(key, id);
    return id;
  }
}

/** What the tables of one fold share. */
export class ResultPool {
  readonly devices = new Interned<string>();
  readonly flagLists = new Interned<readonly ResultFlag[]>();
  /** The candidates of a form's votes in the order the form gave them. */
  readonly voteKeys = new Interned<readonly CandidateId[]>();

  constructor(readonly index: ElectionIndex) {}
}

function isUint32(n: number): boolean {
  return Object.is(n >>> 0, n) && n <= MAX_UINT32;
}

/**
 * The time as milliseconds and a spelling, if it reads back exactly; undefined
 * otherwise. Exported for its test.
 */
export function packTime(text: string): [number, TimeSpelling] | undefined {
  return packIsoTime(text) ?? packAnyTime(text);
}

const DIGIT_0 = 48;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number spelt by the digits text[from, from+count), or -1 where one is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * packTime for the two spellings toISOString gives back (YYYY-MM-DDTHH:MM:SSZ
 * and with .sss), read digit by digit: Date.parse and toISOString per result
 * were a tenth of a restart's fold. Every field is checked to be in range, so
 * unpackTime spells the same text; anything else (undefined) goes the slow way.
 */
function packIsoTime(text: string): [number, TimeSpelling] | undefined {
  const ms = isoTimeMs(text);
  return Number.isNaN(ms) ? undefined : [ms, isoSpelling(text)];
}

/** The spelling of a time isoTimeMs reads: told by its length. */
function isoSpelling(text: string): TimeSpelling {
  return text.length === 20 ? TimeSpelling.Seconds : TimeSpelling.Milliseconds;
}

/** packIsoTime's milliseconds, NaN where it gives undefined (no pair made per result). */
function isoTimeMs(text: string): number {
  const spelling =
    text.length === 20
      ? TimeSpelling.Seconds
      : text.length === 24 && text[19] === '.'
        ? TimeSpelling.Milliseconds
        : undefined;
  if (spelling === undefined) return Number.NaN;
  if (
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== 'T' ||
    text[13] !== ':' ||
    text[16] !== ':' ||
    text[text.length - 1] !== 'Z'
  )
    return Number.NaN;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const milli = spelling === TimeSpelling.Milliseconds ? digitsAt(text, 20, 3) : 0;
  // Date.UTC reads years 0-99 as 1900-1999: those go the slow way.
  if (year < 100 || month < 1 || month > 12 || day < 1) return Number.NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day > days || hour < 0 || hour > 23 || minute < 0 || minute > 59) return Number.NaN;
  if (second < 0 || second > 59 || milli < 0) return Number.NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, milli);
}

function packAnyTime(text: string): [number, TimeSpelling] | undefined {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  const iso = new Date(ms).toISOString();
  if (iso === text) return [ms, TimeSpelling.Milliseconds];
  if (ms % 1000 === 0 && `${iso.slice(0, 19)}Z` === text) return [ms, TimeSpelling.Seconds];
  return undefined;
}

/**
 * Whether text is unpackTime(ms, spelling), read rather than spelt out (the
 * start-up check asks it of every stored result): a time isoTimeMs reads is
 * the one unpackTime spells (see packIsoTime), anything else is compared as text.
 */
function spellsTime(text: unknown, ms: number, spelling: TimeSpelling): boolean {
  if (typeof text !== 'string') return false;
  const read = isoTimeMs(text);
  return Number.isNaN(read)
    ? text === unpackTime(ms, spelling)
    : read === ms && isoSpelling(text) === spelling;
}

export function unpackTime(ms: number, spelling: TimeSpelling): string {
  const iso = new Date(ms).toISOString();
  return spelling === TimeSpelling.Seconds ? `${iso.slice(0, 19)}Z` : iso;
}

/** What a row packs of a result besides its entry index and flags. */
type PackedFigures = Pick<
  StationResult,
  'device' | 'votes' | 'rejected' | 'totalValid' | 'form' | 'deviceTime'
>;

/** What the fold hands addCounted: a result entry's fields as signed. */
export type CountedFigures = PackedFigures & Pick<StationResult, 'contest' | 'station'>;

/** The keys of a packed result: those of StationResult but correction. */
const RESULT_KEYS: readonly string[] = [
  'contest',
  'station',
  'entryIndex',
  'device',
  'votes',
  'rejected',
  'totalValid',
  'form',
  'deviceTime',
  'flags',
] satisfies (keyof StationResult)[];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys as the start-up check counts them (for ... in). */
function countKeys(v: Record<string, unknown>): number {
  let n = 0;
  for (const _ in v) n++;
  return n;
}

const HEX_DIGITS = '0123456789abcdef';

/** A lower-case hex digit's value, -1 for anything else (HEX64 takes only lower case). */
function lowerHexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/**
 * Writes the 32 bytes a hash's hex spells at bytes[from ..]: false (some of
 * them written) unless text is 64 lower-case hex digits, as HEX64 asks.
 */
function readHash(text: string, bytes: Uint8Array, from: number): boolean {
  if (text.length !== HASH_BYTES * 2) return false;
  for (let i = 0; i < HASH_BYTES; i++) {
    const hi = lowerHexNibble(text.charCodeAt(2 * i));
    const lo = lowerHexNibble(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return false;
    bytes[from + i] = (hi << 4) | lo;
  }
  return true;
}

/** Whether text is the lower-case hex of the 32 bytes at bytes[from ..]. */
function spellsHash(text: string, bytes: Uint8Array, from: number): boolean {
  if (text.length !== HASH_BYTES * 2) return false;
  for (let i = 0; i < HASH_BYTES; i++) {
    const b = bytes[from + i] as number;
    if (
      text.charCodeAt(2 * i) !== HEX_DIGITS.charCodeAt(b >> 4) ||
      text.charCodeAt(2 * i + 1) !== HEX_DIGITS.charCodeAt(b & 15)
    )
      return false;
  }
  return true;
}

/** A deep copy, so that no caller can change what the fold holds. */
function copyOf(r: StationResult): StationResult {
  return structuredClone(r);
}

/**
 * The counted results of one contest, by station, in the order they were
 * counted; read like a ReadonlyMap. Each read makes a new StationResult.
 */
export class StationResultTable implements ReadonlyMap<StationCode, StationResult> {
  /** Station ordinal → its row + 1 (0: not counted). */
  private readonly rowOf: Int32Array;
  private rows = 0;
  private station = new Int32Array(64);
  private entryIndex = new Uint32Array(64);
  private device = new Uint32Array(64);
  private rejected = new Uint32Array(64);
  private totalValid = new Uint32Array(64);
  private deviceTime = new Float64Array(64);
  private timeSpelling = new Uint8Array(64);
  private flags = new Uint8Array(64);
  private voteKeys = new Uint16Array(64);
  private voteStart = new Uint32Array(64);
  private form = new Uint8Array(64 * HASH_BYTES);
  private votes = new Uint32Array(256);
  private votesUsed = 0;
  /** Row → the result, for the rows that do not pack (corrections among them). */
  private readonly whole = new Map<number, StationResult>();
  /** By race (see voteKeysId): the order of the candidates of its last row packed, and its id in the pool. */
  private readonly lastVoteKeys: Array<readonly CandidateId[] | undefined>;
  private readonly lastVoteKeysId: number[];

  constructor(
    readonly contest: ContestId,
    private readonly pool: ResultPool,
  ) {
    this.rowOf = new Int32Array(pool.index.stationCount);
    // Filled, not holey: kept by race position, any of the index's units.
    this.lastVoteKeys = new Array(pool.index.unitCount).fill(undefined);
    this.lastVoteKeysId = new Array(pool.index.unitCount).fill(-1);
  }

  get size(): number {
    return this.rows;
  }

  has(station: StationCode): boolean {
    return this.row(station) >= 0;
  }

  get(station: StationCode): StationResult | undefined {
    const row = this.row(station);
    return row < 0 ? undefined : this.read(row);
  }

  /** The index of the entry the station's result was counted from, without making the result. */
  entryIndexOf(station: StationCode): number | undefined {
    const row = this.row(station);
    if (row < 0) return undefined;
    return this.whole.get(row)?.entryIndex ?? (this.entryIndex[row] as number);
  }

  /**
   * A key that differs whenever get(station) can: a counted row is never
   * changed (the index of its entry names it), a result kept whole (a
   * correction put in force, or one that does not pack) is spelt out.
   * undefined when the station has no result.
   */
  versionOf(station: StationCode): string | undefined {
    const row = this.row(station);
    if (row < 0) return undefined;
    const whole = this.whole.get(row);
    return whole ? JSON.stringify(whole) : `#${this.entryIndex[row] as number}`;
  }

  *keys(): MapIterator<StationCode> {
    for (let row = 0; row < this.rows; row++)
      yield this.pool.index.stationAt(this.station[row] as number);
  }

  *values(): MapIterator<StationResult> {
    for (let row = 0; row < this.rows; row++) yield this.read(row);
  }

  *entries(): MapIterator<[StationCode, StationResult]> {
    for (let row = 0; row < this.rows; row++) {
      const r = this.read(row);
      yield [r.station, r];
    }
  }

  [Symbol.iterator](): MapIterator<[StationCode, StationResult]> {
    return this.entries();
  }

  forEach(
    callback: (
      value: StationResult,
      key: StationCode,
      map: ReadonlyMap<StationCode, StationResult>,
    ) => void,
    thisArg?: unknown,
  ): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  /**
   * Whether `value` (a stored copy, parsed from JSON) is the same JSON as
   * get(station): the same keys, in any order, with the same values. The
   * start-up check asks this of every stored station result; answered from the
   * row, it makes no result. undefined where get must be asked (no result, or
   * one kept whole).
   */
  sameAsStored(station: StationCode, value: unknown): boolean | undefined {
    const row = this.row(station);
    if (row < 0 || this.whole.has(row)) return undefined;
    if (!isRecord(value) || countKeys(value) !== RESULT_KEYS.length) return false;
    for (const k of RESULT_KEYS) if (!Object.hasOwn(value, k)) return false;
    const {
      contest,
      station: code,
      entryIndex,
      device,
      votes,
      rejected,
      totalValid,
      form,
      deviceTime,
      flags,
    } = value;
    const keys = this.pool.voteKeys.items[this.voteKeys[row] as number] ?? [];
    const flagList = this.pool.flagLists.items[this.flags[row] as number] ?? [];
    if (
      contest !== this.contest ||
      code !== this.pool.index.stationAt(this.station[row] as number) ||
      entryIndex !== this.entryIndex[row] ||
      device !== this.pool.devices.items[this.device[row] as number] ||
      rejected !== this.rejected[row] ||
      totalValid !== this.totalValid[row] ||
      !isRecord(votes) ||
      countKeys(votes) !== keys.length ||
      !Array.isArray(flags) ||
      flags.length !== flagList.length ||
      typeof form !== 'string' ||
      !spellsHash(form, this.form, row * HASH_BYTES) ||
      !spellsTime(
        deviceTime,
        this.deviceTime[row] as number,
        this.timeSpelling[row] as TimeSpelling,
      )
    )
      return false;
    let at = this.voteStart[row] as number;
    for (const k of keys)
      if (!Object.hasOwn(votes, k) || votes[k] !== this.votes[at++]) return false;
    for (let i = 0; i < flags.length; i++) if (flags[i] !== flagList[i]) return false;
    return true;
  }

  /** Counts a station's first result. The fold's job: it has checked that the station has none yet. */
  add(r: StationResult): void {
    if (r.contest !== this.contest)
      throw new Error(`a ${r.contest} result in the ${this.contest} table`);
    const ordinal = this.pool.index.stationOrdinal(r.station);
    if (ordinal === undefined) throw new Error(`station ${r.station} is not in the definition`);
    const keys = Object.keys(r.votes);
    const row = this.newRow(ordinal, r.station, keys.length);
    if (
      r.correction !== undefined ||
      !this.pack(row, r.entryIndex, r, r.flags, keys, Object.values(r.votes))
    )
      this.whole.set(row, copyOf(r));
  }

  /**
   * add, as the fold calls it once per counted result: the station's ordinal
   * already found, the figures read from the entry as they are (no
   * StationResult is made unless the row does not pack) and the votes' keys
   * and counts (Object.keys and Object.values of entry.votes) taken once for
   * the tallies and the row.
   */
  addCounted(
    ordinal: number,
    entryIndex: number,
    entry: CountedFigures,
    flags: ResultFlag[],
    keys: readonly string[],
    counts: readonly unknown[],
    race = 0,
  ): void {
    if (entry.contest !== this.contest)
      throw new Error(`a ${entry.contest} result in the ${this.contest} table`);
    const row = this.newRow(ordinal, entry.station, keys.length);
    if (!this.pack(row, entryIndex, entry, flags, keys, counts, race))
      this.whole.set(
        row,
        copyOf({
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
        }),
      );
  }

  /** Whether the station at a position (stationOrdinal) has a result here: entryIndexOf, by position. */
  entryIndexAt(ordinal: number): number | undefined {
    const row = (this.rowOf[ordinal] as number) - 1;
    if (row < 0) return undefined;
    const whole = this.whole.size > 0 ? this.whole.get(row) : undefined;
    return whole?.entryIndex ?? (this.entryIndex[row] as number);
  }

  /** The row of a station's first result, made room for and claimed. */
  private newRow(ordinal: number, station: StationCode, voteCount: number): number {
    if (this.rowOf[ordinal] !== 0) throw new Error(`station ${station} already has a result`);
    const row = this.rows;
    this.makeRoom(row, voteCount);
    this.rows += 1;
    this.rowOf[ordinal] = row + 1;
    this.station[row] = ordinal;
    return row;
  }

  /** Puts a station's result in force in place of the one counted (a correction): kept whole. */
  replace(r: StationResult): void {
    const row = this.row(r.station);
    if (row < 0 || r.contest !== this.contest)
      throw new Error(`station ${r.station} has no result to replace`);
    this.whole.set(row, copyOf(r));
  }

  private row(station: StationCode): number {
    const ordinal = this.pool.index.stationOrdinal(station);
    return ordinal === undefined ? -1 : (this.rowOf[ordinal] as number) - 1;
  }

  /**
   * Writes a result into its row; false (and the row is left unread) if it
   * does not read back exactly. `keys` and `counts`: Object.keys(r.votes) and
   * Object.values(r.votes), which list them in the same order.
   */
  private pack(
    row: number,
    entryIndex: number,
    r: PackedFigures,
    flagList: readonly ResultFlag[],
    keys: readonly string[],
    counts: readonly unknown[],
    race = 0,
  ): boolean {
    if (!isUint32(entryIndex) || !isUint32(r.rejected) || !isUint32(r.totalValid)) return false;
    const { deviceTime } = r;
    for (let i = 0; i < keys.length; i++)
      if (keys[i] === '__proto__' || !isUint32(counts[i] as number)) return false;
    let ms = isoTimeMs(deviceTime);
    let spelling: TimeSpelling;
    if (Number.isNaN(ms)) {
      const time = packAnyTime(deviceTime);
      if (!time) return false;
      [ms, spelling] = time;
    } else spelling = isoSpelling(deviceTime);
    if (!readHash(r.form, this.form, row * HASH_BYTES)) return false;
    const flags = this.flagListId(flagList);
    const voteKeys = this.voteKeysId(keys, race);
    if (flags > 0xff || voteKeys > 0xffff) return false;
    this.flags[row] = flags;
    this.voteKeys[row] = voteKeys;
    this.entryIndex[row] = entryIndex;
    // The definition's own string where it lists the device: one copy, not one per result.
    const devices = this.pool.devices;
    let device = devices.find(r.device);
    if (device < 0)
      device = devices.add(r.device, this.pool.index.devices.get(r.device)?.id ?? r.device);
    this.device[row] = device;
    this.rejected[row] = r.rejected;
    this.totalValid[row] = r.totalValid;
    this.deviceTime[row] = ms;
    this.timeSpelling[row] = spelling;
    this.voteStart[row] = this.votesUsed;
    for (let i = 0; i < keys.length; i++) this.votes[this.votesUsed++] = counts[i] as number;
    return true;
  }

  private flagListId(flags: readonly ResultFlag[]): number {
    const lists = this.pool.flagLists;
    const key = flags.length === 0 ? '' : flags.join('\u0000');
    const id = lists.find(key);
    return id >= 0 ? id : lists.add(key, [...flags]);
  }

  /**
   * The interned id of the candidates' order: most forms of a race give its
   * last one again (`race`: a number that tells the station's race apart, the
   * position of its unit; any number is right, a wrong one only misses).
   */
  private voteKeysId(keys: readonly string[], race: number): number {
    const last = this.lastVoteKeys[race];
    if (last?.length === keys.length) {
      let same = true;
      for (let i = 0; i < keys.length && same; i++) same = keys[i] === last[i];
      if (same) return this.lastVoteKeysId[race] as number;
    }
    const lists = this.pool.voteKeys;
    const key = keys.join('\u0000');
    let id = lists.find(key);
    if (id < 0) id = lists.add(key, keys);
    this.lastVoteKeys[race] = lists.items[id] as readonly CandidateId[];
    this.lastVoteKeysId[race] = id;
    return id;
  }

  private read(row: number): StationResult {
    const whole = this.whole.get(row);
    if (whole) return copyOf(whole);
    const votes: Record<CandidateId, number> = {};
    let at = this.voteStart[row] as number;
    for (const k of this.pool.voteKeys.items[this.voteKeys[row] as number] ?? [])
      votes[k] = this.votes[at++] as number;
    return {
      contest: this.contest,
      station: this.pool.index.stationAt(this.station[row] as number),
      entryIndex: this.entryIndex[row] as number,
      device: this.pool.devices.items[this.device[row] as number] as string,
      votes,
      rejected: this.rejected[row] as number,
      totalValid: this.totalValid[row] as number,
      form: toHex(this.form.subarray(row * HASH_BYTES, (row + 1) * HASH_BYTES)),
      deviceTime: unpackTime(
        this.deviceTime[row] as number,
        this.timeSpelling[row] as TimeSpelling,
      ),
      flags: [...(this.pool.flagLists.items[this.flags[row] as number] ?? [])],
    };
  }

  private makeRoom(row: number, voteCount: number): void {
    if (row >= this.station.length) {
      // No contest has more results than the definition has stations.
      const n = Math.min(this.station.length * 2, this.pool.index.stationCount);
      this.station = grown(this.station, n);
      this.entryIndex = grown(this.entryIndex, n);
      this.device = grown(this.device, n);
      this.rejected = grown(this.rejected, n);
      this.totalValid = grown(this.totalValid, n);
      this.deviceTime = grown(this.deviceTime, n);
      this.timeSpelling = grown(this.timeSpelling, n);
      this.flags = grown(this.flags, n);
      this.voteKeys = grown(this.voteKeys, n);
      this.voteStart = grown(this.voteStart, n);
      this.form = grown(this.form, n * HASH_BYTES);
    }
    if (this.votesUsed + voteCount > this.votes.length)
      this.votes = grown(this.votes, Math.max(this.votes.length * 2, this.votesUsed + voteCount));
  }
}

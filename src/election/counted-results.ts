// The counted result entries by the SHA-256 of their bytes, which is how an
// attestation or a dissent names one (FORMATS.md §16). One per counted result:
// a Map from a 64-character string to an object cost about 250 bytes each; here
// it is 32 bytes of hash, a row of numbers and a slot in an open-addressed table.
import { grown } from '../basics/grown.js';
import { fromHex, toHex } from '../log/bytes.js';
import type { ContestId, StationCode } from './definition.js';
import type { ElectionIndex } from './election-index.js';
import { HEX64 } from './shape.js';

const HASH_BYTES = 32;

/** A counted result entry, found by the SHA-256 of its bytes. */
export interface CountedResultRef {
  contest: ContestId;
  station: StationCode;
  entryIndex: number;
}

export class CountedResults {
  private hashes = new Uint8Array(64 * HASH_BYTES);
  private contest = new Uint32Array(64);
  private station = new Uint32Array(64);
  private entryIndex = new Uint32Array(64);
  private rows = 0;
  /** Open addressing with linear probing: row + 1 (0: empty), at most half full. */
  private slots = new Int32Array(128);
  private readonly contests: ContestId[];
  private readonly contestIds: Map<ContestId, number>;
  /** Those whose hash or reference does not pack (none from a fold of a sound log). */
  private readonly odd = new Map<string, CountedResultRef>();

  constructor(private readonly index: ElectionIndex) {
    this.contests = [...index.contests.keys()];
    this.contestIds = new Map(this.contests.map((c, i) => [c, i]));
  }

  get(hash: string): CountedResultRef | undefined {
    const bytes = HEX64.test(hash) ? fromHex(hash) : undefined;
    if (!bytes) return this.odd.get(hash);
    const row = this.find(bytes);
    if (row < 0) return this.odd.get(hash);
    return {
      contest: this.contests[this.contest[row] as number] as ContestId,
      station: this.index.stationAt(this.station[row] as number),
      entryIndex: this.entryIndex[row] as number,
    };
  }

  /** Records a counted result under its hash (lower-case hex); a hash already recorded keeps its first result. */
  add(hash: string, ref: CountedResultRef): void {
    const bytes = HEX64.test(hash) ? fromHex(hash) : undefined;
    if (bytes) this.addHash(bytes, ref);
    else if (!this.odd.has(hash)) this.odd.set(hash, { ...ref });
  }

  /**
   * add, with the hash as its 32 bytes: what the fold has (it hashes the
   * entry's bytes), so no hex is spelt out and parsed back per result.
   */
  addHash(bytes: Uint8Array, ref: CountedResultRef): void {
    if (bytes.length !== HASH_BYTES) throw new RangeError('a SHA-256 is 32 bytes');
    // One probe finds the hash or the empty slot where it goes.
    const slot = this.slotOf(bytes);
    if (this.slots[slot] !== 0 || (this.odd.size > 0 && this.odd.has(toHex(bytes)))) return;
    const contest = this.contestIds.get(ref.contest);
    const station = this.index.stationOrdinal(ref.station);
    const entryIndex = ref.entryIndex;
    if (
      contest === undefined ||
      station === undefined ||
      !(Number.isInteger(entryIndex) && entryIndex >= 0 && entryIndex <= 0xffff_ffff)
    ) {
      const hash = toHex(bytes);
      if (!this.odd.has(hash)) this.odd.set(hash, { ...ref });
      return;
    }
    if (this.rows >= this.contest.length) this.grow();
    const row = this.rows++;
    this.hashes.set(bytes, row * HASH_BYTES);
    this.contest[row] = contest;
    this.station[row] = station;
    this.entryIndex[row] = entryIndex;
    if (this.rows * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.slots[slot] = row + 1;
  }

  /** The row holding the hash, or -1. */
  private find(bytes: Uint8Array): number {
    return (this.slots[this.slotOf(bytes)] as number) - 1;
  }

  /** The slot holding the hash, or else the empty slot where probing for it stops. */
  private slotOf(bytes: Uint8Array): number {
    const mask = this.slots.length - 1;
    for (let slot = bucketOf(bytes, 0) & mask; ; slot = (slot + 1) & mask) {
      const row = (this.slots[slot] as number) - 1;
      if (row < 0 || this.holds(row, bytes)) return slot;
    }
  }

  private holds(row: number, bytes: Uint8Array): boolean {
    const at = row * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++) if (this.hashes[at + i] !== bytes[i]) return false;
    return true;
  }

  private place(row: number): void {
    const mask = this.slots.length - 1;
    let slot = bucketOf(this.hashes, row * HASH_BYTES) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = row + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let row = 0; row < this.rows; row++) this.place(row);
  }

  private grow(): void {
    // A fold counts at most one result per station and contest: no room beyond that is needed.
    const length = this.contest.length;
    const capped = Math.min(length * 2, this.contests.length * this.index.stationCount);
    const n = capped > length ? capped : length * 2;
    this.hashes = grown(this.hashes, n * HASH_BYTES);
    this.contest = grown(this.contest, n);
    this.station = grown(this.station, n);
    this.entryIndex = grown(this.entryIndex, n);
  }
}

/** A SHA-256 is uniform: its first four bytes (at bytes[at ..]) pick the slot. */
function bucketOf(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)) >>>
    0
  );
}

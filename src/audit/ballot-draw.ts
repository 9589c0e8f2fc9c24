// Ballot-polling samples: the consistent sampler over every ballot, with
// replacement, tickets printed to 18 digits, as Arlo draws ballots. A ballot's
// id is `${station}:${position}` (positions 1 .. the station's ballots); the
// result is exactly consistentSample's over those ids, computed faster.
//
// Why it is fast enough for a country (~15 million ballots): only the k =
// fromDraw+count smallest first tickets can ever be drawn, and a ticket's
// first digits are those of n mod 10^d read backwards (n: the hash as an
// integer), so every ballot costs one SHA-256 compression (the seed's hash is
// one block, compressed once) and a few float operations. Only the ballots
// whose d-digit prefix is among the k smallest (ties included) get their full
// 64-78 digit ticket, from the reference functions, and go through the sampler.
import { sampleFromFirstTickets, sha256Hex, sha256Uniform } from './consistent-sampler.js';
import { PrefixedSha256 } from './prefixed-sha256.js';

export interface BallotDraw {
  draw: number;
  station: string;
  position: number;
  ticket: string;
}

export interface BallotManifestEntry {
  id: string;
  ballots: number;
}

/** Digits of the printed tickets, as Arlo. */
const TICKET_DIGITS = 18;

/** Ticket digits read per ballot in the screening pass (n mod 10^9, see screenSmallest). */
const SCREEN_DIGITS = 9;
const BILLION = 1e9;

/** 2^(16·(15−i)) mod 10^9 for i = 0..15: the weight of the digest's i-th 16-bit piece. */
const PIECE_WEIGHTS = Array.from({ length: 16 }, (_, i) =>
  Number((1n << BigInt(16 * (15 - i))) % 1_000_000_000n),
);

/** x (0..999) written with three digits, reversed: 12 → "012" → "210" → 210. */
const REVERSED_3 = Array.from(
  { length: 1000 },
  (_, x) => (x % 10) * 100 + (Math.floor(x / 10) % 10) * 10 + Math.floor(x / 100),
);

const utf8 = new TextEncoder();

/**
 * Draws fromDraw+1 .. fromDraw+count of the with-replacement consistent sample
 * of ballot ids `${station}:${position}` under the seed (take fromDraw+count,
 * drop fromDraw).
 */
export function drawBallots(
  stations: readonly BallotManifestEntry[],
  seed: string,
  fromDraw: number,
  count: number,
): BallotDraw[] {
  return drawBallotsScreened(stations, seed, fromDraw, count, SCREEN_DIGITS);
}

/**
 * drawBallots with the screening prefix length as a parameter, so tests can
 * force prefix ties (with 1 or 2 digits) and see that they change nothing.
 */
export function drawBallotsScreened(
  stations: readonly BallotManifestEntry[],
  seed: string,
  fromDraw: number,
  count: number,
  screenDigits: number,
): BallotDraw[] {
  if (!Number.isSafeInteger(fromDraw) || fromDraw < 0)
    throw new RangeError(`fromDraw must be a whole number ≥ 0, not ${fromDraw}`);
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`count must be a whole number ≥ 0, not ${count}`);
  if (!Number.isSafeInteger(screenDigits) || screenDigits < 1 || screenDigits > SCREEN_DIGITS)
    throw new RangeError(`screenDigits must be 1..${SCREEN_DIGITS}, not ${screenDigits}`);
  const seen = new Set<string>();
  let ballots = 0;
  for (const { id, ballots: n } of stations) {
    if (seen.has(id)) throw new RangeError(`the station "${id}" is listed twice`);
    seen.add(id);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new RangeError(`the station "${id}" has ${n} ballots: a whole number ≥ 0 is needed`);
    ballots += n;
  }
  if (count === 0) return [];
  if (ballots === 0) throw new RangeError('there are no ballots to draw from');

  const seedHash = sha256Hex(seed);
  const screened = screenSmallest(stations, seedHash, fromDraw + count, screenDigits);
  const where = new Map<string, { station: string; position: number }>();
  const first = screened.map(({ station, position }) => {
    const id = `${station}:${position}`;
    where.set(id, { station, position });
    return { ticket: sha256Uniform(seedHash + id), id, generation: 1 };
  });
  const sample = sampleFromFirstTickets(first, {
    withReplacement: true,
    drop: fromDraw,
    take: count,
    digits: TICKET_DIGITS,
  });
  return sample.map((t, i) => {
    const { station, position } = where.get(t.id) as { station: string; position: number };
    return { draw: fromDraw + i + 1, station, position, ticket: t.ticket };
  });
}

/**
 * The ballots whose first-ticket prefix (screenDigits digits) is at most the
 * wanted-th smallest prefix: a superset of the `wanted` smallest tickets.
 */
function screenSmallest(
  stations: readonly BallotManifestEntry[],
  seedHash: string,
  wanted: number,
  screenDigits: number,
): { station: string; position: number }[] {
  const hasher = new PrefixedSha256(utf8.encode(seedHash));
  const coarsen = 10 ** (SCREEN_DIGITS - screenDigits);
  const digest = new Int32Array(8);
  const tail = new Uint8Array(128);
  const heap = new PrefixHeap(wanted);
  // Ballots refused or evicted at a prefix equal to the heap's largest: they
  // belong to the candidates if that prefix is still the threshold at the end.
  const ties: { key: number; station: number; position: number }[] = [];
  const positionDigits = new Uint8Array(16);
  for (let s = 0; s < stations.length; s++) {
    const station = stations[s] as BallotManifestEntry;
    const head = utf8.encode(`${station.id}:`);
    if (head.length + 16 > 119)
      throw new RangeError(`the station id "${station.id}" is too long for a ballot id`);
    tail.set(head);
    for (let position = 1; position <= station.ballots; position++) {
      let length = head.length;
      let digits = 0;
      for (let p = position; p > 0; p = Math.floor(p / 10))
        positionDigits[digits++] = 48 + (p % 10);
      while (digits > 0) tail[length++] = positionDigits[--digits] as number;
      hasher.digestInto(tail, length, digest);
      // n mod 10^9 as Σ piece_i · (2^(16·(15−i)) mod 10^9) over the digest's sixteen
      // 16-bit pieces: each product < 2^46, the sum < 2^50, all exact in binary64.
      let sum = 0;
      for (let i = 0; i < 8; i++) {
        const word = digest[i] as number;
        sum += (word >>> 16) * (PIECE_WEIGHTS[2 * i] as number);
        sum += (word & 0xffff) * (PIECE_WEIGHTS[2 * i + 1] as number);
      }
      const remainder = sum % BILLION;
      // The ticket's first nine digits are the remainder's, units first.
      const key9 =
        (REVERSED_3[remainder % 1000] as number) * 1e6 +
        (REVERSED_3[Math.floor(remainder / 1000) % 1000] as number) * 1000 +
        (REVERSED_3[Math.floor(remainder / 1e6)] as number);
      const key = screenDigits === SCREEN_DIGITS ? key9 : Math.floor(key9 / coarsen);
      if (heap.size < wanted) heap.push(key, s, position);
      else if (key < heap.maxKey) {
        const evicted = heap.replaceMax(key, s, position);
        if (evicted.key === heap.maxKey) ties.push(evicted);
      } else if (key === heap.maxKey) ties.push({ key, station: s, position });
    }
  }
  const threshold = heap.maxKey;
  const out: { station: string; position: number }[] = [];
  const add = (s: number, position: number) =>
    out.push({ station: (stations[s] as BallotManifestEntry).id, position });
  heap.forEach(add);
  for (const t of ties) if (t.key === threshold) add(t.station, t.position);
  return out;
}

/** A max-heap of at most `capacity` (prefix key, station index, position) triples, in typed arrays. */
class PrefixHeap {
  private readonly keys: Float64Array;
  private readonly stations: Int32Array;
  private readonly positions: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.stations = new Int32Array(capacity);
    this.positions = new Float64Array(capacity);
  }

  get maxKey(): number {
    return this.size === 0 ? Number.NEGATIVE_INFINITY : (this.keys[0] as number);
  }

  push(key: number, station: number, position: number): void {
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.keys[parent] as number) >= key) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, key, station, position);
  }

  /** Replaces the largest by the triple given; returns the one replaced. */
  replaceMax(
    key: number,
    station: number,
    position: number,
  ): { key: number; station: number; position: number } {
    const evicted = {
      key: this.keys[0] as number,
      station: this.stations[0] as number,
      position: this.positions[0] as number,
    };
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const larger = r < this.size && (this.keys[r] as number) > (this.keys[l] as number) ? r : l;
      if ((this.keys[larger] as number) <= key) break;
      this.move(larger, i);
      i = larger;
    }
    this.set(i, key, station, position);
    return evicted;
  }

  forEach(f: (station: number, position: number) => void): void {
    for (let i = 0; i < this.size; i++) f(this.stations[i] as number, this.positions[i] as number);
  }

  private move(from: number, to: number): void {
    this.keys[to] = this.keys[from] as number;
    this.stations[to] = this.stations[from] as number;
    this.positions[to] = this.positions[from] as number;
  }

  private set(i: number, key: number, station: number, position: number): void {
    this.keys[i] = key;
    this.stations[i] = station;
    this.positions[i] = position;
  }
}

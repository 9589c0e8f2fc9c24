// Rivest's consistent sampler, exactly as Arlo runs it (votingworks/
// consistent_sampler, the revision Arlo pins), so that a sample kura draws can
// be checked with Arlo's own tool and the other way round. Each id gets a
// ticket number, a decimal fraction in (0, 1) written as a string: the first
// from SHA-256 over the seed's hash and the id, each later one (sampling with
// replacement) uniformly above the one before. The sample is the ids in order
// of increasing ticket number; tickets compare as strings, digit by digit.
import { sha256 } from '@noble/hashes/sha2.js';

const utf8 = new TextEncoder();

/** Lower-case hex of SHA-256 over the UTF-8 bytes of `s`. */
export function sha256Hex(s: string): string {
  return hex(sha256(utf8.encode(s)));
}

/**
 * SHA-256 of `s` as a fraction: the hash read as a big-endian integer, written
 * in decimal zero-padded to at least 64 digits, reversed, after "0.". Reversed
 * because the low-order decimal digits are the evenly spread ones.
 */
export function sha256Uniform(s: string): string {
  const decimal = BigInt(`0x${sha256Hex(s)}`)
    .toString()
    .padStart(64, '0');
  let reversed = '0.';
  for (let i = decimal.length - 1; i >= 0; i--) reversed += decimal[i];
  return reversed;
}

/** The generation-1 ticket of `id`: sha256Uniform(sha256Hex(seed) + id), no separator. */
export function firstFraction(id: string, seedString: string): string {
  return sha256Uniform(sha256Hex(seedString) + id);
}

/** Index in `x` (a "0.ddd" string) of the first digit after "0." that is not 9; x.length if none. */
function firstNonNine(x: string): number {
  let i = 2;
  while (i < x.length && x[i] === '9') i++;
  return i;
}

/**
 * The next ticket after `x`, pseudorandom in (x, 1): keep x's leading 9s, and
 * replace the rest by the digits of sha256Uniform(x + ":" + i), i = 1, 2, …,
 * until the result is greater than x + "0" as a string.
 */
export function nextFraction(x: string): string {
  if (!x.startsWith('0.')) throw new RangeError(`nextFraction: "${x}" does not start with "0."`);
  const x0 = `${x}0`;
  const keep = x0.slice(0, firstNonNine(x0));
  for (let i = 1; ; i++) {
    const y = keep + sha256Uniform(`${x}:${i}`).slice(2);
    if (y > x0) return y;
  }
}

/** `x` cut (not rounded) to `digits` digits after its leading 9s. */
export function trimTicket(x: string, digits: number): string {
  return x.slice(0, firstNonNine(`${x}0`) + digits);
}

export interface SampledTicket {
  ticket: string;
  id: string;
  generation: number;
}

export interface SampleOptions {
  withReplacement: boolean;
  /** Outputs to skip first (an earlier round's draws). Default 0. */
  drop?: number;
  /** Outputs to return after the dropped ones. Default: all (sampling without replacement only). */
  take?: number;
  /** Digits kept after the leading 9s of each output ticket. Default 9, as the reference sampler. */
  digits?: number;
}

/**
 * The consistent sample of `ids` (distinct) under the seed: tickets in
 * increasing order, outputs drop+1 .. drop+take. Ordering uses the full
 * precision tickets; only the returned tickets are trimmed.
 */
export function consistentSample(
  ids: readonly string[],
  seedString: string,
  options: SampleOptions,
): SampledTicket[] {
  const { withReplacement, drop = 0, take = Number.POSITIVE_INFINITY, digits = 9 } = options;
  checkCounts(drop, take, digits, withReplacement);
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new RangeError(`consistentSample: the id "${id}" occurs twice`);
    seen.add(id);
  }
  const seedHash = sha256Hex(seedString);
  const first = ids.map((id) => ({
    ticket: sha256Uniform(seedHash + id),
    id,
    generation: 1,
  }));
  return sampleFromFirstTickets(first, { withReplacement, drop, take, digits });
}

/**
 * Runs the sampler over generation-1 tickets already computed. Only the
 * drop+take smallest of them can ever be drawn (each draw removes one ticket
 * and at most replaces it by a larger one), so the rest are discarded first.
 */
export function sampleFromFirstTickets(
  first: SampledTicket[],
  options: Required<SampleOptions>,
): SampledTicket[] {
  const { withReplacement, drop, take, digits } = options;
  const wanted = drop + take;
  const heap = new TicketHeap(
    wanted < first.length ? [...first].sort(compareTickets).slice(0, wanted) : first,
  );
  const out: SampledTicket[] = [];
  for (let count = 1; count <= wanted && heap.size > 0; count++) {
    const drawn = heap.pop();
    if (withReplacement)
      heap.push({
        ticket: nextFraction(drawn.ticket),
        id: drawn.id,
        generation: drawn.generation + 1,
      });
    if (count > drop) out.push({ ...drawn, ticket: trimTicket(drawn.ticket, digits) });
  }
  return out;
}

function checkCounts(drop: number, take: number, digits: number, withReplacement: boolean): void {
  if (!Number.isSafeInteger(drop) || drop < 0)
    throw new RangeError(`drop must be a whole number ≥ 0, not ${drop}`);
  if (take !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(take) || take < 0))
    throw new RangeError(`take must be a whole number ≥ 0, not ${take}`);
  if (withReplacement && take === Number.POSITIVE_INFINITY)
    throw new RangeError('take is required when sampling with replacement (the sample is endless)');
  if (!Number.isSafeInteger(digits) || digits < 1)
    throw new RangeError(`digits must be a whole number ≥ 1, not ${digits}`);
}

/**
 * Ticket order: the ticket string, then (never in practice: two 256-bit hashes
 * would have to agree) the id, then the generation, as the reference's tuples.
 */
function compareTickets(a: SampledTicket, b: SampledTicket): number {
  if (a.ticket !== b.ticket) return a.ticket < b.ticket ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.generation - b.generation;
}

/** A binary min-heap of tickets in compareTickets order. */
class TicketHeap {
  private readonly items: SampledTicket[];

  constructor(items: SampledTicket[]) {
    this.items = [...items];
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get size(): number {
    return this.items.length;
  }

  pop(): SampledTicket {
    const top = this.items[0] as SampledTicket;
    const last = this.items.pop() as SampledTicket;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.down(0);
    }
    return top;
  }

  push(t: SampledTicket): void {
    const items = this.items;
    items.push(t);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareTickets(items[i] as SampledTicket, items[parent] as SampledTicket) >= 0) break;
      [items[i], items[parent]] = [items[parent] as SampledTicket, items[i] as SampledTicket];
      i = parent;
    }
  }

  private down(i: number): void {
    const items = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (
        l < items.length &&
        compareTickets(items[l] as SampledTicket, items[least] as SampledTicket) < 0
      )
        least = l;
      if (
        r < items.length &&
        compareTickets(items[r] as SampledTicket, items[least] as SampledTicket) < 0
      )
        least = r;
      if (least === i) return;
      [items[i], items[least]] = [items[least] as SampledTicket, items[i] as SampledTicket];
      i = least;
    }
  }
}

/** Lower-case hex as one flat string (+= would build a rope of one node per byte). */
function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

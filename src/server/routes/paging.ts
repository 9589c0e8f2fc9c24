// The paged listings (station pages, tallies, stored forms): `after` is the
// last item of the previous page (absent: from the first), `limit` how many
// at most; the answer's `next` is the `after` of the following page, null
// when the listing is done. An `after` that names nothing the listing holds,
// and a limit out of range, are refused, never guessed at.
import { ApiError } from '../errors.js';
import { parseDecimal } from './decimal.js';

export interface PageQuery {
  after?: string;
  limit?: string;
}

/** The page size asked for: `fallback` when absent, else 1 … max, or 400 BAD_QUERY (`limit`). */
export function pageLimit(value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = parseDecimal(value, 'limit');
  if (n < 1 || n > max) throw new ApiError('BAD_QUERY', `limit must be from 1 to ${max}`, 'limit');
  return n;
}

/**
 * Where a page starts in a listing of `keys` in order: 0 without `after`,
 * else just past the key `after` names (400 BAD_CURSOR when it names none).
 */
export function pageStart(after: unknown, position: ReadonlyMap<string, number>): number {
  if (after === undefined) return 0;
  const at = typeof after === 'string' ? position.get(after) : undefined;
  if (at === undefined)
    throw new ApiError(
      'BAD_CURSOR',
      `after must be the "next" of an earlier page (an item of this listing), not ${JSON.stringify(after)}`,
      'after',
    );
  return at + 1;
}

/** The `next` of a page that ends at `end` (exclusive) in a listing of `keys`. */
export function nextCursor(keys: readonly string[], end: number): string | null {
  return end < keys.length ? (keys[end - 1] ?? null) : null;
}

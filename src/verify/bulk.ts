// Reading a server's views in bulk: every station page through GET
// /api/v1/station-pages and every tally through GET /api/v1/tallies/{contest}
// (FORMATS §10.4), a few hundred requests instead of one per station and
// tally. A server without them (an older kura) answers 404 to the first
// page: the caller then reads the views one URL at a time.
import { type HttpSource, jsonBody } from './http.js';
import { forEachLimit } from './limit.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Station pages asked for per request (the server's most, FORMATS §10.4). */
export const STATION_PAGE_LIMIT = 1000;
/** Tallies asked for per request. */
export const TALLY_LIST_LIMIT = 5000;

/** The station pages listing, or the part of it read. */
export interface StationPages extends Listing {
  /** The stations the pages read cover, in definition order; null: every station. */
  covered: readonly string[] | null;
}

/** A listing as served: its items by key, and what was wrong with it (each a finding). */
export interface Listing {
  /** Where it is read, for messages ("GET /api/v1/station-pages"). */
  where: string;
  items: Map<string, unknown>;
  problems: string[];
  requests: number;
}

export function stationPagesPath(after: string | null): string {
  return `api/v1/station-pages?limit=${STATION_PAGE_LIMIT}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
}

export function tallyListPath(contest: string, after: string | null): string {
  return `api/v1/tallies/${encodeURIComponent(contest)}?limit=${TALLY_LIST_LIMIT}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
}

interface Page {
  status: number;
  items: unknown[] | undefined;
  next: unknown;
}

async function getPage(http: HttpSource, path: string, member: string): Promise<Page> {
  const res = await http.get(path);
  const body = res.status === 200 ? jsonBody(res) : undefined;
  const items =
    isObj(body) && Array.isArray(body[member]) ? (body[member] as unknown[]) : undefined;
  return { status: res.status, items, next: isObj(body) ? body.next : undefined };
}

/**
 * Follows a listing's `next` from `after` until it ends or reaches `stopAt`
 * (where another chain starts), adding each item under `keyOf(item)`.
 * Returns false when the very first page answered 404 and `probe` is set: the
 * server has no such listing.
 */
async function followChain(
  http: HttpSource,
  listing: Listing,
  o: {
    path: (after: string | null) => string;
    member: string;
    keyOf: (item: unknown) => string | undefined;
    after: string | null;
    stopAt: string | null;
    probe: boolean;
    maxPages: number;
    onPage?: () => void;
  },
): Promise<boolean> {
  let after = o.after;
  for (let pages = 0; pages < o.maxPages; pages++) {
    const path = o.path(after);
    const page = await getPage(http, path, o.member);
    listing.requests++;
    o.onPage?.();
    if (page.status === 404 && o.probe && pages === 0) return false;
    if (!page.items) {
      listing.problems.push(
        `GET /${path} answered HTTP ${page.status}${page.status === 200 ? ` without "${o.member}"` : ''}`,
      );
      return true;
    }
    for (const item of page.items) {
      const key = o.keyOf(item);
      if (key === undefined) {
        listing.problems.push(
          `GET /${path} lists an item without its key: ${JSON.stringify(item).slice(0, 200)}`,
        );
        continue;
      }
      if (listing.items.has(key)) {
        listing.problems.push(
          `${listing.where} lists ${JSON.stringify(key)} twice (again in GET /${path})`,
        );
        continue;
      }
      listing.items.set(key, item);
    }
    if (page.next === null || page.next === o.stopAt) return true;
    if (typeof page.next !== 'string' || page.next === after) {
      listing.problems.push(
        `GET /${path} gives a "next" that leads nowhere: ${JSON.stringify(page.next)}`,
      );
      return true;
    }
    after = page.next;
  }
  listing.problems.push(`${listing.where} never ends (over ${o.maxPages} pages)`);
  return true;
}

/**
 * Every station page, in chains started in parallel at the cursors the
 * definition's order gives (each page holds `limit` stations), or with
 * `only` just the chains that hold one of those stations; null when the
 * server has no GET /api/v1/station-pages.
 */
export async function fetchStationPages(
  http: HttpSource,
  codes: readonly string[],
  concurrency: number,
  onPage?: () => void,
  only?: ReadonlySet<string>,
): Promise<StationPages | null> {
  const listing: Listing = {
    where: 'GET /api/v1/station-pages',
    items: new Map(),
    problems: [],
    requests: 0,
  };
  const starts: Array<string | null> = [null];
  for (let i = STATION_PAGE_LIMIT; i < codes.length; i += STATION_PAGE_LIMIT)
    starts.push(codes[i - 1] as string);
  // With `only`, just the chains holding one of those stations.
  const chains = starts
    .map((_, k) => k)
    .filter(
      (k) =>
        !only ||
        codes.slice(k * STATION_PAGE_LIMIT, (k + 1) * STATION_PAGE_LIMIT).some((c) => only.has(c)),
    );
  const covered = only
    ? chains.flatMap((k) => codes.slice(k * STATION_PAGE_LIMIT, (k + 1) * STATION_PAGE_LIMIT))
    : null;
  const chain = (k: number, probe: boolean) =>
    followChain(http, listing, {
      path: stationPagesPath,
      member: 'stations',
      keyOf: (item) => {
        const st = isObj(item) && isObj(item.station) ? item.station.code : undefined;
        return typeof st === 'string' ? st : undefined;
      },
      after: starts[k] ?? null,
      stopAt: starts[k + 1] ?? null,
      probe,
      maxPages: codes.length + 2,
      ...(onPage ? { onPage } : {}),
    });
  const [first, ...rest] = chains;
  if (first === undefined) return { ...listing, covered: [] };
  // The first page says whether the server has the listing at all.
  if (!(await chain(first, true))) return null;
  await forEachLimit(rest, concurrency, async (k) => void (await chain(k, false)));
  return { ...listing, covered };
}

/**
 * Every tally of every contest, each contest's listing followed from its
 * first page (contests in parallel); null when the server has no GET
 * /api/v1/tallies/{contest}.
 */
export async function fetchTallyLists(
  http: HttpSource,
  contests: readonly string[],
  maxUnits: number,
  concurrency: number,
  onPage?: () => void,
): Promise<Map<string, Listing> | null> {
  const out = new Map<string, Listing>();
  const chain = async (contest: string, probe: boolean) => {
    const listing: Listing = {
      where: `GET /api/v1/tallies/${contest}`,
      items: new Map(),
      problems: [],
      requests: 0,
    };
    out.set(contest, listing);
    return followChain(http, listing, {
      path: (after) => tallyListPath(contest, after),
      member: 'tallies',
      keyOf: (item) => (isObj(item) && typeof item.unit === 'string' ? item.unit : undefined),
      after: null,
      stopAt: null,
      probe,
      maxPages: maxUnits + 2,
      ...(onPage ? { onPage } : {}),
    });
  };
  const [first, ...rest] = contests;
  if (first === undefined) return out;
  if (!(await chain(first, true))) return null;
  await forEachLimit(rest, concurrency, async (c) => void (await chain(c, false)));
  return out;
}

/** A listing's items unwrapped: each tally item's `tally`, by unit. */
export function tallyItems(listing: Listing): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [unit, item] of listing.items) out.set(unit, isObj(item) ? item.tally : undefined);
  return out;
}

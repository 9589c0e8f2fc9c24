// Reading a published tally, the one way every route does it (tallies,
// station lists, open data): from the writer's last durable batch when this
// process sequences, from the store's rows otherwise; a unit no result has
// reached yet reads as the fold's starting point (zeros, with the stations
// expected), on a writer and a reader alike.
import type { ElectionIndex } from '../election/election-index.js';
import { TallyFold, type UnitTally } from '../election/fold.js';
import type { Store } from '../store/store.js';
import type { PublishedTally } from './sequencer.js';

export type { PublishedTally };

export interface TallyReader {
  /** The tally as served; null where the contest has no race in the unit. */
  json(contest: string, unit: string): Promise<PublishedTally | null>;
  /** The same tally, parsed. */
  tally(contest: string, unit: string): Promise<UnitTally | null>;
  /** json() of each of these units, in their order (one read of the store for all). */
  jsonList(contest: string, units: readonly string[]): Promise<Array<PublishedTally | null>>;
}

/** The writer's tallies: serialised once per change by the sequencer, never ahead of the log. */
export function publishedTallies(writer: {
  publishedTally(contest: string, unit: string): PublishedTally | undefined;
}): TallyReader {
  return {
    json: async (contest, unit) => writer.publishedTally(contest, unit) ?? null,
    tally: async (contest, unit) => {
      const published = writer.publishedTally(contest, unit);
      return published ? (JSON.parse(published.json) as UnitTally) : null;
    },
    jsonList: async (contest, units) =>
      units.map((unit) => writer.publishedTally(contest, unit) ?? null),
  };
}

/**
 * A reader's tallies: the store's rows, which hold only units with results.
 * A database may keep a row's keys in its own order (PostgreSQL's jsonb
 * does); they are put back in the order the fold makes them, so a reader
 * serves the writer's bytes.
 */
export function storedTallies(
  store: Pick<Store, 'getTally' | 'listTallies'>,
  index: ElectionIndex,
): TallyReader {
  let emptyFold: TallyFold | null = null;
  const fromRow = (contest: string, unit: string, row: { tally: unknown } | null) => {
    emptyFold ??= new TallyFold(index);
    const zero = emptyFold.tally(contest, unit);
    if (!row) return zero ?? null;
    return zero ? (inOrderOf(row.tally, zero) as UnitTally) : (row.tally as UnitTally);
  };
  const tally = async (contest: string, unit: string): Promise<UnitTally | null> =>
    fromRow(contest, unit, await store.getTally(contest, unit));
  const published = (t: UnitTally | null): PublishedTally | null =>
    t ? { lastEntry: t.lastEntry, json: JSON.stringify(t) } : null;
  return {
    tally,
    json: async (contest, unit) => published(await tally(contest, unit)),
    jsonList: async (contest, units) => {
      const rows = new Map(
        (await store.listTallies(contest, [...units])).map((r) => [r.unit, r] as const),
      );
      return units.map((unit) => published(fromRow(contest, unit, rows.get(unit) ?? null)));
    },
  };
}

/** `value` with its keys (and its objects' keys, at any depth) in `template`'s order first, the rest after. */
function inOrderOf(value: unknown, template: unknown): unknown {
  if (!isPlainObject(value) || !isPlainObject(template)) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(template)) if (k in value) out[k] = inOrderOf(value[k], template[k]);
  for (const k of Object.keys(value)) if (!(k in out)) out[k] = value[k];
  return out;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

// How the portal's read routes get a published tally: the writer's last
// durable batch when this process sequences, the store's row otherwise, and
// the fold's starting point (zeros, with the stations expected) for a unit
// that has no results yet. The same answer /api/v1/tally gives.
import { TallyFold, type UnitTally } from '../../election/fold.js';
import type { ServerContext } from '../context.js';

export type TallyReader = (contest: string, unit: string) => Promise<UnitTally | null>;

export function tallyReader(ctx: ServerContext): TallyReader {
  let emptyFold: TallyFold | null = null;
  return async (contest, unit) => {
    if (ctx.sequencer) {
      const published = ctx.sequencer.publishedTally(contest, unit);
      return published ? (JSON.parse(published.json) as UnitTally) : null;
    }
    const row = await ctx.store.getTally(contest, unit);
    if (row) return row.tally as UnitTally;
    emptyFold ??= new TallyFold(ctx.index);
    return emptyFold.tally(contest, unit) ?? null;
  };
}

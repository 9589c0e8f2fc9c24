// How read routes reach the log: the writer's view when this process
// sequences, the store's otherwise (a stateless reader or a mirror).
import type { TileReader } from '../../log/tiles.js';
import type { StoredCheckpoint } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';

export function currentCheckpoint(ctx: ServerContext): StoredCheckpoint {
  const cp = ctx.sequencer?.latestCheckpoint() ?? ctx.readerCheckpoint?.();
  if (!cp) throw new ApiError('SEQUENCER_UNAVAILABLE', 'no checkpoint has been signed yet');
  return cp;
}

export function tileReader(ctx: ServerContext): TileReader {
  if (ctx.sequencer) return ctx.sequencer.readTile;
  return async (level, index, width) => {
    const t = await ctx.store.getTile(level, index);
    if (!t || t.width < width)
      throw new Error(`tile ${level}/${index} width ${width} is not stored`);
    return t.data.subarray(0, width * 32);
  };
}

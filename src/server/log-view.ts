// The log as this process serves it: the writer's own view when it sequences,
// the store's latest checkpoint and tiles otherwise (a stateless reader, a
// mirror). Proofs, tiles and the checkpoint routes read only through it.
import type { TileReader } from '../log/tiles.js';
import type { Store, StoredCheckpoint } from '../store/store.js';
import { ApiError } from './errors.js';

export interface LogView {
  /** The checkpoint served now; 503 while none has been signed. */
  checkpoint(): StoredCheckpoint;
  readTile: TileReader;
}

/** The writer's view: its latest checkpoint and its tile cache. */
export function writerLogView(sequencer: {
  latestCheckpoint(): StoredCheckpoint;
  readTile: TileReader;
}): LogView {
  return { checkpoint: () => sequencer.latestCheckpoint(), readTile: sequencer.readTile };
}

/** A reader's view: the latest checkpoint it has seen in the store (checkpoint-follower.ts), and the stored tiles. */
export function storeLogView(
  store: Pick<Store, 'getTile'>,
  latest: () => StoredCheckpoint | null,
): LogView {
  return {
    checkpoint() {
      const cp = latest();
      if (!cp) throw new ApiError('SEQUENCER_UNAVAILABLE', 'no checkpoint has been signed yet');
      return cp;
    },
    async readTile(level, index, width) {
      const t = await store.getTile(level, index);
      if (!t || t.width < width)
        throw new Error(`tile ${level}/${index} width ${width} is not stored`);
      return t.data.subarray(0, width * 32);
    },
  };
}

// The fold on a server without a sequencer (a stateless reader, a read-only
// mirror), so it can serve the officials' public views and the stations'
// devices and approvals as the writer does: replayed from the store's entries
// up to the checkpoint it serves, lazily and incrementally.
// Like the reader's other views it trusts its store: results' device
// signatures were checked by the writer that logged them (only their flags
// are recomputed); official entries are checked in full, as in kura verify.

import type { ElectionIndex } from '../election/election-index.js';
import { decodeEntry } from '../election/entries.js';
import { TallyFold } from '../election/fold.js';
import { loggedVerdict } from '../election/rules.js';
import type { Store, StoredCheckpoint } from '../store/store.js';

const BATCH = 1000;

/** The fold as of the log this process serves: the writer's live one, or a reader's replay. */
export type ServedFold = () => Promise<TallyFold>;

/** A reader's fold, replayed up to the checkpoint it serves at each call. */
export function followedFold(
  store: Store,
  index: ElectionIndex,
  checkpoint: () => StoredCheckpoint | null,
): ServedFold {
  let follower: FoldFollower | null = null;
  return () => {
    follower ??= new FoldFollower(store, index);
    return follower.at(checkpoint()?.size ?? 0);
  };
}

export class FoldFollower {
  private readonly fold: TallyFold;
  private catchingUp: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    index: ElectionIndex,
  ) {
    this.fold = new TallyFold(index);
  }

  /** The fold over the first `size` entries at least (one replay at a time). */
  async at(size: number): Promise<TallyFold> {
    this.catchingUp = this.catchingUp.then(
      () => this.advance(size),
      () => this.advance(size),
    );
    await this.catchingUp;
    return this.fold;
  }

  private async advance(size: number): Promise<void> {
    const { fold } = this;
    while (fold.size < size) {
      const entries = await this.store.getEntries(fold.size, Math.min(size, fold.size + BATCH));
      if (entries.length === 0) return;
      for (const e of entries) {
        const decoded = decodeEntry(e.data);
        if (decoded.ok && decoded.value.type === 'result')
          fold.applyPrechecked(
            e.index,
            decoded.value,
            loggedVerdict(fold.index, decoded.value),
            e.data,
          );
        else fold.applyBytes(e.index, e.data);
      }
    }
  }
}

// How a server without a sequencer (a stateless reader, a mirror) follows the
// writer: it polls the store's latest checkpoint, a single indexed row, often
// enough that what it serves is never more than a second behind (issue 13:
// readers follow the writer within 1 s). A checkpoint never goes back.

import type { Reporter } from '../platform/reporter.js';
import type { Store, StoredCheckpoint } from '../store/store.js';

/** How often the store is asked; one poll at a time, so a slow store is not asked twice. */
export const FOLLOW_PERIOD_MS = 200;

export class CheckpointFollower {
  private current: StoredCheckpoint | null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly store: Pick<Store, 'latestCheckpoint'>,
    initial: StoredCheckpoint | null,
    private readonly opts: { periodMs?: number; log?: Reporter } = {},
  ) {
    this.current = initial;
    this.schedule();
  }

  /** The latest checkpoint seen in the store (null while there is none). */
  latest(): StoredCheckpoint | null {
    return this.current;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.poll(), this.opts.periodMs ?? FOLLOW_PERIOD_MS);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      const cp = await this.store.latestCheckpoint();
      if (cp && (!this.current || cp.size >= this.current.size)) this.current = cp;
    } catch (e) {
      this.opts.log?.warn(`reading the latest checkpoint failed: ${(e as Error).message}`);
    }
    this.schedule();
  }
}

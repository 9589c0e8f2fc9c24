// One watcher per process for the live-update streams (/log/events): it
// looks at the checkpoint this process serves (the writer's own, or the one a
// reader follows in its store) and tells every subscriber when it changes.
// One timer for all streams, running only while someone listens: a thousand
// phones cost one comparison per period, not a thousand timers. Looking at the
// served checkpoint, not at the sequencer, makes writers and readers alike,
// and catches cosignatures arriving as well as the tree growing.

import type { StoredCheckpoint } from '../store/store.js';

/** How often the served checkpoint is looked at: an in-memory read, so cheap. */
export const WATCH_PERIOD_MS = 100;

export type CheckpointListener = (cp: StoredCheckpoint) => void;

export class CheckpointWatch {
  private readonly listeners = new Set<CheckpointListener>();
  private timer: NodeJS.Timeout | null = null;
  private last: StoredCheckpoint | null = null;

  /**
   * @param served the checkpoint as this process serves it now (null: none signed yet)
   */
  constructor(
    private readonly served: () => StoredCheckpoint | null,
    private readonly periodMs = WATCH_PERIOD_MS,
  ) {}

  /** The checkpoint served now, or null. */
  current(): StoredCheckpoint | null {
    return this.served();
  }

  /** Calls `listener` with each new checkpoint from now on; returns the unsubscribe. */
  subscribe(listener: CheckpointListener): () => void {
    if (this.listeners.size === 0) {
      this.last = this.served();
      this.timer = setInterval(() => this.look(), this.periodMs);
      this.timer.unref();
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  close(): void {
    this.listeners.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private look(): void {
    const cp = this.served();
    // A new note: the tree grew, or the same tree was re-signed or cosigned.
    if (!cp || cp.note === this.last?.note) return;
    this.last = cp;
    for (const listener of [...this.listeners]) listener(cp);
  }
}

// A standby that follows the log while it waits for the writer lease. Without
// it, a standby taking over replays and checks the whole stored log before it
// may write, and the election's stations wait for that. With it, the standby
// replays each newly signed stretch of the log as the writer appends it (in a
// read-only snapshot: it never writes while another writer holds the lease),
// and on takeover checks only the tail since its last look, plus the derived
// rows, which the old writer kept rewriting (replay.ts, LogReplay).
//
// What it checked earlier it does not check again: the same trust a running
// writer places in the entries it has appended. Anything odd (an error, a
// checkpoint that cannot be placed) drops the warm replay, and the takeover
// then checks the whole log as a cold start does.

import type { OpenedGenesis } from '../election/genesis.js';
import type { Store } from '../store/store.js';
import type { ServerReporter } from './events.js';
import { LogReplay, type ReplayOptions } from './replay.js';

/** The election a store holds, opened: entry 0 as stored, and the definition it commits to. */
export interface StoredElection {
  election: OpenedGenesis;
  definitionBytes: Uint8Array;
  entryBytes: Uint8Array;
}

/** What the standby has followed: the election it opened and its replay so far. */
export interface WarmLog extends StoredElection {
  replay: LogReplay;
}

export interface WarmStandbyOptions {
  /** Opens the stored election on a read-only view (start.ts, openStoredElection). */
  open: (view: Store) => Promise<StoredElection>;
  replay?: ReplayOptions;
  /** Pause between looks at the log (default 1 s). */
  everyMs?: number;
  log?: ServerReporter;
}

export class WarmStandby {
  private warm: WarmLog | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly running: Promise<void>;
  private announced = false;

  constructor(
    private readonly store: Store,
    private readonly opts: WarmStandbyOptions,
  ) {
    this.running = this.loop();
  }

  /** Stops following (after the look in progress) and hands over what was followed, if anything. */
  async stop(): Promise<WarmLog | null> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    return this.warm;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      await this.look();
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.everyMs ?? 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private async look(): Promise<void> {
    try {
      await this.store.snapshot(async (view) => {
        if ((await view.treeSize()) === 0) return;
        if (!this.warm) {
          const opened = await this.opts.open(view);
          this.warm = { ...opened, replay: new LogReplay(opened.election.index, this.opts.replay) };
        }
        await this.warm.replay.advance(view, 'checkpoint');
      });
      if (this.warm && !this.announced) {
        this.announced = true;
        this.opts.log?.event('standby-following', { size: this.warm.replay.replayed });
      }
    } catch (e) {
      // Dropped, not fatal: the takeover then checks the whole log and reports what it finds.
      this.warm = null;
      this.announced = false;
      this.opts.log?.event('standby-replay-dropped', { reason: (e as Error).message });
    }
  }
}

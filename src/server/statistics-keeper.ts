// The writer keeps the query planner's statistics of the log's tables fresh
// (Store.refreshStatistics): once it serves, then at a steady pace. Without
// them a page of station results was read by scanning the whole table (85 ms
// instead of 26 ms a page on the Kenya store, whose autovacuum was off).
import type { Store } from '../store/store.js';
import type { ServerReporter } from './events.js';

export interface StatisticsKeeperOptions {
  store: Store;
  /** The log's size now (the writer's count of entries). */
  logSize: () => number;
  /** The pause between checks (ms); each is one catalogue query unless the log grew. */
  everyMs: number;
  log?: ServerReporter;
}

export class StatisticsKeeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly o: StatisticsKeeperOptions) {}

  /** Checks after `firstAfterMs` (default: now), then every `everyMs` until closed. */
  start(firstAfterMs = 0): void {
    if (firstAfterMs <= 0) {
      this.check();
      return;
    }
    this.timer = setTimeout(() => this.check(), firstAfterMs);
    this.timer.unref();
  }

  /** Checks now (tests), after any check under way. */
  async checkNow(): Promise<void> {
    await this.running;
    if (this.timer) clearTimeout(this.timer);
    this.check();
    await this.running;
  }

  private check(): void {
    if (this.closed) return;
    const started = performance.now();
    this.running = this.o.store
      .refreshStatistics(this.o.logSize())
      .then(
        (done) => {
          if (done)
            this.o.log?.event('statistics-refreshed', {
              tables: done.tables.join(' '),
              before: done.before,
              after: done.after,
              ms: Math.round(performance.now() - started),
            });
        },
        (e: Error) => {
          // Only the speed of reads depends on it: said, and tried again next time.
          this.o.log?.warn(`the query planner's statistics were not taken: ${e.message}`, {});
        },
      )
      .finally(() => {
        this.running = null;
        if (this.closed) return;
        this.timer = setTimeout(() => this.check(), this.o.everyMs);
        this.timer.unref();
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

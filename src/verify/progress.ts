// Progress on stderr (the simulator's bars): one row per phase that has started.
import { ProgressBars, type ProgressRow } from '../platform/progress.js';

export class VerifyProgress {
  private readonly bars: ProgressBars | null;
  private readonly rows = new Map<string, ProgressRow>();

  constructor(enabled: boolean) {
    this.bars = enabled ? new ProgressBars(process.stderr, 5000) : null;
  }

  set(label: string, done: number, total: number): void {
    if (!this.bars) return;
    const row = this.rows.get(label);
    if (row) {
      row.done = done;
      row.total = total;
    } else this.rows.set(label, { label, done, total });
    this.bars.render([...this.rows.values()]);
  }

  /** Draws the final state once. */
  flush(): void {
    if (this.bars && this.rows.size) this.bars.render([...this.rows.values()], true);
  }
}

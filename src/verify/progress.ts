// Progress on stderr (the terminal renderer's bars): one row per phase that has started.
import { type ProgressRow, Terminal } from '../platform/terminal.js';

export class VerifyProgress {
  private readonly term: Terminal | null;
  private readonly rows = new Map<string, ProgressRow>();

  constructor(enabled: boolean) {
    this.term = enabled ? new Terminal(process.stderr, { plainEveryMs: 5000 }) : null;
  }

  set(label: string, done: number, total: number): void {
    if (!this.term) return;
    const row = this.rows.get(label);
    if (row) {
      row.done = done;
      row.total = total;
    } else this.rows.set(label, { label, done, total });
    this.term.progress([...this.rows.values()]);
  }

  /** Draws the final state once (the bars end; a later set() starts new ones). */
  flush(): void {
    if (this.term && this.rows.size) {
      this.term.progress([...this.rows.values()], true);
      this.term.endProgress();
    }
    this.rows.clear();
  }
}

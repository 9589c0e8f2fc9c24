// Progress on stderr (the terminal renderer's bars): one row per phase that
// has started. Messages go through the same renderer (say), so on a terminal
// they print above the bars instead of being torn by a redraw.
import { type ProgressRow, Terminal } from '../platform/terminal.js';

export class VerifyProgress {
  private readonly out: Terminal;
  private readonly enabled: boolean;
  private readonly rows = new Map<string, ProgressRow>();

  constructor(
    enabled: boolean,
    out: Terminal = new Terminal(process.stderr, { plainEveryMs: 5000 }),
  ) {
    this.enabled = enabled;
    this.out = out;
  }

  /** A message line on stderr, above the bars (shown whether or not progress is). */
  say(text: string): void {
    this.out.print(`${text}\n`);
  }

  set(label: string, done: number, total: number): void {
    if (!this.enabled) return;
    const row = this.rows.get(label);
    if (row) {
      row.done = done;
      row.total = total;
    } else this.rows.set(label, { label, done, total });
    this.out.progress([...this.rows.values()]);
  }

  /** Draws the final state once (the bars end; a later set() starts new ones). */
  flush(): void {
    if (this.enabled && this.rows.size) {
      this.out.progress([...this.rows.values()], true);
      this.out.endProgress();
    }
    this.rows.clear();
  }
}

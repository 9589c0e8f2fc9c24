// Terminal progress bars, one line per contest: received/expected, rate, ETA.
// On a terminal the block is redrawn in place; otherwise (CI, pipes) a plain
// line is printed every few seconds.

export interface ProgressRow {
  label: string;
  done: number;
  total: number;
}

const BAR = 28;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export class ProgressBars {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawnLines = 0;
  private readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly plainEveryMs = 5000,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  render(rows: ProgressRow[], force = false): void {
    const now = Date.now();
    const every = this.tty ? 200 : this.plainEveryMs;
    if (!force && now - this.lastDraw < every) return;
    this.lastDraw = now;
    const elapsed = (now - this.started) / 1000;
    const width = Math.max(...rows.map((r) => r.label.length));
    const lines = rows.map((r) => {
      const frac = r.total ? Math.min(1, r.done / r.total) : 1;
      const filled = Math.round(frac * BAR);
      const rate = elapsed > 0 ? r.done / elapsed : 0;
      const eta = rate > 0 ? (r.total - r.done) / rate : Number.POSITIVE_INFINITY;
      const bar = this.tty ? `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ` : '';
      return `${r.label.padEnd(width)} ${bar}${String(r.done).padStart(7)}/${r.total} ${(frac * 100).toFixed(1).padStart(5)}%  ${rate.toFixed(0).padStart(6)}/s  ETA ${formatDuration(eta)}`;
    });
    if (this.tty) {
      if (this.drawnLines) this.out.write(`\x1b[${this.drawnLines}A`);
      for (const l of lines) this.out.write(`\x1b[2K${l}\n`);
      this.drawnLines = lines.length;
    } else {
      this.out.write(`${lines.join('\n')}\n\n`);
    }
  }
}

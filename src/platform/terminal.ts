// One owner of a terminal stream. Messages, and child processes' output,
// scroll above a status block (progress bars, spinners) that is redrawn in
// place: the block is erased, the lines printed, the block drawn again, so
// nothing erases a message and no stale row is left behind. Without a
// terminal (a pipe, a file, CI) everything is plain lines: no escape codes,
// no carriage returns, and progress only now and then (each tenth of the way,
// or every plainEveryMs on the injected clock).

export interface TerminalStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width: status lines are cut to it (a wrapped line would break the redraw). */
  columns?: number;
}

export interface ProgressRow {
  label: string;
  done: number;
  total: number;
}

export interface TerminalOptions {
  /** The clock, in ms (tests inject one). */
  now?: () => number;
  /** Without a terminal: a progress line at most this often (besides each tenth of the way). */
  plainEveryMs?: number;
  /** On a terminal: redraw bars at most this often. */
  redrawMs?: number;
  /** Animate spinners (and report silent phases) with a timer; tests call tick() instead. */
  timer?: boolean;
}

/** A spinner line for a phase with no count of its own: what is happening, and for how long. */
export interface Activity {
  /** Says what is happening now (the elapsed time keeps running). */
  update(text: string): void;
  /** Ends the phase: the spinner goes, and `text` (default "<label>: done in N s"; '' none) is printed. */
  done(text?: string): void;
}

const BAR = 28;
const SPINNER = ['|', '/', '-', '\\'];
const ESC = '\x1b[';
/** Escape sequences and carriage returns (a child's own progress redraws). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /\x1b\[[0-9;?]*[A-Za-z]|\r/g;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

interface Spinner {
  label: string;
  text: string;
  started: number;
  lastPlain: number;
}

interface Bars {
  rows: Map<string, ProgressRow>;
  started: number;
  /** Without a terminal: the last tenth of the way printed, when, and the counts then. */
  tenth: number;
  lastPlain: number;
  printed: string;
}

export class Terminal {
  readonly tty: boolean;
  private readonly now: () => number;
  private readonly plainEveryMs: number;
  private readonly redrawMs: number;
  private readonly useTimer: boolean;
  private bars: Bars | null = null;
  private readonly spinners = new Set<Spinner>();
  /** Status lines on screen now (TTY). */
  private drawn = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly partial = new Map<string, string>();

  constructor(
    private readonly out: TerminalStream,
    opts: TerminalOptions = {},
  ) {
    this.tty = out.isTTY === true;
    this.now = opts.now ?? Date.now;
    this.plainEveryMs = opts.plainEveryMs ?? 10_000;
    this.redrawMs = opts.redrawMs ?? 150;
    this.useTimer = opts.timer ?? true;
  }

  /**
   * Text to show above the status block. Lines are printed whole: a trailing
   * part without a newline waits for the rest (from the same source), so two
   * sources writing at once never share a line.
   */
  print(text: string): void {
    this.take('', text);
  }

  /** A writer for one source (a child process's output): each of its lines prefixed, e.g. "[server] ". */
  source(prefix: string): (text: string) => void {
    return (text) => this.take(prefix, text);
  }

  private take(prefix: string, text: string): void {
    const buffered = (this.partial.get(prefix) ?? '') + text;
    const cut = buffered.lastIndexOf('\n');
    this.partial.set(prefix, buffered.slice(cut + 1));
    if (cut < 0) return;
    const lines = buffered.slice(0, cut).split('\n');
    this.emit(`${lines.map((l) => (l ? prefix + l : l)).join('\n')}\n`);
  }

  /** Sets the progress bars (one row per label), drawn at most every redrawMs (force: now). */
  progress(rows: readonly ProgressRow[], force = false): void {
    const now = this.now();
    this.bars ??= { rows: new Map(), started: now, tenth: 0, lastPlain: now, printed: '' };
    for (const r of rows) this.bars.rows.set(r.label, { ...r });
    if (this.tty) {
      if (force || now - this.lastDraw >= this.redrawMs) this.redraw();
      return;
    }
    const b = this.bars;
    const tenth = Math.floor(fraction([...b.rows.values()]) * 10);
    const due = force || tenth > b.tenth || now - b.lastPlain >= this.plainEveryMs;
    if (due && counts(b) !== b.printed) {
      b.tenth = Math.max(b.tenth, tenth);
      b.lastPlain = now;
      this.plainBars(b, now);
    }
  }

  /**
   * Ends the bars: their final state is printed once as ordinary lines (on a
   * terminal the live block goes away), so nothing is redrawn over later text.
   */
  endProgress(): void {
    const b = this.bars;
    if (!b) return;
    const now = this.now();
    const last = this.barLines(b, now);
    this.bars = null;
    if (this.tty) this.emit(`${last.join('\n')}\n`);
    else if (counts(b) !== b.printed) this.plainBars(b, now);
  }

  /** A spinner for a phase that has no count: "label: text (12 s)". */
  activity(label: string, text = ''): Activity {
    const now = this.now();
    const s: Spinner = { label, text, started: now, lastPlain: now };
    this.spinners.add(s);
    if (this.tty) this.redraw();
    else this.out.write(`${spinnerText(s)} ...\n`);
    this.startTimer();
    return {
      update: (t) => {
        s.text = t;
        if (this.tty) {
          if (this.now() - this.lastDraw >= this.redrawMs) this.redraw();
        } else this.plainSpinner(s, false);
      },
      done: (t) => {
        if (!this.spinners.delete(s)) return;
        const secs = ((this.now() - s.started) / 1000).toFixed(1);
        this.stopTimerIfIdle();
        if (t === '') {
          if (this.tty) this.redraw();
        } else this.emit(`${t ?? `${label}: done in ${secs} s`}\n`);
      },
    };
  }

  /** Advances spinners and, without a terminal, reports a silent phase every plainEveryMs. */
  tick(): void {
    this.frame++;
    if (this.tty) {
      if (this.spinners.size || this.bars) this.redraw();
    } else for (const s of this.spinners) this.plainSpinner(s, false);
  }

  /** Prints what is still buffered, ends the bars and spinners, and leaves no status row. */
  close(): void {
    for (const [prefix, rest] of this.partial) if (rest) this.emit(`${prefix}${rest}\n`);
    this.partial.clear();
    this.endProgress();
    this.spinners.clear();
    this.stopTimerIfIdle();
    if (this.tty) this.redraw();
  }

  /** The bars as plain lines; several rows make a block, set apart by an empty line. */
  private plainBars(b: Bars, now: number): void {
    b.printed = counts(b);
    const lines = this.barLines(b, now);
    this.out.write(`${lines.join('\n')}\n${lines.length > 1 ? '\n' : ''}`);
  }

  private plainSpinner(s: Spinner, force: boolean): void {
    const now = this.now();
    if (!force && now - s.lastPlain < this.plainEveryMs) return;
    s.lastPlain = now;
    this.out.write(`${spinnerText(s)} (${Math.round((now - s.started) / 1000)} s)\n`);
  }

  /** Lines above the status block; another program's cursor moves and colours are dropped. */
  private emit(lines: string): void {
    const plain = lines.replace(CONTROL, '');
    if (this.tty) this.out.write(`${this.erase()}${plain}${this.statusText()}`);
    else this.out.write(plain);
  }

  private redraw(): void {
    this.out.write(`${this.erase()}${this.statusText()}`);
  }

  private erase(): string {
    const up = this.drawn ? `${ESC}${this.drawn}A${ESC}J` : '';
    this.drawn = 0;
    return up;
  }

  /** The status block (TTY), its lines cut to the terminal's width. */
  private statusText(): string {
    const now = this.now();
    this.lastDraw = now;
    const lines = [
      ...(this.bars ? this.barLines(this.bars, now) : []),
      ...[...this.spinners].map(
        (s) =>
          `${SPINNER[this.frame % SPINNER.length]} ${spinnerText(s)} (${Math.round((now - s.started) / 1000)} s)`,
      ),
    ];
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    this.drawn = lines.length;
    return lines.map((l) => `${l.slice(0, width)}\n`).join('');
  }

  private barLines(b: Bars, now: number): string[] {
    const rows = [...b.rows.values()];
    const elapsed = (now - b.started) / 1000;
    const width = Math.max(...rows.map((r) => r.label.length));
    return rows.map((r) => {
      const frac = r.total ? Math.min(1, r.done / r.total) : 1;
      const filled = Math.round(frac * BAR);
      const rate = elapsed > 0 ? r.done / elapsed : 0;
      const eta = rate > 0 ? (r.total - r.done) / rate : Number.POSITIVE_INFINITY;
      const bar = this.tty ? `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ` : '';
      return `${r.label.padEnd(width)} ${bar}${String(r.done).padStart(7)}/${r.total} ${(frac * 100).toFixed(1).padStart(5)}%  ${rate.toFixed(0).padStart(6)}/s  ETA ${formatDuration(eta)}`;
    });
  }

  private startTimer(): void {
    if (!this.useTimer || this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tty ? this.redrawMs : 1000);
    this.timer.unref();
  }

  private stopTimerIfIdle(): void {
    if (this.timer && this.spinners.size === 0) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

function spinnerText(s: Spinner): string {
  return s.text ? `${s.label}: ${s.text}` : s.label;
}

function counts(b: Bars): string {
  return [...b.rows.values()].map((r) => `${r.done}/${r.total}`).join(' ');
}

function fraction(rows: readonly ProgressRow[]): number {
  const total = rows.reduce((n, r) => n + r.total, 0);
  return total ? Math.min(1, rows.reduce((n, r) => n + r.done, 0) / total) : 1;
}

// The terminal renderer, on a fake terminal (a Writable with isTTY and
// columns, its writes played onto a screen of lines) and on a plain stream,
// with an injected clock: messages and a child's lines land above the bars,
// no stale status row is left, and a plain stream gets no escape codes.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Terminal } from '../../src/platform/terminal.js';
import { VerifyProgress } from '../../src/verify/progress.js';

/** A terminal's screen: the writes played as cursor-up, erase-below, newline and text. */
class FakeTty extends Writable {
  readonly isTTY = true;
  readonly columns: number;
  raw = '';
  private lines: string[] = [''];
  private row = 0;
  private col = 0;

  constructor(columns = 100) {
    super();
    this.columns = columns;
  }

  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.play(chunk.toString());
    done();
  }

  override write(chunk: string | Uint8Array): boolean {
    // Synchronous, as a terminal stream is: the screen is right after each call.
    this.play(chunk.toString());
    return true;
  }

  private play(text: string): void {
    this.raw += text;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a terminal's escapes are the input
    const tokens = text.match(/\x1b\[\d*[A-Za-z]|\n|[^\x1b\n]+/g) ?? [];
    for (const t of tokens) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: a terminal's escapes are the input
      const esc = /^\x1b\[(\d*)([A-Za-z])$/.exec(t);
      if (esc) {
        if (esc[2] === 'A') this.row = Math.max(0, this.row - Number(esc[1] || 1));
        else if (esc[2] === 'J') {
          this.lines.length = this.row + 1;
          this.lines[this.row] = (this.lines[this.row] ?? '').slice(0, this.col);
        } else throw new Error(`unexpected escape ${JSON.stringify(t)}`);
        continue;
      }
      if (t === '\n') {
        this.row++;
        this.col = 0;
        if (this.lines.length <= this.row) this.lines.push('');
        continue;
      }
      assert.ok(!t.includes('\r'), 'a carriage return on the terminal');
      if (this.col + t.length > this.columns) throw new Error(`a line wider than the screen: ${t}`);
      const line = this.lines[this.row] ?? '';
      this.lines[this.row] = line.slice(0, this.col) + t + line.slice(this.col + t.length);
      this.col += t.length;
    }
  }

  /** The screen's lines, the empty line under the cursor left off. */
  screen(): string[] {
    const s = [...this.lines];
    while (s.length && s.at(-1) === '') s.pop();
    return s;
  }
}

function plain(): { stream: { write(s: string): boolean; isTTY: false }; text: () => string } {
  let text = '';
  return {
    stream: {
      isTTY: false,
      write: (s: string) => {
        text += s;
        return true;
      },
    },
    text: () => text,
  };
}

const clock = () => {
  let t = 1_000_000;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
};

test('on a terminal, messages and a child output go above the bars, which stay at the bottom', () => {
  const tty = new FakeTty();
  const c = clock();
  const term = new Terminal(tty, { now: c.now, timer: false });
  term.print('replaying 200 forms\n');
  term.progress([
    { label: 'president', done: 0, total: 100 },
    { label: 'governor', done: 0, total: 100 },
  ]);
  const server = term.source('[server] ');
  c.advance(1000);
  term.progress([{ label: 'president', done: 40, total: 100 }]);
  // A child's line arrives in pieces; a message comes in between.
  server('start-up check: 10 of');
  term.print('\n[faults] SIGKILL to the server (pid 42)\n');
  server(' 20 entries\n');
  term.print('[faults] restarted on the same data in 1.0 s\n');
  c.advance(1000);
  term.progress([{ label: 'governor', done: 100, total: 100 }], true);
  const s = tty.screen();
  assert.deepEqual(s.slice(0, 5), [
    'replaying 200 forms',
    '',
    '[faults] SIGKILL to the server (pid 42)',
    '[server] start-up check: 10 of 20 entries',
    '[faults] restarted on the same data in 1.0 s',
  ]);
  assert.equal(s.length, 7, s.join('\n'));
  assert.match(s[5] ?? '', /^president \[#{11}\.{17}\]\s+40\/100 +40\.0%/);
  assert.match(s[6] ?? '', /^governor {2}\[#{28}\]\s+100\/100 100\.0%/);
  // Ending the bars leaves their final state once, and later text follows it.
  term.endProgress();
  term.print('sent 200 forms\n');
  term.close();
  const end = tty.screen();
  assert.equal(end.length, 8, end.join('\n'));
  assert.match(end[5] ?? '', /^president .*40\/100/);
  assert.match(end[6] ?? '', /^governor .*100\/100/);
  assert.equal(end[7], 'sent 200 forms');
});

test('on a terminal, a spinner shows the phase and its time, and leaves a line when done', () => {
  const tty = new FakeTty(60);
  const c = clock();
  const term = new Terminal(tty, { now: c.now, timer: false });
  const a = term.activity('starting the server');
  c.advance(3000);
  term.tick();
  assert.deepEqual(tty.screen(), ['/ starting the server (3 s)']);
  a.update('start-up check, 120,000 of 690,000 entries replayed');
  c.advance(2000);
  term.print('[server] a line from the server\n');
  const s = tty.screen();
  assert.equal(s[0], '[server] a line from the server');
  // Cut to the terminal's width, so the redraw counts the rows it drew.
  assert.equal(s[1], '/ starting the server: start-up check, 120,000 of 690,000 e'.slice(0, 59));
  assert.equal(s.length, 2);
  c.advance(500);
  a.done();
  assert.deepEqual(tty.screen(), [
    '[server] a line from the server',
    'starting the server: done in 5.5 s',
  ]);
  term.close();
  assert.equal(tty.screen().length, 2, 'a status row left at exit');
});

test('close leaves no status row and prints what a source left without a newline', () => {
  const tty = new FakeTty();
  const c = clock();
  const term = new Terminal(tty, { now: c.now, timer: false });
  term.activity('building the election');
  term.progress([{ label: 'entries', done: 5, total: 10 }]);
  term.source('[server] ')('killed mid-line');
  term.close();
  const s = tty.screen();
  assert.equal(s[0], '[server] killed mid-line');
  assert.match(s[1] ?? '', /^entries .*5\/10/);
  assert.equal(s.length, 2, s.join('\n'));
  assert.doesNotMatch(s.join('\n'), /building the election/);
});

test('on a plain stream: lines only, no escapes or carriage returns, progress each tenth or every N s', () => {
  const out = plain();
  const c = clock();
  const term = new Terminal(out.stream, { now: c.now, timer: false, plainEveryMs: 10_000 });
  const server = term.source('[server] ');
  for (let done = 0; done <= 1000; done += 10) {
    c.advance(100);
    term.progress([{ label: 'president', done, total: 1000 }]);
    if (done === 500) {
      server('\x1b[2Kcolours and a \r carriage return\n');
      term.print('[faults] SIGKILL\n');
    }
  }
  term.endProgress();
  const text = out.text();
  assert.ok(!text.includes('\x1b') && !text.includes('\r'), 'an escape on a plain stream');
  const lines = text.split('\n').filter(Boolean);
  const bars = lines.filter((l) => l.startsWith('president'));
  // One line per tenth of the way (10 s never passed between two of them).
  assert.equal(bars.length, 10, text);
  assert.match(bars.at(-1) ?? '', /1000\/1000 100\.0%/);
  assert.ok(lines.includes('[faults] SIGKILL'));
  assert.ok(lines.includes('[server] colours and a  carriage return'));

  // A slow count: a line every plainEveryMs as well.
  const slow = plain();
  const t2 = new Terminal(slow.stream, { now: c.now, timer: false, plainEveryMs: 10_000 });
  for (let s = 0; s < 60; s++) {
    c.advance(1000);
    t2.progress([{ label: 'entries', done: s, total: 10_000 }]);
  }
  assert.equal(slow.text().split('\n').filter(Boolean).length, 5, slow.text());
});

test('on a plain stream, a silent phase reports itself every N seconds of the clock', () => {
  const out = plain();
  const c = clock();
  const term = new Terminal(out.stream, { now: c.now, timer: false, plainEveryMs: 10_000 });
  const a = term.activity('starting the server');
  for (let s = 0; s < 25; s++) {
    c.advance(1000);
    term.tick();
  }
  a.update('start-up check: 300 of 1,000 entries replayed');
  c.advance(5000);
  term.tick();
  a.done('the server is ready (30.0 s)');
  term.close();
  assert.equal(
    out.text(),
    [
      'starting the server ...',
      'starting the server (10 s)',
      'starting the server (20 s)',
      'starting the server: start-up check: 300 of 1,000 entries replayed (30 s)',
      'the server is ready (30.0 s)',
      '',
    ].join('\n'),
  );
});

test("kura verify's messages print above its progress bars on a terminal", () => {
  const tty = new FakeTty();
  const c = clock();
  const progress = new VerifyProgress(true, new Terminal(tty, { now: c.now, timer: false }));
  progress.set('entries mirrored', 10, 100);
  c.advance(1000);
  progress.say('kura verify: trusting this log on first use');
  progress.set('entries mirrored', 60, 100);
  const s = tty.screen();
  assert.equal(s[0], 'kura verify: trusting this log on first use');
  assert.equal(s.length, 2, s.join('\n'));
  assert.match(s[1] ?? '', /^entries mirrored \[#+\.+\]\s+(10|60)\/100/);
  progress.flush();
  progress.say('done');
  const end = tty.screen();
  assert.equal(end.length, 3, end.join('\n'));
  assert.match(end[1] ?? '', /^entries mirrored .*60\/100/);
  assert.equal(end[2], 'done');
});

// `kura demo` piped to a file (issue 18, item 6): plain lines only, no escape
// codes or carriage returns, the server's lines among them, and the phases
// that are silent otherwise (the server's start, its start-up check of the
// store against the log, entries replayed of total) reported as lines.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'kura-demo-output-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const KURA = [
  join(process.cwd(), 'node_modules/tsx/dist/cli.mjs'),
  join(process.cwd(), 'src/cli/run.ts'),
];

/** Runs `kura demo ARGS` with stdout and stderr into one file; its text and exit code. */
async function demoToFile(
  name: string,
  ...args: string[]
): Promise<{ code: number; text: string }> {
  const file = join(dir, name);
  const fd = openSync(file, 'w');
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [...KURA, 'demo', ...args], {
      stdio: ['ignore', fd, fd],
    });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c ?? 1));
  });
  closeSync(fd);
  return { code, text: readFileSync(file, 'utf8') };
}

test('kura demo piped to a file: plain lines, with the start-up and the replay progress', {
  timeout: 300_000,
}, async () => {
  const args = ['--synthetic', '20', '--max-speed', '--exit', '--port', '0'];
  const where = ['--data', join(dir, 'data'), '--election', join(dir, 'election')];
  const first = await demoToFile('first.txt', ...args, ...where);
  assert.equal(first.code, 0, first.text);
  const second = await demoToFile('second.txt', ...args, ...where);
  assert.equal(second.code, 0, second.text);
  for (const { text } of [first, second]) {
    assert.ok(!text.includes('\x1b'), `an escape code in:\n${text}`);
    assert.ok(!text.includes('\r'), `a carriage return in:\n${text}`);
    const lines = text.split('\n');
    const has = (re: RegExp) =>
      assert.ok(
        lines.some((l) => re.test(l)),
        `no line ${re} in:\n${text}`,
      );
    has(/^starting the server \(kura serve\) \.\.\.$/);
    has(/^ {2}\[server\] kura: checking the store against its log \.\.\.$/);
    has(/^starting the server \(kura serve\): done in \d+\.\d s$/);
    // Each contest's bar as a plain line, the last one complete.
    has(/^president +20\/20 100\.0%/);
    has(/^Every national tally in the log adds up to the forms sent\.$/);
  }
  assert.match(first.text, /^ {2}\[server\] kura: creating a new store at /m);
  // The second start replays the first night's entries: entry 0, 120 results, officials' acts if any.
  const replayed = /^ {2}\[server\] start-up check: entries replayed +(\d+)\/(\d+) 100\.0%/m.exec(
    second.text,
  );
  assert.ok(replayed, second.text);
  assert.equal(replayed[1], replayed[2]);
  assert.ok(Number(replayed[2]) > 120, second.text);
  assert.match(second.text, /^ {2}\[server\] start-up check: \d+ entries, .* agree with the log/m);
  // The server's own log (pino JSON lines, --log-file) has the same progress as events.
  const log = readFileSync(join(dir, 'data', 'server.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const progress = log.filter((l) => l.event === 'startup-check-progress' && l.phase === 'entries');
  assert.ok(
    progress.some((l) => l.done === Number(replayed[2]) && l.total === Number(replayed[2])),
    JSON.stringify(progress),
  );
  assert.equal(log.filter((l) => l.event === 'store-created').length, 1);
  assert.equal(log.filter((l) => l.event === 'server-listening').length, 2);
});

// `kura audit` against a real server on a port: an administrator starts an
// audit (logging in with a password and a TOTP code), another approves it
// (a session token in KURA_TOKEN), the seed, the sample, the papers entered
// by one board member with the form's photo and confirmed by another, the
// round closed, until the risk limit is met; `status` (no login) prints the
// risk against the limit, the rounds and the progress. A refusal is one line
// and exit 2; a usage error one line and exit 64.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../src/accounts/totp.js';
import { AUDIT_PASSWORD, auditOfficials, fillClearWinner } from '../helpers/audit-flow.js';
import { kuraInProcess } from '../helpers/kura-cli.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `want one line, got:\n${stderr}`);
  return lines[0] as string;
}

describe('kura audit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-cli-audit-'));
  let t: TestLog;
  let url = '';
  let tokens: Map<string, string>;
  let secrets: Map<string, string>;
  let figures: Map<string, { votes: Record<string, number>; rejected: number }>;
  const photo = join(dir, 'paper.pdf');

  /** kura audit as an official: a board member by password, an administrator by token. */
  const as = (who: string, ...args: string[]) =>
    who.startsWith('board')
      ? kuraInProcess(['audit', ...args, '--server', url, '--account', who], {
          KURA_PASSWORD: AUDIT_PASSWORD,
          KURA_TOKEN: undefined,
        })
      : kuraInProcess(['audit', ...args, '--server', url], { KURA_TOKEN: tokens.get(who) });

  before(async () => {
    t = await newTestLog('pglite', { officials: true, stations: 12 });
    figures = await fillClearWinner(t);
    ({ tokens, secrets } = await auditOfficials(t));
    url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
    writeFileSync(photo, '%PDF-1.4\n% the paper Form 34A of a sampled station\n');
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('start (password and TOTP), approve, seed, sample, enter, confirm, close, status', async () => {
    // The administrator logs in: its last login used this 30-second step, so the code is the next one's.
    const started = await kuraInProcess(
      [
        'audit',
        'start',
        '--server',
        url,
        '--account',
        'chair',
        '--totp',
        totp(secrets.get('chair') as string, Date.now() + 30_000),
        '--audit',
        'c1',
        '--contest',
        'president',
        '--method',
        'macro',
        '--risk-limit',
        '10',
      ],
      { KURA_PASSWORD: AUDIT_PASSWORD, KURA_TOKEN: undefined },
    );
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^audit c1 proposed \(entry \d+\)/);

    const self = await as('chair', 'approve', '--audit', 'c1');
    assert.equal(self.code, 2);
    assert.match(
      oneLine(self.stderr),
      /^kura audit approve: refused: HTTP 403 SELF_APPROVAL: .* \(field account\)$/,
    );
    assert.equal((await as('vice', 'approve', '--audit', 'c1')).code, 0);
    const seeded = await as('chair', 'seed', '--audit', 'c1', '--seed', '16180339887498948482045');
    assert.equal(seeded.code, 0, seeded.stderr);

    const read = new Set<string>();
    for (let round = 1; ; round++) {
      assert.ok(round <= 6, 'met within six rounds');
      const sample = await as('chair', 'sample', '--audit', 'c1');
      assert.equal(sample.code, 0, sample.stderr);
      assert.match(sample.stdout, new RegExp(`^round ${round}: \\d+ draws`));
      const drawn = [...sample.stdout.matchAll(/^ {2}draw \d+\t(\S+)\tticket 0\.\d+$/gm)].map(
        (m) => m[1] as string,
      );
      assert.ok(drawn.length >= 1, sample.stdout);
      for (const station of new Set(drawn)) {
        if (read.has(station)) continue;
        read.add(station);
        const logged = figures.get(station);
        assert.ok(logged);
        const votes = Object.entries(logged.votes)
          .map(([c, n]) => `${c}=${n}`)
          .join(',');
        const entered = await as(
          'board-a',
          'enter',
          '--audit',
          'c1',
          '--station',
          station,
          '--votes',
          votes,
          '--rejected',
          String(logged.rejected),
          '--form',
          photo,
        );
        assert.equal(entered.code, 0, entered.stderr);
        assert.match(entered.stdout, /^photo [0-9a-f]{64} (uploaded|already stored)/);
        const entry = /entered as entry (\d+); agrees with the log/.exec(entered.stdout)?.[1];
        assert.ok(entry, entered.stdout);
        const mine = await as('board-a', 'confirm', '--entry', entry);
        assert.equal(mine.code, 2);
        assert.match(oneLine(mine.stderr), /SELF_APPROVAL/);
        const confirmed = await as('board-b', 'confirm', '--entry', entry);
        assert.equal(confirmed.code, 0, confirmed.stderr);
      }
      const closed = await as('chair', 'close', '--audit', 'c1');
      assert.equal(closed.code, 0, closed.stderr);
      const m =
        /^round (\d+) closed \(entry \d+\): risk (\S+) against the limit 0\.1: (\S+?)[;\n]/.exec(
          closed.stdout,
        );
      assert.ok(m, closed.stdout);
      assert.equal(Number(m[1]), round);
      if (m[3] === 'risk-limit-met') {
        assert.ok(Number(m[2]) <= 0.1);
        break;
      }
      assert.equal(m[3], 'continue');
    }
    const status = await kuraInProcess(['audit', 'status', '--server', url, '--audit', 'c1']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^audit c1: president, macro, risk limit 10%/);
    assert.match(status.stdout, /^status: risk-limit-met$/m);
    assert.match(status.stdout, /^risk now: \S+ against the limit 0\.1: met$/m);
    assert.match(
      status.stdout,
      /^round 1 \(entry \d+\): \d+ draws, sample SHA-256 [0-9a-f]{64}; /m,
    );
    assert.match(
      status.stdout,
      new RegExp(
        `^progress: ${read.size} of 12 stations sampled, ${read.size} entered, ${read.size} confirmed$`,
        'm',
      ),
    );
    const list = await kuraInProcess(['audit', 'status', '--server', url]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^c1\tpresident\tmacro\trisk-limit-met\t/);
  });

  test('refusals are one line, exit 2; usage errors one line, exit 64', async () => {
    const size = () => t.running.sequencer?.treeSize ?? -1;
    const before = size();
    const unknown = await kuraInProcess(['audit', 'status', '--server', url, '--audit', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(oneLine(unknown.stderr), /^kura audit status: refused: HTTP 404 UNKNOWN_AUDIT: /);
    for (const [args, want] of [
      [['frobnicate', '--server', url], /unknown subcommand "frobnicate"/],
      [['status', '--server', url, '--seed', '1'], /--seed does not apply to kura audit status/],
      [
        ['seed', '--server', url, '--audit', 'c1', '--seed', '12'],
        /--seed must be 20 to 100 digits/,
      ],
      [['sample', '--server', url, '--audit', 'c1', '--full', '--draws', '3'], /not both/],
      [
        [
          'enter',
          '--server',
          url,
          '--audit',
          'c1',
          '--station',
          'x',
          '--not-found',
          '--votes',
          'a=1',
        ],
        /--not-found takes no figures/,
      ],
      [['status'], /--server is required/],
      [['approve', '--server', url, '--audit', 'c1'], /give --account NAME/],
    ] as const) {
      const r = await kuraInProcess(['audit', ...args], { KURA_TOKEN: undefined });
      assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(oneLine(r.stderr), want);
    }
    // A usage error is found before any login: nothing was logged.
    assert.equal(size(), before);
    const wrong = await kuraInProcess(
      ['audit', 'approve', '--server', url, '--audit', 'c1', '--account', 'board-a'],
      {
        KURA_PASSWORD: 'not the password at all',
      },
    );
    assert.equal(wrong.code, 2);
    assert.match(oneLine(wrong.stderr), /^kura audit approve: refused: HTTP 401 LOGIN_FAILED/);
  });
});

// The kura command end to end, as an official or a device would use it: make
// an election, serve it (embedded store, child process), submit a result with
// `kura submit`, find it in the tallies and the log, and check its receipt
// offline with `kura receipt verify`; a tampered receipt is refused.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KURA_ARGS, kuraIn } from '../helpers/kura-cli.js';

describe('kura CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-cli-'));
  let server: ChildProcess;
  let url = '';
  let station = '';

  before(async () => {
    const made = await kuraIn(
      dir,
      'election',
      'synthetic',
      '--stations',
      '20',
      '--president-only',
      '--out',
      'el',
    );
    assert.equal(made.code, 0, made.stderr);
    station = JSON.parse(readFileSync(join(dir, 'el/definition.json'), 'utf8')).stations[3].code;
    server = spawn(
      process.execPath,
      [...KURA_ARGS, 'serve', '--election', 'el', '--data', 'data', '--port', '0'],
      { cwd: dir },
    );
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout?.on('data', (b: Buffer) => {
        out += b;
        const m = /API\s+(http:\/\/\S+?)\/api/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      server.on('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
    });
  });
  after(async () => {
    server?.kill('SIGTERM');
    await new Promise((r) => server?.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  });

  test('--help lists the commands', async () => {
    const r = await kuraIn(dir, '--help');
    assert.equal(r.code, 0);
    for (const c of ['keygen', 'election', 'serve', 'submit', 'receipt'])
      assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
    const bad = await kuraIn(dir, 'frobnicate');
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /unknown command/);
  });

  test('a result sent with kura submit is in the tallies and the log, and its receipt verifies offline', async () => {
    writeFileSync(join(dir, 'form.pdf'), '%PDF-1.4\n% a scanned Form 34A\n');
    const sent = await kuraIn(
      dir,
      'submit',
      '--server',
      url,
      '--election',
      'el',
      '--station',
      station,
      '--contest',
      'president',
      '--votes',
      'alpha=120,beta=80,gamma=7',
      '--rejected',
      '4',
      '--form',
      'form.pdf',
      '--demo-key',
      '--receipt-out',
      'r.tlog-proof',
    );
    assert.equal(sent.code, 0, sent.stderr + sent.stdout);
    assert.match(sent.stdout, /logged as entry 1/);
    assert.match(sent.stdout, /verified/);

    const tally = (await (await fetch(`${url}/api/v1/tally/president`)).json()) as {
      tally: { votes: Record<string, number>; rejected: number };
    };
    assert.deepEqual({ ...tally.tally.votes }, { alpha: 120, beta: 80, gamma: 7 });
    assert.equal(tally.tally.rejected, 4);
    const entry = (await (await fetch(`${url}/api/v1/entries/1`)).json()) as {
      decoded: { station: string };
    };
    assert.equal(entry.decoded.station, station);

    const ok = await kuraIn(dir, 'receipt', 'verify', 'r.tlog-proof', '--election', 'el');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /verified: entry 1/);

    // Change one vote in the entry the receipt carries: the proof no longer holds.
    const text = readFileSync(join(dir, 'r.tlog-proof'), 'utf8');
    const extra = /^extra (.*)$/m.exec(text)?.[1] as string;
    const forged = Buffer.from(
      Buffer.from(extra, 'base64').toString('utf8').replace('"alpha":120', '"alpha":121'),
    ).toString('base64');
    writeFileSync(join(dir, 'forged.tlog-proof'), text.replace(extra, forged));
    const bad = await kuraIn(dir, 'receipt', 'verify', 'forged.tlog-proof', '--election', 'el');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /DOES NOT VERIFY/);

    // Sending the same signed result again is answered with the original entry.
    const again = await kuraIn(
      dir,
      'submit',
      '--server',
      url,
      '--election',
      'el',
      '--station',
      station,
      '--contest',
      'president',
      '--votes',
      'alpha=120,beta=80,gamma=7',
      '--rejected',
      '4',
      '--form-sha256',
      /form ([0-9a-f]{64})/.exec(sent.stdout)?.[1] as string,
      '--demo-key',
      '--device-time',
      /"deviceTime": "([^"]+)"/.exec(ok.stdout)?.[1] as string,
      '--receipt-out',
      'r2.tlog-proof',
    );
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already logged as entry 1/);
  });

  test('a refused result says why and exits non-zero', async () => {
    const r = await kuraIn(
      dir,
      'submit',
      '--server',
      url,
      '--election',
      'el',
      '--station',
      station,
      '--contest',
      'president',
      '--votes',
      'alpha=1,beta=1,delta=1',
      '--rejected',
      '0',
      '--form-sha256',
      'ab'.repeat(32),
      '--demo-key',
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /409 ALREADY_REPORTED|UNKNOWN_CANDIDATE/);
  });
});

// `kura submit --qr`: once logged, the device shows its result as a QR code
// in the terminal; read back from the terminal's drawing by an independent
// reader (zbarimg), it carries exactly the bytes the log holds.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeResultQr } from '../../src/election/result-qr.js';
import { fromBase64 } from '../../src/log/bytes.js';
import { KURA_ARGS, kuraIn } from '../helpers/kura-cli.js';
import { skipIfMissing } from '../helpers/required.js';

/** The modules of a terminal drawing (light drawn, dark blank: the default) as a PGM image. */
function terminalToPgm(lines: string[], scale = 4): Uint8Array {
  const rows: boolean[][] = [];
  for (const line of lines) {
    const chars = [...line];
    rows.push(chars.map((c) => !(c === '█' || c === '▀')));
    rows.push(chars.map((c) => !(c === '█' || c === '▄')));
  }
  const width = Math.max(...rows.map((r) => r.length));
  const height = rows.length;
  const header = new TextEncoder().encode(`P5\n${width * scale} ${height * scale}\n255\n`);
  const out = new Uint8Array(header.length + width * height * scale * scale);
  out.set(header);
  for (let y = 0; y < height * scale; y++)
    for (let x = 0; x < width * scale; x++)
      out[header.length + y * width * scale + x] = rows[Math.floor(y / scale)]?.[
        Math.floor(x / scale)
      ]
        ? 0
        : 255;
  return out;
}

describe('kura submit --qr', () => {
  let dir: string;
  let server: ChildProcess;
  let url: string;
  let station: string;
  let other: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kura-submit-qr-'));
    const made = await kuraIn(
      dir,
      'election',
      'synthetic',
      '--stations',
      '5',
      '--president-only',
      '--out',
      'el',
    );
    assert.equal(made.code, 0, made.stderr);
    const stations = JSON.parse(readFileSync(join(dir, 'el/definition.json'), 'utf8')).stations;
    station = stations[2].code;
    other = stations[3].code;
    server = spawn(
      process.execPath,
      [...KURA_ARGS, 'serve', '--election', 'el', '--data', 'data', '--port', '0'],
      {
        cwd: dir,
      },
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

  const zbar = skipIfMissing(existsSync('/usr/bin/zbarimg'), 'zbarimg (Debian zbar-tools)');
  test("prints the logged entry as a QR code that zbarimg reads back to the log's bytes", {
    skip: zbar,
  }, async () => {
    const sent = await kuraIn(
      dir,
      ...[
        'submit',
        '--server',
        url,
        '--election',
        'el',
        '--station',
        station,
        '--contest',
        'president',
      ],
      ...[
        '--votes',
        'alpha=120,beta=80,gamma=7',
        '--rejected',
        '4',
        '--form-sha256',
        'ab'.repeat(32),
      ],
      ...['--demo-key', '--receipt-out', 'r.tlog-proof', '--qr'],
    );
    assert.equal(sent.code, 0, sent.stderr + sent.stdout);
    const after = sent.stdout.split(
      "the device's QR code of this result, for the parties' agents to scan:\n\n",
    )[1];
    assert.ok(after, sent.stdout);
    const lines = after.split('\n');
    const textLine = lines.findIndex((l) => l.startsWith('kura-result:'));
    const text = lines[textLine] as string;
    const drawing = lines.slice(0, textLine).filter((l) => l !== '');
    writeFileSync(join(dir, 'screen.pgm'), terminalToPgm(drawing));
    const read = execFileSync(
      '/usr/bin/zbarimg',
      ['-q', '--raw', '-Sbinary', join(dir, 'screen.pgm')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ).toString('utf8');
    assert.equal(read, text);
    const decoded = decodeResultQr(read);
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.error);
    const logged = (await (await fetch(`${url}/api/v1/entries/1`)).json()) as { entry: string };
    assert.deepEqual(decoded.value.bytes, fromBase64(logged.entry));
    assert.equal(decoded.value.entry.votes.alpha, 120);
  });

  test('without --qr, no QR code', async () => {
    const sent = await kuraIn(
      dir,
      ...[
        'submit',
        '--server',
        url,
        '--election',
        'el',
        '--station',
        other,
        '--contest',
        'president',
      ],
      ...[
        '--votes',
        'alpha=120,beta=80,gamma=7',
        '--rejected',
        '4',
        '--form-sha256',
        'ab'.repeat(32),
      ],
      ...['--demo-key', '--receipt-out', 'r2.tlog-proof'],
    );
    assert.equal(sent.code, 0, sent.stderr + sent.stdout);
    assert.doesNotMatch(sent.stdout, /kura-result:|QR code/);
  });
});

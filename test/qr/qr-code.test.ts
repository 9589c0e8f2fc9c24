// The QR encoder against an independent reader: Debian's zbarimg (zbar-tools)
// decodes the codes it draws, at every level and from version 1 to 40; the SVG
// and terminal drawings carry exactly the code's modules.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { dataCodewords, encodeQr, maxBytes, type QrCode } from '../../src/qr/qr-code.js';
import { qrPgm, qrSvg, qrTerminalText } from '../../src/qr/qr-render.js';
import { skipIfMissing } from '../helpers/required.js';

const ZBARIMG = '/usr/bin/zbarimg';
const dir = mkdtempSync(join(tmpdir(), 'kura-qr-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What zbarimg reads in the code, or null when it finds none. */
function zbarRead(code: QrCode, name: string): string | null {
  const file = join(dir, `${name}.pgm`);
  writeFileSync(file, qrPgm(code, 3));
  try {
    const out = execFileSync(ZBARIMG, ['-q', '--raw', '-Sbinary', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out.toString('utf8');
  } catch {
    return null;
  }
}

/** Text of `n` characters from the base64url alphabet, varied so every mask differs. */
function sample(n: number, seed: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += alphabet[(x >>> 16) % 64];
  }
  return s;
}

describe('QR codes', () => {
  test('the capacities are the standard ones (ISO/IEC 18004 table 7, byte mode)', () => {
    // Version 1-L holds 17 bytes, 1-H 7, 10-M 213, 40-L 2,953 and 40-H 1,273.
    assert.equal(dataCodewords(1, 'L'), 19);
    assert.equal(dataCodewords(1, 'H'), 9);
    assert.equal(dataCodewords(10, 'M'), 216);
    assert.equal(maxBytes('L'), 2953);
    assert.equal(maxBytes('H'), 1273);
    assert.equal(encodeQr(new Uint8Array(17), 'L').version, 1);
    assert.equal(encodeQr(new Uint8Array(18), 'L').version, 2);
    assert.throws(() => encodeQr(new Uint8Array(2954), 'L'), /2954 bytes do not fit/);
  });

  const zbar = skipIfMissing(existsSync(ZBARIMG), 'zbarimg (Debian zbar-tools)');
  test('zbarimg reads every code drawn, versions 1 to 40, each level, each mask', {
    skip: zbar,
  }, () => {
    const masks = new Set<number>();
    const versions = new Set<number>();
    const lengths = [1, 17, 60, 150, 300, 520, 800, 1150, 1600, 2953];
    for (const [k, n] of lengths.entries())
      for (const level of ['L', 'M', 'Q', 'H'] as const) {
        if (n > maxBytes(level)) continue;
        const text = sample(n, k * 4 + level.charCodeAt(0));
        const code = encodeQr(new TextEncoder().encode(text), level);
        masks.add(code.mask);
        versions.add(code.version);
        assert.equal(
          zbarRead(code, `${n}-${level}`),
          text,
          `${n} bytes at ${level}: version ${code.version}`,
        );
      }
    assert.ok(
      versions.has(1) && versions.has(40),
      `versions drawn: ${[...versions].sort((a, b) => a - b)}`,
    );
    assert.ok(versions.size >= 20, `only ${versions.size} versions drawn`);
    assert.ok(masks.size >= 4, `only masks ${[...masks]} chosen`);
  });

  test('a code with its data damaged beyond repair is not read (the reader is no rubber stamp)', {
    skip: zbar,
  }, () => {
    const text = sample(100, 7);
    const code = encodeQr(new TextEncoder().encode(text), 'L');
    assert.equal(zbarRead(code, 'intact'), text);
    const dark = [...code.dark];
    // Flip the lower half of the data area: far more than level L's 7 % repairs.
    for (let y = Math.floor(code.size / 2); y < code.size - 9; y++)
      for (let x = 9; x < code.size - 9; x++) dark[y * code.size + x] = !dark[y * code.size + x];
    assert.notEqual(zbarRead({ ...code, dark }, 'damaged'), text);
  });

  test('the SVG draws exactly the dark modules, inside a quiet zone of four', () => {
    const code = encodeQr(new TextEncoder().encode(sample(60, 3)), 'M');
    const svg = qrSvg(code, { title: 'result <1> & "2"', sizePx: 240 });
    const side = code.size + 8;
    assert.match(svg, new RegExp(`viewBox="0 0 ${side} ${side}" width="240" height="240"`));
    assert.match(svg, /<title>result &#60;1&#62; &#38; &#34;2&#34;<\/title>/);
    const drawn = new Set([...svg.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map((m) => `${m[1]},${m[2]}`));
    const expected = new Set<string>();
    for (let y = 0; y < code.size; y++)
      for (let x = 0; x < code.size; x++)
        if (code.dark[y * code.size + x]) expected.add(`${x + 4},${y + 4}`);
    assert.deepEqual(drawn, expected);
  });

  test('the terminal text carries the modules two rows a line, inverted for a dark terminal', () => {
    const code = encodeQr(new TextEncoder().encode(sample(30, 5)), 'M');
    for (const darkOnLight of [false, true]) {
      const lines = qrTerminalText(code, { darkOnLight }).replace(/\n$/, '').split('\n');
      const side = code.size + 8;
      assert.equal(lines.length, Math.ceil(side / 2));
      const cell = (x: number, y: number) => {
        const c = [...(lines[y >> 1] as string)][x];
        const top = c === '█' || c === '▀';
        const bottom = c === '█' || c === '▄';
        return (y & 1 ? bottom : top) === darkOnLight;
      };
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++) {
          const inside = x >= 4 && y >= 4 && x < code.size + 4 && y < code.size + 4;
          const dark = inside && !!code.dark[(y - 4) * code.size + (x - 4)];
          assert.equal(cell(x, y), dark, `module ${x},${y}`);
        }
    }
  });
});

// The device's QR text (FORMATS.md §16): a signed result round-trips through
// the text and through a QR code read by an independent reader (zbarimg), and
// every other text is refused with the reason.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { canonicalBytes } from '../../src/election/canonical.js';
import { signResult } from '../../src/election/device.js';
import { encodeEntry, type ResultEntry } from '../../src/election/entries.js';
import {
  decodeResultQr,
  RESULT_QR_PREFIX,
  resultQrSvg,
  resultQrText,
} from '../../src/election/result-qr.js';
import { toBase64 } from '../../src/log/bytes.js';
import { encodeQr } from '../../src/qr/qr-code.js';
import { qrPgm, qrSvg } from '../../src/qr/qr-render.js';
import { skipIfMissing } from '../helpers/required.js';

const seed = new Uint8Array(32).fill(7);
function result(votes: Record<string, number>): ResultEntry {
  return signResult(
    {
      type: 'result',
      v: 1,
      election: 'kenya-2022',
      contest: 'president',
      station: '001001000100101',
      device: 'dev-001001000100101',
      votes,
      rejected: 3,
      totalValid: Object.values(votes).reduce((a, b) => a + b, 0),
      form: 'c0'.repeat(32),
      deviceTime: '2022-08-09T17:05:00Z',
    },
    seed,
  );
}
const entry = result({ odinga: 236, ruto: 93, wajackoyah: 2, mwaure: 1 });
const b64url = (bytes: Uint8Array) =>
  toBase64(bytes).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

describe('the device QR text', () => {
  test('is the prefix and the unpadded base64url of the canonical bytes, and decodes back', () => {
    const text = resultQrText(entry);
    assert.equal(text, `kura-result:${b64url(encodeEntry(entry))}`);
    assert.match(text.slice(RESULT_QR_PREFIX.length), /^[A-Za-z0-9_-]+$/);
    const back = decodeResultQr(text);
    assert.ok(back.ok, back.ok ? '' : back.error);
    assert.deepEqual(back.value.entry, entry);
    assert.deepEqual(back.value.bytes, encodeEntry(entry));
  });

  test("FORMATS.md §16.8's example: 424 bytes, 578 characters, a version-19 code at level M", () => {
    const text = resultQrText(entry);
    assert.equal(encodeEntry(entry).length, 424);
    assert.equal(text.length, 578);
    assert.ok(text.startsWith('kura-result:eyJjb250ZXN0IjoicHJlc2lkZW50IiwiZGV2aW'));
    const code = encodeQr(new TextEncoder().encode(text));
    assert.deepEqual([code.version, code.errorCorrection, code.size], [19, 'M', 93]);
  });

  test('round-trips every length modulo 3 of the bytes (no padding ever)', () => {
    const lengths = new Set<number>();
    for (let extra = 0; extra < 6; extra++) {
      const e = result({ odinga: 10 ** extra, ruto: 93 * (extra + 1), wajackoyah: extra });
      lengths.add(encodeEntry(e).length % 3);
      const text = resultQrText(e);
      assert.ok(!text.includes('='));
      const back = decodeResultQr(text);
      assert.ok(back.ok && back.value.entry.votes.ruto === 93 * (extra + 1));
    }
    assert.equal(lengths.size, 3, 'the entries cover all three remainders');
  });

  const refused: Array<[string, string, RegExp]> = [
    [
      'another prefix',
      `kura-results:${b64url(encodeEntry(entry))}`,
      /does not start with "kura-result:"/,
    ],
    ['no prefix', b64url(encodeEntry(entry)), /does not start with/],
    ['an empty body', 'kura-result:', /nothing after/],
    ['padding', `${resultQrText(result({ a: 1 }))}=`, /"=" at position/],
    ['standard base64', `kura-result:${toBase64(encodeEntry(entry))}`, /only base64url characters/],
    ['whitespace', `${resultQrText(entry)}\n`, /"\\n" at position/],
    [
      'a lone last character',
      `${resultQrText(entry)}${'A'.repeat(4 - ((resultQrText(entry).length - 12) % 4) + 1)}`,
      /not canonical base64url|well-formed/,
    ],
    [
      'JSON that is not canonical',
      `kura-result:${b64url(new TextEncoder().encode(JSON.stringify(entry, null, 1)))}`,
      /not in canonical form/,
    ],
    [
      'an entry missing a field',
      `kura-result:${b64url(canonicalBytes({ ...entry, form: undefined }))}`,
      /form is required|form/,
    ],
    [
      'an entry of another type',
      `kura-result:${b64url(canonicalBytes({ type: 'election', v: 1 }))}`,
      /well-formed entry/,
    ],
  ];
  for (const [what, text, why] of refused)
    test(`refuses ${what}, saying why`, () => {
      const r = decodeResultQr(text);
      assert.ok(!r.ok, `${what} was accepted`);
      assert.match(r.error, why);
    });

  test('refuses a last character with bits no byte uses (one text per entry)', () => {
    const text = resultQrText(entry);
    const body = text.slice(RESULT_QR_PREFIX.length);
    assert.notEqual(body.length % 4, 0, 'the entry needs a partial last group for this test');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(body.at(-1) as string);
    const tampered = `${text.slice(0, -1)}${alphabet[last ^ 1]}`;
    const r = decodeResultQr(tampered);
    assert.ok(!r.ok);
    assert.match(r.error, /not canonical base64url/);
  });

  test('refuses a tampered figure only through the signature, which decode leaves to its caller', () => {
    // The text is transport: a changed vote still decodes, and its bytes differ, so its hash does.
    const tampered = { ...entry, votes: { ...entry.votes, ruto: 94 } };
    const r = decodeResultQr(resultQrText(tampered));
    assert.ok(r.ok);
    assert.notDeepEqual(r.value.bytes, encodeEntry(entry));
  });

  const zbar = skipIfMissing(existsSync('/usr/bin/zbarimg'), 'zbarimg (Debian zbar-tools)');
  test('a QR code of the text, read by zbarimg, decodes to the signed entry', {
    skip: zbar,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kura-result-qr-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const text = resultQrText(entry);
    const code = encodeQr(new TextEncoder().encode(text));
    writeFileSync(join(dir, 'qr.pgm'), qrPgm(code, 4));
    const read = execFileSync(
      '/usr/bin/zbarimg',
      ['-q', '--raw', '-Sbinary', join(dir, 'qr.pgm')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ).toString('utf8');
    assert.equal(read, text);
    const back = decodeResultQr(read);
    assert.ok(back.ok);
    assert.deepEqual(back.value.entry, entry);
  });

  test("the SVG is the QR code of the entry's text", () => {
    const svg = resultQrSvg(entry, { title: 'QR', sizePx: 300 });
    assert.equal(
      svg,
      qrSvg(encodeQr(new TextEncoder().encode(resultQrText(entry))), { title: 'QR', sizePx: 300 }),
    );
    assert.notEqual(svg, resultQrSvg(result({ odinga: 1 }), { title: 'QR', sizePx: 300 }));
  });
});

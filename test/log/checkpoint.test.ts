import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Result } from '../../src/basics/result.js';
import { toBase64 } from '../../src/log/bytes.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../src/log/checkpoint.js';
import type { LogErrorCode } from '../../src/log/errors.js';
import { ed25519Signer, generateKey, parseVerifierKey, signNote } from '../../src/log/note.js';
import { derived } from './vectors.js';

function code<T>(r: Result<T, { code: LogErrorCode }>): LogErrorCode | 'OK' {
  return r.ok ? 'OK' : r.error.code;
}

const ROOT = new Uint8Array(32).map((_, i) => i * 7);
const R64 = toBase64(ROOT);

/** Arbitrary Unicode text without control characters (so also without newlines). */
const line = (minLength: number, maxLength: number) =>
  fc
    .string({ unit: 'grapheme', minLength, maxLength })
    .filter(
      (s) => s.length >= minLength && ![...s].some((c) => (c.codePointAt(0) as number) < 0x20),
    );

test('checkpoint round-trip', () => {
  fc.assert(
    fc.property(
      line(1, 40),
      fc.maxSafeNat(),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.array(line(1, 20), { maxLength: 3 }),
      (origin, size, rootHash, extensions) => {
        const text = formatCheckpoint({ origin, size, rootHash, extensions });
        const cp = parseCheckpoint(text);
        assert.ok(cp.ok);
        assert.deepEqual(cp.value, { origin, size, rootHash, extensions });
        assert.equal(formatCheckpoint(cp.value), text);
      },
    ),
  );
});

test('the sum.golang.org checkpoint parses', () => {
  const n = derived().signedNote[2];
  const text = n?.note.split('\n\n')[0];
  const cp = parseCheckpoint(`${text}\n`);
  assert.ok(cp.ok);
  assert.equal(cp.value.origin, 'go.sum database tree');
  assert.equal(cp.value.size, 6476701);
});

test('malformed checkpoints give CHECKPOINT_MALFORMED', () => {
  const bad: [string, string][] = [
    ['missing trailing newline', `o\n1\n${R64}`],
    ['two lines', `o\n1\n`],
    ['empty origin', `\n1\n${R64}\n`],
    ['leading zero', `o\n01\n${R64}\n`],
    ['sign', `o\n+1\n${R64}\n`],
    ['negative', `o\n-1\n${R64}\n`],
    ['hex size', `o\n0x1\n${R64}\n`],
    ['space in size', `o\n 1\n${R64}\n`],
    ['size beyond 2^53', `o\n9007199254740992\n${R64}\n`],
    ['empty size', `o\n\n${R64}\n`],
    ['short hash', `o\n1\n${toBase64(ROOT.subarray(1))}\n`],
    ['long hash', `o\n1\n${toBase64(new Uint8Array(33))}\n`],
    ['unpadded base64', `o\n1\n${R64.replace('=', '')}\n`],
    ['non-canonical base64', `o\n1\n${R64.slice(0, -2)}${nonZeroBits(R64.at(-2) as string)}=\n`],
    ['url-safe base64', `o\n1\n${toBase64(new Uint8Array(32).fill(0xff)).replace(/\//g, '_')}\n`],
    ['empty extension line', `o\n1\n${R64}\n\n`],
    ['blank line before extension', `o\n1\n${R64}\n\next\n`],
    ['CR', `o\r\n1\n${R64}\n`],
    ['tab in extension', `o\n1\n${R64}\na\tb\n`],
  ];
  for (const [why, text] of bad)
    assert.equal(code(parseCheckpoint(text)), 'CHECKPOINT_MALFORMED', why);
  assert.equal(code(parseCheckpoint(`o\n0\n${R64}\n`)), 'OK');
  assert.equal(code(parseCheckpoint(`o\n1\n${R64}\next 1\next 2\n`)), 'OK');
});

function nonZeroBits(c: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  return alphabet[alphabet.indexOf(c) | 1] as string;
}

test('formatCheckpoint rejects invalid fields (programmer errors)', () => {
  assert.throws(
    () => formatCheckpoint({ origin: '', size: 1, rootHash: ROOT, extensions: [] }),
    RangeError,
  );
  assert.throws(
    () => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash: ROOT, extensions: [] }),
    RangeError,
  );
  assert.throws(
    () => formatCheckpoint({ origin: 'o', size: -1, rootHash: ROOT, extensions: [] }),
    RangeError,
  );
  assert.throws(
    () => formatCheckpoint({ origin: 'o', size: 1.5, rootHash: ROOT, extensions: [] }),
    RangeError,
  );
  assert.throws(
    () => formatCheckpoint({ origin: 'o', size: 1, rootHash: ROOT.subarray(1), extensions: [] }),
    RangeError,
  );
  assert.throws(
    () => formatCheckpoint({ origin: 'o', size: 1, rootHash: ROOT, extensions: [''] }),
    RangeError,
  );
});

test('openCheckpoint: log signature, origin, and witness-only notes', () => {
  const logKey = generateKey('kura.example/log', new Uint8Array(32).fill(3));
  const logV = parseVerifierKey(logKey.verifierKey);
  assert.ok(logV.ok);
  const logSigner = ed25519Signer('kura.example/log', new Uint8Array(32).fill(3));
  const other = ed25519Signer('other.example', new Uint8Array(32).fill(4));
  const otherV = parseVerifierKey(
    generateKey('other.example', new Uint8Array(32).fill(4)).verifierKey,
  );
  assert.ok(otherV.ok);
  const body = formatCheckpoint({
    origin: 'kura.example/log',
    size: 5,
    rootHash: ROOT,
    extensions: [],
  });
  const note = signNote(body, [logSigner]);
  const opened = openCheckpoint(note, 'kura.example/log', [logV.value]);
  assert.ok(opened.ok);
  assert.equal(opened.value.checkpoint.size, 5);
  assert.equal(
    code(openCheckpoint(note, 'kura.example/other', [logV.value])),
    'CHECKPOINT_ORIGIN_MISMATCH',
  );
  // Signed only by a key that is not the log's.
  const witnessOnly = signNote(body, [other]);
  assert.equal(
    code(openCheckpoint(witnessOnly, 'kura.example/log', [logV.value], [otherV.value])),
    'CHECKPOINT_NOT_SIGNED_BY_LOG',
  );
  assert.equal(
    code(openCheckpoint(witnessOnly, 'kura.example/log', [logV.value])),
    'NOTE_UNVERIFIED',
  );
  // A signed note whose text is not a checkpoint.
  assert.equal(
    code(openCheckpoint(signNote('hello\n', [logSigner]), 'hello', [logV.value])),
    'CHECKPOINT_MALFORMED',
  );
  // A tampered size.
  assert.equal(
    code(openCheckpoint(note.replace('\n5\n', '\n6\n'), 'kura.example/log', [logV.value])),
    'NOTE_SIGNATURE_INVALID',
  );
});

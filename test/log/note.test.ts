import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Result } from '../../src/basics/result.js';
import { concat, fromBase64, toBase64, uint32be, utf8 } from '../../src/log/bytes.js';
import type { LogErrorCode } from '../../src/log/errors.js';
import type { NoteSignature, OpenedNote } from '../../src/log/note.js';
import {
  computeKeyId,
  decodeVerifierKey,
  ed25519Signer,
  ed25519Verifier,
  formatKeyId,
  formatNote,
  generateKey,
  isValidKeyName,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../src/log/note.js';
import { derived } from './vectors.js';

function must<T>(r: Result<T, { message: string }>): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function code<T>(r: Result<T, { code: LogErrorCode }>): LogErrorCode | 'OK' {
  return r.ok ? 'OK' : r.error.code;
}

/** Arbitrary Unicode text without control characters (so also without newlines). */
const line = (minLength: number, maxLength: number) =>
  fc
    .string({ unit: 'grapheme', minLength, maxLength })
    .filter(
      (s) => s.length >= minLength && ![...s].some((c) => (c.codePointAt(0) as number) < 0x20),
    );

test('spec and Go example notes verify (incl. a vkey whose base64 contains "+")', () => {
  const v = derived().signedNote;
  assert.equal(v.length, 3);
  for (const c of v) {
    const verifier = must(parseVerifierKey(c.vkey));
    const opened = must(openNote(c.note, [verifier]));
    assert.equal(opened.verified.length, 1);
    assert.equal(opened.verified[0]?.name, c.vkey.split('+')[0]);
    assert.ok(c.note.startsWith(opened.text));
  }
  const sum = v[2];
  assert.ok(
    sum?.vkey.split('+').length && (sum.vkey.match(/\+/g) ?? []).length > 2,
    'vkey has extra +',
  );
  const opened = must(openNote(sum?.note ?? '', [must(parseVerifierKey(sum?.vkey ?? ''))]));
  assert.equal(
    opened.text,
    'go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n',
  );
});

test('Go test key: signing reproduces the PeterNeumann signature byte for byte; either key verifies', () => {
  const c = derived().signedNote[1];
  assert.ok(c?.skey && c.text && c.otherVkey);
  const signer = must(parseSignerKey(c.skey));
  const signed = signNote(c.text, [signer]);
  const peterLine = c.note.split('\n').find((l) => l.includes('PeterNeumann'));
  assert.equal(signed, `${c.text}\n${peterLine}\n`);
  const peter = must(parseVerifierKey(c.vkey));
  const enoch = must(parseVerifierKey(c.otherVkey));
  for (const [known, unknownName] of [
    [peter, 'EnochRoot'],
    [enoch, 'PeterNeumann'],
  ] as const) {
    const o: OpenedNote = must(openNote(c.note, [known]));
    assert.deepEqual(
      o.verified.map((s) => s.name),
      [known.name],
    );
    assert.deepEqual(
      o.unverified.map((s) => s.name),
      [unknownName],
    );
  }
  assert.equal(must(openNote(c.note, [peter, enoch])).verified.length, 2);
  assert.equal(code(openNote(c.note, [])), 'NOTE_UNVERIFIED');
});

test('generateKey: keys parse, key IDs match the spec formula, notes round-trip', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.stringMatching(/^[a-z0-9./-]{1,30}$/),
      fc.array(line(0, 40), { minLength: 1, maxLength: 5 }),
      (seed, name, lines) => {
        const { signerKey, verifierKey } = generateKey(name, seed);
        assert.ok(signerKey.startsWith(`PRIVATE+KEY+${name}+`));
        const signer = must(parseSignerKey(signerKey));
        const verifier = must(parseVerifierKey(verifierKey));
        const d = must(decodeVerifierKey(verifierKey));
        assert.equal(d.type, 1);
        assert.equal(d.keyId, computeKeyId(name, 1, d.publicKey));
        assert.equal(
          verifierKey,
          `${name}+${formatKeyId(d.keyId)}+${toBase64(concat(Uint8Array.of(1), d.publicKey))}`,
        );
        assert.equal(signer.keyId, verifier.keyId);
        const text = `${lines.join('\n')}\n`;
        const note = signNote(text, [signer]);
        const o = must(openNote(note, [verifier]));
        assert.equal(o.text, text);
        assert.equal(o.verified[0]?.keyId, verifier.keyId);
        // Bytes input works the same.
        assert.equal(must(openNote(utf8(note), [verifier])).text, text);
      },
    ),
    { numRuns: 50 },
  );
});

test('key names', () => {
  for (const ok of ['a', 'example.com/log', 'oid/1.2.3', 'ünïcode'])
    assert.ok(isValidKeyName(ok), ok);
  for (const bad of [
    '',
    'a b',
    'a+b',
    'a\tb',
    'a\u00a0b',
    'a\u2003b',
    'a\u3000b',
    'a\nb',
    'a\u0085b',
    '\uD800',
  ]) {
    assert.ok(!isValidKeyName(bad), JSON.stringify(bad));
  }
  assert.throws(() => generateKey('bad name'), RangeError);
});

test('verifier and signer keys: malformed ones are rejected with KEY_MALFORMED', () => {
  const { signerKey, verifierKey } = generateKey('kura.example/log', new Uint8Array(32).fill(7));
  const parts = verifierKey.split('+');
  const [name, id, b64] = [parts[0] ?? '', parts[1] ?? '', parts.slice(2).join('+')];
  const raw = fromBase64(b64) as Uint8Array;
  const bad = [
    '',
    name,
    `${name}+${id}`,
    `${name}+${id}+`,
    `+${id}+${b64}`,
    `${name}+${id?.slice(1)}+${b64}`,
    `${name}+0${id}+${b64}`,
    `${name}+zzzzzzzz+${b64}`,
    `${name}+00000000+${b64}`, // wrong key ID
    `other+${id}+${b64}`, // key ID does not match the name
    `${name}+${id}+${b64.slice(0, -1)}`, // bad base64
    `${name}+${id}+${toBase64(concat(Uint8Array.of(2), raw.subarray(1)))}`, // type changed: ID mismatch
    `${name}+${id}+${toBase64(raw.subarray(0, 20))}`,
  ];
  for (const k of bad) assert.equal(code(parseVerifierKey(k)), 'KEY_MALFORMED', k);
  // A correctly hashed key of an unsupported type, or the wrong length.
  const t2 = `${name}+${formatKeyId(computeKeyId(name, 2, raw.subarray(1)))}+${toBase64(concat(Uint8Array.of(2), raw.subarray(1)))}`;
  assert.ok(decodeVerifierKey(t2).ok);
  assert.equal(code(parseVerifierKey(t2)), 'KEY_MALFORMED');
  const short = raw.subarray(0, 20);
  const t3 = `${name}+${formatKeyId(computeKeyId(name, 1, short.subarray(1)))}+${toBase64(short)}`;
  assert.equal(code(parseVerifierKey(t3)), 'KEY_MALFORMED');

  assert.ok(parseSignerKey(signerKey).ok);
  for (const k of [
    signerKey.replace('PRIVATE', 'PUBLIC'),
    signerKey.replace('+KEY+', '+KEYS+'),
    verifierKey,
    signerKey.replace(`+${id}+`, '+00000000+'),
    `${signerKey}A`,
  ]) {
    assert.equal(code(parseSignerKey(k)), 'KEY_MALFORMED', k);
  }
});

// A fixed two-signer note for the rejection table.
const alice = ed25519Signer('alice.example', new Uint8Array(32).fill(1));
const bob = ed25519Signer('bob.example', new Uint8Array(32).fill(2));
const aliceV = ed25519Verifier(
  'alice.example',
  must(decodeVerifierKey(generateKey('alice.example', new Uint8Array(32).fill(1)).verifierKey))
    .publicKey,
);
const bobV = must(
  parseVerifierKey(generateKey('bob.example', new Uint8Array(32).fill(2)).verifierKey),
);
const TEXT = 'kura test\nline two\n';
const NOTE = signNote(TEXT, [alice, bob]);

test('openNote: structural rejections give NOTE_MALFORMED', () => {
  assert.ok(openNote(NOTE, [aliceV]).ok);
  const sigLine = NOTE.split('\n')[3] as string;
  const malformed: [string, string | Uint8Array][] = [
    ['no blank line', NOTE.replace('\n\n', '\n')],
    ['no trailing newline', NOTE.slice(0, -1)],
    ['empty signature block', `${TEXT}\n`],
    ['control character in text', NOTE.replace('kura test', 'kura\ttest')],
    ['CR line ending', NOTE.replace('line two\n', 'line two\r\n')],
    ['NUL', NOTE.replace('kura', 'ku\u0000ra')],
    ['hyphen instead of em dash', NOTE.replace(/\u2014 alice/, '- alice')],
    ['no space after name', NOTE.replace('alice.example ', 'alice.example')],
    ['bad base64', NOTE.replace(/(alice\.example \S+)=\n/, '$1\n')],
    ['non-canonical base64 padding', NOTE.replace(/alice\.example (\S+)/, 'alice.example $1==')],
    ['non-zero base64 trailing bits', nonCanonical(NOTE)],
    [
      'short signature',
      NOTE.replace(/alice\.example \S+/, `alice.example ${toBase64(uint32be(alice.keyId))}`),
    ],
    ['empty key name', NOTE.replace('\u2014 alice.example ', '\u2014  ')],
    ['trailing blank line', `${NOTE}\n`],
    ['lone surrogate', NOTE.replace('kura', 'ku\uD800ra')],
    ['invalid UTF-8 bytes', concat(Uint8Array.of(0xff), utf8(NOTE))],
    ['101 signatures', `${TEXT}\n${Array(101).fill(sigLine).join('\n')}\n`],
    ['too large', `${'a'.repeat(1 << 20)}\n\n${sigLine}\n`],
  ];
  assert.notEqual(nonCanonical(NOTE), NOTE);
  for (const [why, note] of malformed)
    assert.equal(code(openNote(note, [aliceV])), 'NOTE_MALFORMED', why);
  // 100 copies of one signature are fine (duplicates of a known key are verified once).
  const hundred = `${TEXT}\n${Array(100).fill(sigLine).join('\n')}\n`;
  assert.equal(must(openNote(hundred, [aliceV, bobV])).verified.length, 1);
});

test('openNote: signature semantics', () => {
  // Text containing blank lines: the last blank line separates.
  const text = 'a\n\nb\n\n';
  assert.equal(must(openNote(signNote(text, [alice]), [aliceV])).text, text);
  // A bad signature by a known key rejects the whole note.
  const sigs = must(parseNote(NOTE)).signatures;
  const tampered = formatNote(
    TEXT,
    sigs.map((s, i) => (i === 0 ? { ...s, signature: flip(s.signature) } : s)),
  );
  assert.equal(code(openNote(tampered, [aliceV, bobV])), 'NOTE_SIGNATURE_INVALID');
  // ... even if the other known key's signature is fine; but unknown keys' bad signatures are ignored.
  assert.equal(code(openNote(tampered, [bobV])), 'OK');
  // Changed text: the known signature fails.
  assert.equal(code(openNote(NOTE.replace('two', 'tw0'), [aliceV])), 'NOTE_SIGNATURE_INVALID');
  // Same name, other key ID: unknown, ignored. Same key ID, other name: unknown.
  const otherKey = ed25519Signer('alice.example', new Uint8Array(32).fill(9));
  const n2 = signNote(TEXT, [otherKey]);
  assert.equal(code(openNote(n2, [aliceV])), 'NOTE_UNVERIFIED');
  const renamed: NoteSignature = { ...(sigs[0] as NoteSignature), name: 'mallory.example' };
  const n3 = formatNote(TEXT, [renamed, sigs[1] as NoteSignature]);
  const o3 = must(openNote(n3, [aliceV, bobV]));
  assert.deepEqual(
    o3.unverified.map((s) => s.name),
    ['mallory.example'],
  );
  // Identical unknown signature lines are reported once.
  const n4 = formatNote(TEXT, [
    sigs[0] as NoteSignature,
    sigs[0] as NoteSignature,
    sigs[1] as NoteSignature,
  ]);
  assert.equal(must(openNote(n4, [bobV])).unverified.length, 1);
  // Ambiguous verifier configuration is a programmer error.
  assert.throws(
    () =>
      openNote(NOTE, [
        aliceV,
        ed25519Verifier(
          'alice.example',
          must(
            decodeVerifierKey(generateKey('alice.example', new Uint8Array(32).fill(1)).verifierKey),
          ).publicKey,
        ),
      ]),
    RangeError,
  );
});

/** Sets the unused low bits of alice's signature's last base64 digit (same bytes under a lax decoder). */
function nonCanonical(note: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  return note.replace(/(alice\.example \S+)(\S)=\n/, (_, pre: string, c: string) => {
    const v = alphabet.indexOf(c);
    return `${pre}${alphabet[v | 1]}=\n`;
  });
}

function flip(b: Uint8Array): Uint8Array {
  const c = b.slice();
  c[0] = (c[0] as number) ^ 1;
  return c;
}

test('signNote: replaces an existing signature by the same key, keeps others; rejects bad texts', () => {
  const sigs = must(parseNote(signNote(TEXT, [alice]))).signatures;
  const both = signNote(TEXT, [bob], sigs);
  assert.deepEqual(
    must(parseNote(both)).signatures.map((s) => s.name),
    ['alice.example', 'bob.example'],
  );
  const again = signNote(TEXT, [alice], must(parseNote(both)).signatures);
  assert.deepEqual(
    must(parseNote(again)).signatures.map((s) => s.name),
    ['bob.example', 'alice.example'],
  );
  assert.throws(() => signNote('no newline', [alice]), RangeError);
  assert.throws(() => signNote('tab\there\n', [alice]), RangeError);
  assert.throws(() => signNote(TEXT, []), RangeError);
});

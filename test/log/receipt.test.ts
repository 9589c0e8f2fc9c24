import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Result } from '../../src/basics/result.js';
import { toBase64, utf8 } from '../../src/log/bytes.js';
import { formatCheckpoint } from '../../src/log/checkpoint.js';
import { cosignatureVerifier, cosigner } from '../../src/log/cosignature.js';
import type { LogErrorCode } from '../../src/log/errors.js';
import { leafHash, MerkleTree } from '../../src/log/merkle.js';
import { ed25519Signer, generateKey, parseVerifierKey, signNote } from '../../src/log/note.js';
import {
  formatReceipt,
  formatReceipts,
  parseReceipt,
  verifyReceipt,
} from '../../src/log/receipt.js';

function must<T>(r: Result<T, { message: string }>): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function code<T>(r: Result<T, { code: LogErrorCode }>): LogErrorCode | 'OK' {
  return r.ok ? 'OK' : r.error.code;
}

const ORIGIN = 'kura.example/2027/log';
const SEED = new Uint8Array(32).fill(42);
const logSigner = ed25519Signer(ORIGIN, SEED);
const logV = must(parseVerifierKey(generateKey(ORIGIN, SEED).verifierKey));
const witness = cosigner('witness.example', new Uint8Array(32).fill(43), () => 1_800_000_000);
const witnessV = cosignatureVerifier('witness.example', witness.publicKey);

const entries = Array.from({ length: 37 }, (_, i) =>
  utf8(`{"station":${i},"votes":[${i * 3},${i * 5}]}`),
);
const tree = new MerkleTree(entries.map(leafHash));
const checkpoint = signNote(
  formatCheckpoint({ origin: ORIGIN, size: 37, rootHash: tree.root(), extensions: [] }),
  [logSigner, witness],
);

function receiptFor(i: number, extra?: Uint8Array): string {
  return formatReceipt({
    index: i,
    proof: tree.inclusionProof(i),
    checkpoint,
    ...(extra ? { extra } : {}),
  });
}

test('receipt format matches the spec layout', () => {
  const r = receiptFor(5, utf8('hi'));
  const lines = r.split('\n');
  assert.equal(lines[0], 'c2sp.org/tlog-proof@v1');
  assert.equal(lines[1], `extra ${toBase64(utf8('hi'))}`);
  assert.equal(lines[2], 'index 5');
  const proof = tree.inclusionProof(5);
  assert.deepEqual(lines.slice(3, 3 + proof.length), proof.map(toBase64));
  assert.equal(lines[3 + proof.length], '');
  assert.equal(r.slice(r.indexOf('\n\n') + 2), checkpoint);
  assert.ok(!receiptFor(5).includes('extra'));
});

test('a batch of receipts under one checkpoint: each byte for byte the spec layout', () => {
  // Spelt out with Buffer's base64, independently of the formatter.
  const expected = (i: number) =>
    [
      'c2sp.org/tlog-proof@v1',
      `extra ${Buffer.from(entries[i] as Uint8Array).toString('base64')}`,
      `index ${i}`,
      ...tree.inclusionProof(i).map((h) => Buffer.from(h).toString('base64')),
      '',
      checkpoint,
    ].join('\n');
  const indexes = entries.map((_, i) => i);
  const batch = formatReceipts(
    checkpoint,
    indexes.map((i) => ({ index: i, proof: tree.inclusionProof(i), extra: entries[i] })),
  );
  assert.deepEqual(batch, indexes.map(expected));
  for (const i of indexes)
    assert.equal(receiptFor(i, entries[i]), expected(i), `formatReceipt, entry ${i}`);
  // Without extra data, no extra line.
  assert.equal(
    formatReceipts(checkpoint, [{ index: 3, proof: tree.inclusionProof(3) }])[0],
    receiptFor(3),
  );
  assert.throws(() => formatReceipts('not a note', [{ index: 0, proof: [] }]), RangeError);
  assert.throws(() => formatReceipts(checkpoint, [{ index: -1, proof: [] }]), RangeError);
  assert.throws(
    () => formatReceipts(checkpoint, [{ index: 0, proof: [new Uint8Array(31)] }]),
    RangeError,
  );
});

test('receipts round-trip and verify for every entry', () => {
  fc.assert(
    fc.property(
      fc.nat(36),
      fc.option(fc.uint8Array({ minLength: 1, maxLength: 40 }), { nil: undefined }),
      (i, extra) => {
        const text = receiptFor(i, extra);
        const parsed = must(parseReceipt(text));
        assert.equal(parsed.index, i);
        assert.deepEqual(parsed.extra, extra);
        assert.equal(formatReceipt(parsed), text);
        const v = must(verifyReceipt(text, entries[i] as Uint8Array, logV, ORIGIN));
        assert.equal(v.index, i);
        assert.equal(v.checkpoint.size, 37);
        // The wrong entry, or the right entry at another index, fails.
        assert.equal(
          code(verifyReceipt(text, entries[(i + 1) % 37] as Uint8Array, logV, ORIGIN)),
          'INCLUSION_PROOF_INVALID',
        );
        const moved = text.replace(`index ${i}\n`, `index ${(i + 1) % 37}\n`);
        assert.equal(
          code(verifyReceipt(moved, entries[i] as Uint8Array, [logV], ORIGIN)),
          'INCLUSION_PROOF_INVALID',
        );
      },
    ),
    { numRuns: 40 },
  );
});

test('verifyReceipt checks the log key, origin, witnesses and proof', () => {
  const text = receiptFor(7);
  const e = entries[7] as Uint8Array;
  assert.equal(
    code(verifyReceipt(text, e, [logV], ORIGIN, { witnesses: [witnessV], witnessThreshold: 1 })),
    'OK',
  );
  const otherW = cosignatureVerifier('witness2.example', witness.publicKey);
  assert.equal(
    code(
      verifyReceipt(text, e, [logV], ORIGIN, {
        witnesses: [witnessV, otherW],
        witnessThreshold: 2,
      }),
    ),
    'WITNESS_POLICY_UNSATISFIED',
  );
  assert.equal(
    code(verifyReceipt(text, e, [logV], 'kura.example/other')),
    'CHECKPOINT_ORIGIN_MISMATCH',
  );
  const stranger = must(
    parseVerifierKey(generateKey(ORIGIN, new Uint8Array(32).fill(1)).verifierKey),
  );
  assert.equal(code(verifyReceipt(text, e, [stranger], ORIGIN)), 'NOTE_UNVERIFIED');
  // A checkpoint cosigned by the witness but not signed by the log.
  const body = formatCheckpoint({
    origin: ORIGIN,
    size: 37,
    rootHash: tree.root(),
    extensions: [],
  });
  const witnessOnly = formatReceipt({
    index: 7,
    proof: tree.inclusionProof(7),
    checkpoint: signNote(body, [witness]),
  });
  assert.equal(
    code(verifyReceipt(witnessOnly, e, [logV], ORIGIN, { witnesses: [witnessV] })),
    'CHECKPOINT_NOT_SIGNED_BY_LOG',
  );
  assert.equal(code(verifyReceipt(witnessOnly, e, [logV], ORIGIN)), 'NOTE_UNVERIFIED');
  // A flipped proof hash.
  const proofLine = toBase64(tree.inclusionProof(7)[1] as Uint8Array);
  const flipped = toBase64(
    (tree.inclusionProof(7)[1] as Uint8Array).map((b, i) => (i === 3 ? b ^ 4 : b)),
  );
  assert.equal(
    code(verifyReceipt(text.replace(proofLine, flipped), e, [logV], ORIGIN)),
    'INCLUSION_PROOF_INVALID',
  );
  // A dropped proof line.
  assert.equal(
    code(verifyReceipt(text.replace(`${proofLine}\n`, ''), e, [logV], ORIGIN)),
    'INCLUSION_PROOF_INVALID',
  );
  // A checkpoint claiming a different size.
  assert.equal(
    code(verifyReceipt(text.replace('\n37\n', '\n38\n'), e, [logV], ORIGIN)),
    'NOTE_SIGNATURE_INVALID',
  );
  // Index beyond the checkpoint.
  assert.equal(
    code(verifyReceipt(text.replace('index 7\n', 'index 37\n'), e, [logV], ORIGIN)),
    'INCLUSION_PROOF_INVALID',
  );
});

test('malformed receipts give RECEIPT_MALFORMED', () => {
  const good = receiptFor(3, utf8('x'));
  const proofLine = toBase64(tree.inclusionProof(3)[0] as Uint8Array);
  const bad: [string, string][] = [
    ['empty', ''],
    ['wrong header', good.replace('c2sp.org/tlog-proof@v1', 'c2sp.org/tlog-proof@v2')],
    ['no header', good.slice(good.indexOf('\n') + 1)],
    ['CRLF', good.replace('@v1\n', '@v1\r\n')],
    ['empty extra', good.replace(/extra \S+/, 'extra ')],
    ['bad extra', good.replace(/extra \S+/, 'extra !!!!')],
    ['extra after index', good.replace(/(extra \S+)\n(index 3)/, '$2\n$1')],
    ['no index', good.replace('index 3\n', '')],
    ['index leading zero', good.replace('index 3\n', 'index 03\n')],
    ['index sign', good.replace('index 3\n', 'index +3\n')],
    ['index two spaces', good.replace('index 3\n', 'index  3\n')],
    ['index huge', good.replace('index 3\n', 'index 18446744073709551615\n')],
    ['short proof hash', good.replace(proofLine, toBase64(new Uint8Array(31)))],
    ['proof hash not base64', good.replace(proofLine, `${proofLine.slice(0, -2)}!=`)],
    ['no blank line', good.replace('\n\n', '\n')],
    ['no checkpoint', good.slice(0, good.indexOf('\n\n') + 2)],
    ['checkpoint not a note', `${good.slice(0, good.indexOf('\n\n') + 2)}kura\n`],
    ['too many proof lines', good.replace(`${proofLine}\n`, `${proofLine}\n`.repeat(70))],
  ];
  for (const [why, text] of bad) assert.equal(code(parseReceipt(text)), 'RECEIPT_MALFORMED', why);
  for (const [why, text] of bad) {
    assert.equal(
      code(verifyReceipt(text, entries[3] as Uint8Array, [logV], ORIGIN)),
      'RECEIPT_MALFORMED',
      why,
    );
  }
  // Zero proof lines is well-formed (a one-entry tree).
  const one = new MerkleTree([leafHash(utf8('only'))]);
  const cp1 = signNote(
    formatCheckpoint({ origin: ORIGIN, size: 1, rootHash: one.root(), extensions: [] }),
    [logSigner],
  );
  const r1 = formatReceipt({ index: 0, proof: [], checkpoint: cp1 });
  assert.equal(r1, `c2sp.org/tlog-proof@v1\nindex 0\n\n${cp1}`);
  assert.equal(code(verifyReceipt(r1, utf8('only'), logV, ORIGIN)), 'OK');
  assert.equal(code(verifyReceipt(r1, utf8('other'), logV, ORIGIN)), 'INCLUSION_PROOF_INVALID');
});

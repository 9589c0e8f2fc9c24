import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Result } from '../../src/basics/result.js';
import { fromHex, readUint64be, utf8 } from '../../src/log/bytes.js';
import { openCheckpoint, parseCheckpoint } from '../../src/log/checkpoint.js';
import {
  checkWitnessPolicy,
  cosignatureMessage,
  cosignatureTimestamp,
  cosignatureVerifier,
  cosignatureVerifierKey,
  cosigner,
  parseCosignatureVerifierKey,
  verifierFromKey,
} from '../../src/log/cosignature.js';
import { ed25519PublicKey, ed25519Verify } from '../../src/log/crypto.js';
import type { LogErrorCode } from '../../src/log/errors.js';
import type { NoteSigner, NoteVerifier } from '../../src/log/note.js';
import {
  ed25519Signer,
  generateKey,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
} from '../../src/log/note.js';
import { derived, readVectorText } from './vectors.js';

function must<T>(r: Result<T, { message: string }>): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function code<T>(r: Result<T, { code: LogErrorCode }>): LogErrorCode | 'OK' {
  return r.ok ? 'OK' : r.error.code;
}

const cos = derived().cosignatureV1Ed25519;

test('skylight cosignatures (mirror and witness) verify; the 0x05 log signature is ignored', () => {
  assert.equal(cos.cosigners.length, 2);
  for (const c of cos.cosigners) {
    const note = readVectorText(c.checkpointFile);
    const v = must(parseCosignatureVerifierKey(c.vkey));
    const opened = must(openNote(note, [v]));
    assert.equal(opened.verified.length, 1);
    assert.equal(
      cosignatureTimestamp(opened.verified[0] as { signature: Uint8Array }),
      cos.timestamp,
    );
    const cp = must(parseCheckpoint(opened.text));
    assert.equal(cp.origin, 'rome2026h1.example.org');
    assert.equal(cp.size, 300);
    // The witness checkpoint also carries a type-0x05 log signature: an unknown signature, ignored.
    if (c.checkpointFile.includes('/mirror/')) assert.equal(opened.unverified.length, 0);
    else
      assert.deepEqual(
        opened.unverified.map((s) => s.name),
        ['rome2026h1.example.org'],
      );
    // The generic parser picks the right type; a type-0x01 parser refuses the key.
    assert.ok(verifierFromKey(c.vkey).ok);
    assert.equal(code(parseVerifierKey(c.vkey)), 'KEY_MALFORMED');
  }
});

test('re-signing from the seeds reproduces the skylight cosignatures byte for byte', () => {
  for (const c of cos.cosigners) {
    const note = readVectorText(c.checkpointFile);
    const parsed = must(parseNote(note));
    const name = c.vkey.split('+')[0] as string;
    const seed = fromHex(c.ed25519SeedHex) as Uint8Array;
    const signer = cosigner(name, seed, () => cos.timestamp);
    assert.equal(cosignatureVerifierKey(name, ed25519PublicKey(seed)), c.vkey);
    const resigned = signNote(parsed.text, [signer]);
    const original = note.split('\n').find((l) => l.startsWith(`\u2014 ${name} `));
    assert.ok(original);
    assert.ok(resigned.endsWith(`${original}\n`), `${name}: ${resigned}`);
  }
});

test('cosignature wire format: key ID || uint64be time || Ed25519 over the cosignature/v1 message', () => {
  const seed = new Uint8Array(32).fill(5);
  const w = cosigner('witness.example', seed, () => 1_700_000_000);
  const body = 'log.example\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  const note = signNote(body, [w]);
  const sig = must(parseNote(note)).signatures[0];
  assert.ok(sig);
  assert.equal(sig.signature.length, 72);
  assert.equal(readUint64be(sig.signature), 1_700_000_000n);
  const msg = utf8(`cosignature/v1\ntime 1700000000\n${body}`);
  assert.deepEqual(cosignatureMessage(body, 1_700_000_000), msg);
  assert.ok(ed25519Verify(ed25519PublicKey(seed), msg, sig.signature.subarray(8)));
  // Key ID uses type 0x04: an Ed25519 (0x01) key with the same name and seed has another ID.
  assert.notEqual(w.keyId, ed25519Signer('witness.example', seed).keyId);
});

test('tampered cosignatures are rejected', () => {
  const seed = new Uint8Array(32).fill(6);
  const w = cosigner('witness.example', seed, () => 1_700_000_000);
  const v = cosignatureVerifier('witness.example', w.publicKey);
  const body = 'log.example\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  const sig = must(parseNote(signNote(body, [w]))).signatures[0]?.signature as Uint8Array;
  const text = utf8(body);
  assert.ok(v.verify(text, sig));
  const later = sig.slice();
  later[7] = (later[7] as number) ^ 1; // the timestamp is signed too
  assert.ok(!v.verify(text, later));
  assert.ok(!v.verify(text, sig.subarray(0, 71)));
  assert.ok(!v.verify(utf8(body.replace('\n3\n', '\n4\n')), sig));
  const huge = sig.slice();
  huge[0] = 0x80; // timestamp >= 2^63
  assert.ok(!v.verify(text, huge));
  // A plain Ed25519 signature over the body is not a cosignature.
  assert.ok(!v.verify(text, new Uint8Array(72)));
});

test('checkWitnessPolicy: k of n', () => {
  const logSeed = new Uint8Array(32).fill(10);
  const logSigner = ed25519Signer('log.example', logSeed);
  const logV = must(parseVerifierKey(generateKey('log.example', logSeed).verifierKey));
  const ws = [11, 12, 13].map((b, i) =>
    cosigner(`w${i}.example`, new Uint8Array(32).fill(b), () => 1_700_000_000 + i),
  );
  const [w0, , w2] = ws as [NoteSigner, NoteSigner, NoteSigner] & typeof ws;
  const wvs = ws.map((w) =>
    must(parseCosignatureVerifierKey(cosignatureVerifierKey(w.name, w.publicKey))),
  );
  const w1v = wvs[1] as NoteVerifier;
  const body = 'log.example\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  const note = signNote(body, [logSigner, w0, w2]);
  const opened = must(openCheckpoint(note, 'log.example', [logV], wvs));
  assert.equal(must(checkWitnessPolicy(opened.note, wvs, 2)).length, 2);
  assert.equal(code(checkWitnessPolicy(opened.note, wvs, 3)), 'WITNESS_POLICY_UNSATISFIED');
  assert.equal(must(checkWitnessPolicy(opened.note, wvs, 0)).length, 2);
  // Only the listed witnesses count: w1 did not cosign.
  assert.equal(code(checkWitnessPolicy(opened.note, [w1v], 1)), 'WITNESS_POLICY_UNSATISFIED');
  // Witness verifiers not given to openNote are not counted.
  const fresh = ws.map((w) => cosignatureVerifier(w.name, w.publicKey));
  assert.equal(code(checkWitnessPolicy(opened.note, fresh, 1)), 'WITNESS_POLICY_UNSATISFIED');
  assert.throws(() => checkWitnessPolicy(opened.note, wvs, 4), RangeError);
  // A known witness with a bad cosignature rejects the checkpoint.
  const sigs = must(parseNote(note)).signatures;
  const bad = signNote(
    body,
    [],
    sigs.map((s) =>
      s.name === 'w2.example'
        ? { ...s, signature: s.signature.map((b, i) => (i === 20 ? b ^ 1 : b)) }
        : s,
    ),
  );
  assert.equal(code(openCheckpoint(bad, 'log.example', [logV], wvs)), 'NOTE_SIGNATURE_INVALID');
});

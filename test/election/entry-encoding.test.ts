// An entry's canonical bytes and its signing message (FORMATS.md §5.1) made in
// one pass (encodeEntryAndMessage, what the server does with every result it
// is sent) are exactly encodeEntry's and signingMessage's; so is the message
// cut from an entry's bytes as they are decoded (decodeEntryAndMessage).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import {
  decodeEntry,
  decodeEntryAndMessage,
  type Entry,
  encodeEntry,
  encodeEntryAndMessage,
  type ResultEntry,
  signingMessage,
} from '../../src/election/entries.js';
import { fromBase64 } from '../../src/log/bytes.js';
import { ed25519PublicKey, ed25519Verify } from '../../src/log/crypto.js';

const unsigned = (votes: Record<string, number>): Omit<ResultEntry, 'sig'> => ({
  type: 'result',
  v: 1,
  election: 'synthetic-10',
  contest: 'governor',
  station: '0010010001001',
  device: 'dev-0010010001001',
  votes,
  rejected: 3,
  totalValid: 120,
  form: 'ab'.repeat(32),
  deviceTime: '2027-08-09T17:00:00Z',
});

test('one pass gives encodeEntry and signingMessage, byte for byte', () => {
  const seed = demoDeviceSeed('synthetic-10', 'dev-0010010001001');
  fc.assert(
    fc.property(
      // Candidate ids may be anything, "sig" and non-ASCII included: only the top-level sig is left out.
      fc.dictionary(
        fc.oneof(fc.constant('sig'), fc.string({ unit: 'grapheme', maxLength: 8 })),
        fc.nat(500),
        { minKeys: 1, maxKeys: 5 },
      ),
      (votes) => {
        fc.pre(!Object.keys(votes).includes('__proto__'));
        const entry = signResult(unsigned(votes), seed);
        const both = encodeEntryAndMessage(entry);
        assert.deepEqual(both.bytes, encodeEntry(entry));
        assert.deepEqual(both.message, signingMessage(entry));
      },
    ),
    { numRuns: 200 },
  );
});

// kura verify's workers (and a restart's replay) decode every entry; the
// signing message is then cut from the entry's canonical bytes
// (decodeEntryAndMessage) instead of spelt again. It must be signingMessage's
// bytes exactly, for every entry type, whatever its strings hold.
const SIG = `${'A'.repeat(85)}w==`;
const oddText = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.constantFrom(
    '"',
    '\\',
    '\\u00e9',
    'é',
    '€',
    '😀',
    '"sig":"x"',
    ',"sig":',
    '</script>',
    '\u2028',
  ),
);
const candidateId = fc.oneof(
  fc.constantFrom('sig', 'a', 'zz', 'Sig', 'sig2'),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,6}$/),
);
// A plain object, as decoding makes (candidate ids cannot be "__proto__").
const votes = fc
  .dictionary(candidateId, fc.nat(1_000_000), { minKeys: 1, maxKeys: 6 })
  .map((v) => ({ ...v }));
const time = fc.constantFrom('2027-08-09T17:00:00Z', '2027-08-09T17:00:00.123Z');
const hex = fc.constantFrom('ab'.repeat(32), '0'.repeat(64));
const anyEntry: fc.Arbitrary<Entry> = fc.oneof(
  fc
    .record({ votes, rejected: fc.nat(99), totalValid: fc.nat(), deviceTime: time, form: hex })
    .map((r) => ({ ...unsigned(r.votes), ...r, sig: SIG }) as Entry),
  fc.record({ reason: oddText, at: time, device: candidateId }).map(
    (r) =>
      ({
        type: 'official',
        v: 1,
        election: 'synthetic-10',
        account: 'ro-1',
        role: 'returning-officer',
        at: r.at,
        act: { kind: 'device-revoked', device: r.device, reason: r.reason },
        sig: SIG,
      }) as Entry,
  ),
  fc.record({ reason: oddText, agent: candidateId }).map(
    (r) =>
      ({
        type: 'roster',
        v: 1,
        election: 'synthetic-10',
        party: 'p-1',
        at: '2027-08-09T17:00:00Z',
        act: { kind: 'agent-revoked', agent: r.agent, reason: r.reason },
        sig: SIG,
      }) as Entry,
  ),
  fc.record({ agent: candidateId, result: hex, agentTime: time }).map(
    (r) =>
      ({
        type: 'attestation',
        v: 1,
        election: 'synthetic-10',
        party: 'p-1',
        ...r,
        sig: SIG,
      }) as Entry,
  ),
  fc.record({ reason: oddText, votes, rejected: fc.nat(99), totalValid: fc.nat() }).map(
    (r) =>
      ({
        type: 'dissent',
        v: 1,
        election: 'synthetic-10',
        party: 'p-1',
        agent: 'agent-1',
        result: 'ab'.repeat(32),
        contest: 'governor',
        station: '0010010001001',
        form: '0'.repeat(64),
        agentTime: '2027-08-09T17:00:00Z',
        ...r,
        sig: SIG,
      }) as Entry,
  ),
);

test('decodeEntryAndMessage cuts signingMessage from the bytes, byte for byte, for every entry type', () => {
  const decoded = new Set<string>();
  fc.assert(
    fc.property(anyEntry, (entry) => {
      const bytes = encodeEntry(entry);
      const plain = decodeEntry(bytes);
      const cut = decodeEntryAndMessage(bytes);
      assert.deepEqual(cut.ok, plain.ok);
      if (!plain.ok || !cut.ok) {
        assert.deepEqual(cut, plain);
        return;
      }
      decoded.add(entry.type);
      assert.deepEqual(cut.value.entry, plain.value);
      assert.deepEqual(cut.value.entry, entry);
      assert.deepEqual(cut.value.message, signingMessage(entry));
    }),
    { numRuns: 1000 },
  );
  assert.deepEqual([...decoded].sort(), ['attestation', 'dissent', 'official', 'result', 'roster']);
});

test('decodeEntryAndMessage: a signed result verifies over the cut message; a changed one does not decode the same', () => {
  const seed = demoDeviceSeed('synthetic-10', 'dev-0010010001001');
  const entry = signResult(unsigned({ sig: 7, 'a-1': 0, zz: 3 }), seed);
  const cut = decodeEntryAndMessage(encodeEntry(entry));
  assert.ok(cut.ok);
  assert.deepEqual(cut.value.message, signingMessage(entry));
  assert.ok(
    ed25519Verify(ed25519PublicKey(seed), cut.value.message, fromBase64(entry.sig) as Uint8Array),
  );
  // Not canonical (a space): refused as decodeEntry refuses it.
  const spaced = new TextEncoder().encode(
    new TextDecoder().decode(encodeEntry(entry)).replace('"rejected":3', '"rejected": 3'),
  );
  assert.equal(decodeEntryAndMessage(spaced).ok, false);
  assert.deepEqual(decodeEntryAndMessage(spaced), decodeEntry(spaced));
});

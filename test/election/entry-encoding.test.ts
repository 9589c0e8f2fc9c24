// An entry's canonical bytes and its signing message (FORMATS.md §5.1) made in
// one pass (encodeEntryAndMessage, what the server does with every result it
// is sent) are exactly encodeEntry's and signingMessage's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import {
  encodeEntry,
  encodeEntryAndMessage,
  type ResultEntry,
  signingMessage,
} from '../../src/election/entries.js';

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

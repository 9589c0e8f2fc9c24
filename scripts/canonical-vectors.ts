// The canonical-JSON vectors of docs/FORMATS.md §2.1, in the order of its table:
// each input is UTF-8 text (or raw bytes) and whether kura accepts it. Printed
// into the spec by formats-vectors.ts and checked by test/election/canonical.test.ts.
import { concat, utf8 } from '../src/log/bytes.js';

export const CANONICAL_VECTORS: ReadonlyArray<readonly [string | Uint8Array, boolean]> = [
  ['{"a":1}', true],
  ['{"b":1,"a":2}', false],
  ['{"a":1.0}', false],
  ['{"a":1e2}', false],
  ['{"a":-0}', false],
  ['{"a":9007199254740992}', false],
  ['{"a":"\\u00e9"}', false],
  ['{"a":"\u00e9"}', true],
  ['{"a":"\\u001f"}', true],
  ['{"a":"\\/"}', false],
  ['{"a":1,"a":1}', false],
  [' {"a":1}', false],
  ['{"10":1,"9":2}', true],
  ['{"9":2,"10":1}', false],
  // A byte-order mark is not stripped.
  [concat(Uint8Array.of(0xef, 0xbb, 0xbf), utf8('{"a":1}')), false],
  ['{"a":"\\ud800"}', false],
  ['{"\\udc00":1}', false],
  ['{"a":"\\ud83d\\ude00"}', false],
  ['{"a":"\u{1f600}"}', true],
];

// ColoradoRLA's SHA-256 generator against the vector from its own test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coloradoPrng } from '../../src/audit/colorado-prng.js';
import { rlaVectors } from './rla-vectors.js';

test("ColoradoRLA's first 47 picks from 1..876 without replacement", () => {
  const v = rlaVectors().colorado_rla_prng;
  const picks = coloradoPrng(v.seed, v.min, v.max, v.expected_first47.length, v.with_replacement);
  assert.deepEqual(picks, v.expected_first47);
});

test('with replacement a pick may repeat; without, every pick is new and in range', () => {
  const withRepeats = coloradoPrng('3546311556112163624615351222', 1, 3, 30, true);
  assert.ok(new Set(withRepeats).size < withRepeats.length);
  const all = coloradoPrng('3546311556112163624615351222', 5, 14, 10, false);
  assert.deepEqual(
    [...all].sort((a, b) => a - b),
    [5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
  );
  assert.throws(() => coloradoPrng('1', 1, 3, 4, false), /cannot pick 4 numbers from 1..3/);
  assert.throws(() => coloradoPrng('1', 3, 1, 1, true), /min ≤ max/);
});

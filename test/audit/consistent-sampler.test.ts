// The consistent sampler against every sampler vector of ../shared/vectors/rla:
// the reference module's own examples, generated cases, and the samples Arlo's
// tests expect (ids there are Python str() of tuples, rebuilt by pythonStr).
// Tickets are compared as exact strings.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  consistentSample,
  firstFraction,
  nextFraction,
  type SampledTicket,
  sha256Hex,
  sha256Uniform,
  trimTicket,
} from '../../src/audit/consistent-sampler.js';
import { type PyValue, pythonStr } from './python-str.js';
import { rlaVectors, type TicketTriple } from './rla-vectors.js';

const vectors = rlaVectors();
const triples = (sample: SampledTicket[]): TicketTriple[] =>
  sample.map((t) => [t.ticket, t.id, t.generation]);

describe('consistent sampler primitives', () => {
  const p = vectors.consistent_sampler_primitives;

  test('sha256Hex', () => {
    for (const v of p.sha256_hex) assert.equal(sha256Hex(v.input), v.expected);
  });

  test('sha256Uniform: the reversed, zero-padded decimal of the hash', () => {
    for (const v of p.sha256_uniform) assert.equal(sha256Uniform(v.input), v.expected);
  });

  test('firstFraction hashes the seed hash and the id with no separator', () => {
    for (const v of p.first_fraction) {
      assert.equal(sha256Hex(v.seed_string) + v.id_string, v.hash_input);
      assert.equal(firstFraction(v.id_string, v.seed_string), v.expected);
    }
  });

  test('nextFraction', () => {
    for (const v of p.next_fraction) assert.equal(nextFraction(v.input), v.expected);
  });

  test('nextFraction keeps the leading 9s and stays above its input', () => {
    for (const x of ['0.9', '0.999', '0.99999999999999999999', '0.0', '0.9990001']) {
      const y = nextFraction(x);
      assert.ok(y > `${x}0`, `${y} > ${x}`);
      const nines = /^0\.9*/.exec(x)?.[0] as string;
      assert.ok(y.startsWith(nines), `${y} keeps ${nines}`);
    }
    assert.throws(() => nextFraction('1.5'), /does not start with "0\."/);
  });

  test('trimTicket truncates after the leading 9s', () => {
    for (const v of p.trim) assert.equal(trimTicket(v.input, v.digits), v.expected);
    assert.equal(trimTicket('0.1239', 3), '0.123');
    assert.equal(trimTicket('0.999', 2), '0.999');
  });

  test('the smallest three tickets at full precision', () => {
    const v = p.make_ticket_heap_smallest3;
    const sample = consistentSample(v.id_strings, v.seed_string, {
      withReplacement: false,
      take: 3,
      digits: 100,
    });
    assert.deepEqual(triples(sample), v.expected_sorted);
  });
});

describe('consistent sampler cases', () => {
  for (const c of vectors.consistent_sampler_cases)
    test(c.name, () => {
      const options = {
        withReplacement: c.with_replacement,
        drop: c.drop,
        digits: c.digits,
        ...(c.take === null ? {} : { take: c.take }),
      };
      assert.deepEqual(triples(consistentSample(c.id_strings, c.seed_string, options)), c.expected);
    });

  test('a different seed gives a different order', () => {
    const c = vectors.consistent_sampler_cases.find((x) => x.name === 'usage_ex4_take5');
    assert.ok(c);
    const other = consistentSample(c.id_strings, `${c.seed_string}0`, {
      withReplacement: false,
      take: 5,
    });
    assert.notDeepEqual(triples(other), c.expected);
  });

  test('drop then take continues the same sequence', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `s${i}`);
    const all = consistentSample(ids, '2718', { withReplacement: true, take: 30, digits: 18 });
    const first = consistentSample(ids, '2718', { withReplacement: true, take: 12, digits: 18 });
    const rest = consistentSample(ids, '2718', {
      withReplacement: true,
      drop: 12,
      take: 18,
      digits: 18,
    });
    assert.deepEqual([...first, ...rest], all);
  });

  test('refuses duplicate ids and an endless sample', () => {
    assert.throws(
      () => consistentSample(['a', 'b', 'a'], '1', { withReplacement: false }),
      /"a" occurs twice/,
    );
    assert.throws(
      () => consistentSample(['a'], '1', { withReplacement: true }),
      /take is required/,
    );
    assert.throws(
      () => consistentSample(['a'], '1', { withReplacement: false, drop: -1 }),
      /drop must be/,
    );
  });
});

test('stratified: each stratum sampled alone is the union sample filtered (USAGE_EXAMPLES 8)', () => {
  const v = vectors.consistent_sampler_stratified;
  const ab = Array.from({ length: 2000 }, (_, i) => `AB-${i}`);
  const cd = Array.from({ length: 1000 }, (_, i) => `CD-${i}`);
  const small = (ids: string[]) =>
    triples(consistentSample(ids, v.seed_string, { withReplacement: false })).filter(
      ([ticket]) => ticket < '0.01',
    );
  assert.deepEqual(small(ab), v.expected_AB);
  assert.deepEqual(small(cd), v.expected_CD);
  const merged = [...v.expected_AB, ...v.expected_CD].sort(([a], [b]) => (a < b ? -1 : 1));
  assert.deepEqual(small([...ab, ...cd]), merged);
});

describe("Arlo's ballot samples (ids are Python str() of tuples)", () => {
  test('test_draw_sample and test_draw_more_samples', () => {
    const v = vectors.arlo_draw_sample;
    const ids = Object.entries(v.manifest).flatMap(([batch, n]) =>
      Array.from({ length: n }, (_, i) => pythonStr([batch, i + 1])),
    );
    assert.equal(sha256Hex(v.seed_string) + pythonStr(['pct 2', 3]), v.hash_input_example);
    assert.equal(firstFraction("('pct 2', 3)", v.seed_string), v.full_first_ticket_example);
    const options = { withReplacement: v.with_replacement, digits: v.digits };
    assert.deepEqual(
      triples(consistentSample(ids, v.seed_string, { ...options, take: 20 })),
      v.expected_take20,
    );
    assert.deepEqual(
      triples(consistentSample(ids, v.seed_string, { ...options, drop: 10, take: 10 })),
      v.expected_round2_drop10_take10,
    );
  });

  test('nested ids ((jurisdiction, tabulator|None, batch), position)', () => {
    const v = vectors.arlo_style_nested_ids_generated;
    const ids = v.manifest.flatMap(([key, n]) =>
      Array.from({ length: n }, (_, i) => pythonStr([key, i + 1])),
    );
    assert.equal(ids[4], "(('Nairobi', None, 'PS-001'), 5)");
    const sample = consistentSample(ids, v.seed_string, {
      withReplacement: v.with_replacement,
      digits: v.digits,
      take: 12,
    });
    assert.deepEqual(triples(sample), v.expected_take12);
  });
});

test('pythonStr renders ids as Python does, including the quote rule', () => {
  const mixed = vectors.consistent_sampler_cases.find((c) => c.name === 'usage_ex3_mixed_types');
  assert.ok(mixed);
  const values: PyValue[] = [1, 'two', ['III', { float: 3 }], [1, 1, 1, 1]];
  assert.deepEqual(values.map(pythonStr), mixed.id_strings);
  assert.equal(pythonStr([["it's", 'a "b"'], null]), `(("it's", 'a "b"'), None)`);
  assert.equal(pythonStr([`it's "x"`, 'back\\slash']), `('it\\'s "x"', 'back\\\\slash')`);
  assert.equal(pythonStr(['one']), "('one',)");
});

// Canonical JSON (docs/FORMATS.md §2.1), on which every signature rests: each
// value has exactly one accepted encoding. Every vector of §2.1 and every rule
// of its prose, then properties over random values: the encoding parses back
// to the value, and the value's other encodings are refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CANONICAL_VECTORS } from '../../scripts/canonical-vectors.js';
import type { Result } from '../../src/basics/result.js';
import {
  type Canonical,
  CanonicalError,
  canonicalBytes,
  canonicalString,
  canonicalStringByPath,
  canonicalStringWithAndWithout,
  parseCanonical,
  parseCanonicalOmitting,
} from '../../src/election/canonical.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const accepted = (text: string | Uint8Array) =>
  parseCanonical(typeof text === 'string' ? utf8(text) : text).ok;

describe('FORMATS.md §2.1 vectors', () => {
  for (const [input, ok] of CANONICAL_VECTORS) {
    const name = typeof input === 'string' ? input : `bytes ${Buffer.from(input).toString('hex')}`;
    test(`${name} is ${ok ? 'accepted' : 'refused'}`, () => {
      assert.equal(accepted(input), ok);
    });
  }
});

describe('the rules of §2.1', () => {
  test('the allowed values, each in its one form', () => {
    for (const text of [
      'null',
      'true',
      'false',
      '0',
      '-1',
      '9007199254740991',
      '-9007199254740991',
      '""',
      '[]',
      '{}',
      '[null,true,false,1,"a",[],{}]',
      '{"a":{"b":[1,{"c":null}]}}',
    ]) {
      assert.ok(accepted(text), text);
      assert.equal(canonicalString(JSON.parse(text)), text);
    }
  });

  test('whitespace anywhere outside strings is refused; inside strings it is data', () => {
    for (const text of [
      '{"a":1}\n',
      '{"a": 1}',
      '{ "a":1}',
      '[1, 2]',
      '[1,2 ]',
      '\t[]',
      '{"a":1}\r\n',
    ])
      assert.equal(accepted(text), false, JSON.stringify(text));
    assert.ok(accepted('{"a b":" c "}'));
  });

  test('keys sort by UTF-16 code units, not by code point or by locale', () => {
    // U+FF61 is one code unit; U+1F600 is two, starting 0xD83D < 0xFF61.
    const value = { '\uff61': 1, '😀': 2, B: 3, a: 4, '': 5 };
    assert.equal(canonicalString(value), '{"":5,"B":3,"a":4,"😀":2,"｡":1}');
    assert.ok(accepted('{"":5,"B":3,"a":4,"😀":2,"｡":1}'));
    assert.equal(accepted('{"":5,"B":3,"a":4,"｡":1,"😀":2}'), false);
  });

  test('integers in shortest decimal form; -0 is written 0; nothing else is a number', () => {
    assert.equal(canonicalString(-0), '0');
    assert.equal(canonicalString({ a: -0 }), '{"a":0}');
    for (const text of ['1.5', '1E2', '-0', '1.0e0', '0.0', '-9007199254740992', '1e400'])
      assert.equal(accepted(text), false, text);
    // Not JSON at all.
    for (const text of ['+1', '01', '.5', 'NaN', 'Infinity', '0x10'])
      assert.equal(accepted(text), false, text);
  });

  test('strings are escaped as JSON.stringify does, and only so', () => {
    const cases: Array<[string, string]> = [
      ['"', '"\\""'],
      ['\\', '"\\\\"'],
      ['\b\t\n\f\r', '"\\b\\t\\n\\f\\r"'],
      ['\u0000\u0001\u000b\u001f', '"\\u0000\\u0001\\u000b\\u001f"'],
      ['/\u007f\u2028\u2029é😀', '"/\u007f\u2028\u2029é😀"'],
    ];
    for (const [value, text] of cases) {
      assert.equal(canonicalString(value), text);
      assert.ok(accepted(text), text);
    }
    // Other spellings of the same strings.
    for (const text of [
      '"\\u0008"', // \b
      '"\\u000a"', // \n
      '"\\u001F"', // upper-case hex
      '"\\u0022"', // "
      '"\\u005c"', // \
      '"\\u007f"',
      '"\\u2028"',
      '"\\u0041"',
    ])
      assert.equal(accepted(text), false, text);
  });

  test('the text is UTF-8: invalid bytes and overlong forms are refused', () => {
    for (const bytes of [
      [0x22, 0xff, 0x22],
      [0x22, 0xc3, 0x22], // truncated
      [0x22, 0xc0, 0xaf, 0x22], // overlong "/"
      [0x22, 0xed, 0xa0, 0x80, 0x22], // an encoded surrogate
    ])
      assert.equal(accepted(new Uint8Array(bytes)), false, bytes.join(' '));
    assert.deepEqual(canonicalBytes('é'), new Uint8Array([0x22, 0xc3, 0xa9, 0x22]));
  });

  test('values outside the subset cannot be encoded, and the error names where', () => {
    const refused: Array<[unknown, RegExp]> = [
      [1.5, /safe integers/],
      [Number.NaN, /safe integers/],
      [Number.POSITIVE_INFINITY, /safe integers/],
      [2 ** 53, /safe integers/],
      [undefined, /undefined cannot be encoded/],
      [10n, /bigint cannot be encoded/],
      [() => 1, /function cannot be encoded/],
      [Symbol('s'), /symbol cannot be encoded/],
      [new Date(0), /plain objects/],
      [new Map(), /plain objects/],
      ['\ud800', /unpaired surrogates/],
      [{ '\udc00': 1 }, /well-formed/],
      [{ a: { b: [0, 0.5] } }, /^a\.b\[1\]: numbers must be safe integers$/],
    ];
    for (const [value, message] of refused)
      assert.throws(
        () => canonicalString(value),
        (e: unknown) => e instanceof CanonicalError && message.test(e.message),
        String(message),
      );
  });

  test('a member whose value is undefined is left out; null-prototype objects are plain', () => {
    assert.equal(canonicalString({ b: undefined, a: 1 }), '{"a":1}');
    const bare = Object.assign(Object.create(null), { z: 1, y: [] });
    assert.equal(canonicalString(bare), '{"y":[],"z":1}');
    // "__proto__" is an ordinary key, kept as data.
    const parsed = parseCanonical(utf8('{"__proto__":1}'));
    assert.ok(parsed.ok);
    assert.equal(canonicalString(parsed.value), '{"__proto__":1}');
  });
});

describe('properties', () => {
  /** Any value canonical JSON can carry (strings of any well-formed Unicode). */
  const value: fc.Arbitrary<Canonical> = fc.letrec<{ value: Canonical }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.maxSafeInteger(),
      fc.string({ unit: 'grapheme' }),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), tie('value'), {
        maxKeys: 5,
      }),
    ),
  })).value;

  test('round trip: the encoding is accepted and parses back to the value', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = canonicalBytes(v);
        const parsed = parseCanonical(bytes);
        assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
        assert.deepEqual(parsed.value, JSON.parse(JSON.stringify(v)));
        assert.deepEqual(canonicalBytes(parsed.value), bytes);
      }),
      { numRuns: 500 },
    );
  });

  test('the encoding is JSON.stringify with the keys sorted by code units', () => {
    const sorted = (v: Canonical): Canonical =>
      Array.isArray(v)
        ? v.map(sorted)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sorted(v[k] as Canonical)]),
            )
          : v;
    fc.assert(
      fc.property(value, (v) => {
        // Object.fromEntries would turn "__proto__" into a prototype: leave such values out.
        fc.pre(!canonicalString(v).includes('"__proto__"'));
        // Integer-like keys come first in any JS object: compare texts only where none occur.
        fc.pre(!/"\d+":/.test(canonicalString(v)));
        assert.equal(canonicalString(v), JSON.stringify(sorted(v)));
      }),
      { numRuns: 300 },
    );
  });

  test('an object with and without one member in one pass: each its canonical text', () => {
    const object = fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), value, {
      maxKeys: 8,
    });
    fc.assert(
      fc.property(object, fc.string({ unit: 'grapheme', maxLength: 6 }), (o, k) => {
        for (const omitted of [k, ...Object.keys(o)]) {
          const rest = Object.fromEntries(
            Object.entries(o).filter(([key]) => key !== omitted),
          ) as Record<string, Canonical>;
          fc.pre(!Object.keys(o).includes('__proto__'));
          const both = canonicalStringWithAndWithout(o, omitted);
          assert.equal(both.whole, canonicalString(o));
          assert.equal(both.without, canonicalString(rest));
        }
      }),
      { numRuns: 300 },
    );
    assert.throws(() => canonicalStringWithAndWithout(new Date(0), 'x'), CanonicalError);
    assert.throws(() => canonicalStringWithAndWithout([1], 'x'), CanonicalError);
    assert.throws(() => canonicalStringWithAndWithout({ a: 1.5, sig: 'x' }, 'sig'), CanonicalError);
  });

  test('pretty-printed, padded or reordered encodings of a value are refused', () => {
    fc.assert(
      fc.property(value, fc.constantFrom(' ', '\n', '\t', '\r'), (v, space) => {
        const text = canonicalString(v);
        for (const other of [
          JSON.stringify(JSON.parse(text), null, 1),
          `${space}${text}`,
          `${text}${space}`,
        ])
          if (other !== text) assert.equal(accepted(other), false, other);
      }),
      { numRuns: 300 },
    );
  });

  test('an object with its members in any other order is refused', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 4 }), {
          minLength: 2,
          maxLength: 6,
        }),
        fc.nat(),
        (keys, seed) => {
          const sorted = [...keys].sort();
          // A rotation of the sorted keys: never the sorted order itself.
          const by = 1 + (seed % (sorted.length - 1));
          const order = [...sorted.slice(by), ...sorted.slice(0, by)];
          const member = (k: string) => `${JSON.stringify(k)}:1`;
          assert.ok(accepted(`{${sorted.map(member).join(',')}}`));
          assert.equal(accepted(`{${order.map(member).join(',')}}`), false);
        },
      ),
    );
  });

  test('other spellings of a number are refused', () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.constantFrom('.0', 'e0', 'E0', '.00', 'e+0'),
        (n, tail) => {
          assert.ok(accepted(`[${n}]`));
          assert.equal(accepted(`[${n}${tail}]`), false);
          if (n >= 0) assert.equal(accepted(`[0${n}]`), false);
        },
      ),
    );
  });

  test('escaping a character that is written literally is refused', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
        fc.nat(),
        (s, at) => {
          const text = canonicalString(s);
          // The UTF-16 code units of one character that JSON.stringify writes as itself.
          const chars = [...s].filter((c) => JSON.stringify(c) === `"${c}"`);
          fc.pre(chars.length > 0);
          const c = chars[at % chars.length] as string;
          const escaped = Array.from(
            { length: c.length },
            (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`,
          ).join('');
          const other = text.replace(c, escaped);
          assert.notEqual(other, text);
          assert.equal(accepted(other), false, other);
        },
      ),
    );
  });

  test('strings with unpaired surrogates cannot be encoded, and their escapes are refused', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 4 }),
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.string({ unit: 'grapheme', maxLength: 4 }),
        (before, unit, after) => {
          // Well-formed on either side, so the lone unit stays unpaired.
          const s = `${before}${String.fromCharCode(unit)}${after}`;
          assert.throws(() => canonicalString(s), CanonicalError);
          assert.throws(() => canonicalString({ [s]: 1 }), CanonicalError);
          // JSON.stringify escapes it (\udxxx): the one way it can reach the bytes, refused.
          assert.equal(accepted(JSON.stringify(s)), false);
          assert.equal(accepted(`{${JSON.stringify(s)}:1}`), false);
        },
      ),
    );
  });
});

test('the fast spelling is the spelling by path: the same text, or the same error', () => {
  const spell = (f: (v: unknown) => string, v: unknown) => {
    try {
      return { text: f(v) };
    } catch (e) {
      return { error: String(e), path: (e as CanonicalError).path };
    }
  };
  const holes = fc.array(fc.integer(), { maxLength: 4 }).map((a) => {
    const sparse = [...a];
    sparse.length += 2; // two holes at the end
    return sparse;
  });
  const odd = fc.constantFrom<unknown>(
    -0,
    0.5,
    2 ** 53,
    Number.NaN,
    undefined,
    '\ud800',
    { '\udc00': 1 },
    { a: undefined, b: 1 },
    Object.create(null),
    new Date(0),
    new Uint8Array(2),
    () => 1,
    10n,
    Symbol('s'),
  );
  const value = fc.letrec((tie) => ({
    leaf: fc.oneof(fc.jsonValue(), fc.string({ unit: 'binary' }), odd, holes),
    node: fc.oneof(
      { depthSize: 'small' },
      tie('leaf'),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(fc.string({ unit: 'binary', maxLength: 4 }), tie('node'), { maxKeys: 4 }),
    ),
  })).node;
  fc.assert(
    fc.property(value, (v) => {
      assert.deepEqual(spell(canonicalString, v), spell(canonicalStringByPath, v));
    }),
    { numRuns: 5_000 },
  );
});

// parseCanonical first asks whether JSON.stringify of the parsed value is the
// text (and the keys sorted, the numbers safe integers): when not, it spells
// the value as the definition does. Either way its verdict must be the
// definition's, error included; and the span of a member it finds in the
// bytes must leave the canonical bytes of the object without that member.
describe('parseCanonical: the quick check and the member span', () => {
  const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const byDefinition = (bytes: Uint8Array): Result<Canonical, string> => {
    let text: string;
    try {
      text = strictDecoder.decode(bytes);
    } catch {
      return { ok: false, error: 'not valid UTF-8' };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { ok: false, error: `not valid JSON (${(e as Error).message})` };
    }
    let again: string;
    try {
      again = canonicalStringByPath(value);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    return again === text
      ? { ok: true, value: value as Canonical }
      : {
          ok: false,
          error:
            'not in canonical form (RFC 8785 subset: sorted keys, no whitespace, integers only)',
        };
  };
  // Keys the engine orders numerically ("10" after "9"), odd strings, numbers outside the subset.
  const key = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 4 }),
    fc.constantFrom('sig', '0', '1', '2', '9', '10', '01', '-1', '4294967295', 'é', '\ud800', '😀'),
  );
  const inSubset = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.constantFrom('\ud83d\ude00', '"', '\\', '\u007f', '\u2028', '\n', '"sig":1', ',"sig":"'),
  );
  const outside = fc.constantFrom(-0, 0.5, 2 ** 53, -(2 ** 53), 1e21, '\ud800', 'a\udc00');
  const tree = (leaf: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
    fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(key, tie('node'), { maxKeys: 5 }).map((d) => ({ ...d })),
      ),
    })).node;
  const value = tree(fc.oneof(inSubset, outside));
  // Spellings of a value: the engine's (its key order), the canonical one, and altered escapes.
  const spellings = (v: unknown): string[] => {
    const out = [JSON.stringify(v)];
    try {
      out.push(canonicalStringByPath(v));
    } catch {}
    for (const t of [...out]) {
      out.push(t.replace(/\\u([0-9a-f]{4})/, (_, h: string) => `\\u${h.toUpperCase()}`));
      out.push(
        t.replace(/é|😀/, (c) =>
          JSON.stringify(c)
            .slice(1, -1)
            .replace(/./gu, (x) => `\\u${x.charCodeAt(0).toString(16).padStart(4, '0')}`),
        ),
      );
      out.push(t.replace('\\n', '\\u000a'));
      out.push(t.replace(/:(-?\d+)/, ':$1.0'));
    }
    return out;
  };

  test('parseCanonical decides as the definition does, with the same error', () => {
    fc.assert(
      fc.property(value, (v) => {
        for (const text of spellings(v)) {
          const bytes = utf8(text);
          assert.deepEqual(parseCanonical(bytes), byDefinition(bytes), text);
        }
      }),
      { numRuns: 3000 },
    );
    for (const text of [
      '{"a":1,"a":1}',
      '{"10":1,"9":2}',
      '{"9":2,"10":1}',
      '"\\ud800"',
      '"\\\\ud800"',
      '{"b":1,"a":2}',
      '[9007199254740992]',
      '{"a":"\\u00e9"}',
      '{"a":"é"}',
    ])
      assert.deepEqual(parseCanonical(utf8(text)), byDefinition(utf8(text)), text);
  });

  test('the bytes without the span of a member are the canonical bytes of the object without it', () => {
    const object = fc
      .dictionary(key, tree(inSubset), { minKeys: 1, maxKeys: 6 })
      .map((d) => ({ ...d }));
    let spans = 0;
    fc.assert(
      fc.property(object, (o) => {
        let bytes: Uint8Array;
        try {
          bytes = canonicalBytes(o);
        } catch {
          return; // outside the subset: nothing to parse
        }
        for (const omitted of ['sig', ...Object.keys(o)]) {
          const parsed = parseCanonicalOmitting(bytes, omitted);
          assert.ok(parsed.ok);
          assert.deepEqual(
            parsed.value.value,
            parseCanonical(bytes).ok && JSON.parse(new TextDecoder().decode(bytes)),
          );
          const span = parsed.value.span;
          if (!Object.hasOwn(o, omitted)) {
            assert.equal(span, undefined);
            continue;
          }
          assert.ok(span);
          spans++;
          const rest = Object.fromEntries(Object.entries(o).filter(([k]) => k !== omitted));
          const cut = new Uint8Array([
            ...bytes.subarray(0, span.start),
            ...bytes.subarray(span.end),
          ]);
          assert.deepEqual(cut, canonicalBytes(rest), omitted);
        }
      }),
      { numRuns: 2000 },
    );
    assert.ok(spans > 1000, `${spans} spans`);
    for (const text of ['[1]', '"sig"', '1', 'null'])
      assert.deepEqual(parseCanonicalOmitting(utf8(text), 'sig'), {
        ok: true,
        value: { value: JSON.parse(text), span: undefined },
      });
    assert.deepEqual(parseCanonicalOmitting(utf8('{"sig":1}'), 'sig'), {
      ok: true,
      value: { value: { sig: 1 }, span: { start: 1, end: 8 } },
    });
    assert.equal(parseCanonicalOmitting(utf8('{"sig": 1}'), 'sig').ok, false);
  });
});

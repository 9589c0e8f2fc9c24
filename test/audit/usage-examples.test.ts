// The reference sampler's USAGE_EXAMPLES.md doctests, run against kura's
// consistentSample. A small interpreter handles exactly the statement forms
// the document uses (assignments of literals, range(), a list comprehension,
// sampler(...) calls, print loops); anything else fails the test, so a
// doctest cannot be passed over silently. The one known-malformed example
// (the vectors README names it) is recognised and counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consistentSample } from '../../src/audit/consistent-sampler.js';
import { readVectorText } from '../log/vectors.js';
import { type PyValue, pythonRepr, pythonStr } from './python-str.js';

interface Doctest {
  line: number;
  source: string[];
  expected: string[];
}

/** The >>> examples: source lines (>>> and ...) and the output lines after them. */
function doctests(markdown: string): Doctest[] {
  const out: Doctest[] = [];
  let current: Doctest | null = null;
  markdown.split('\n').forEach((raw, i) => {
    const line = raw.replace(/^ {4}/, '');
    const indented = raw.startsWith('    ');
    if (indented && line.startsWith('>>>')) {
      // A ">>>" right after another with no output continues it only in the malformed example.
      current = { line: i + 1, source: [line.slice(4)], expected: [] };
      out.push(current);
    } else if (indented && line.startsWith('...') && current && current.expected.length === 0) {
      current.source.push(line.slice(4));
    } else if (indented && line.trim() !== '' && current) {
      current.expected.push(line.trimEnd());
    } else current = null;
  });
  return out;
}

/** A small Python literal parser: strings, ints, floats, tuples, lists, None, True, False. */
function parseLiteral(text: string): PyValue | PyValue[] {
  let at = 0;
  const skip = () => {
    while (text[at] === ' ') at++;
  };
  const value = (): PyValue | { list: PyValue[] } => {
    skip();
    const c = text[at];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, at + 1);
      const s = text.slice(at + 1, end);
      at = end + 1;
      return s;
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      at++;
      const items: PyValue[] = [];
      skip();
      while (text[at] !== close) {
        const item = value();
        items.push(isList(item) ? item.list : item);
        skip();
        if (text[at] === ',') at++;
        skip();
      }
      at++;
      return c === '(' ? items : { list: items };
    }
    const m = /^(None|True|False|-?\d+(\.\d*)?)/.exec(text.slice(at));
    if (!m) throw new Error(`cannot parse a Python literal at "${text.slice(at)}"`);
    at += m[0].length;
    if (m[1] === 'None') return null;
    if (m[1] === 'True' || m[1] === 'False') return m[1] === 'True';
    return m[2] === undefined ? Number(m[1]) : { float: Number(m[1]) };
  };
  const v = value();
  skip();
  if (at !== text.length) throw new Error(`trailing text after a literal: "${text.slice(at)}"`);
  return isList(v) ? v.list : v;
}

function isList(v: PyValue | { list: PyValue[] }): v is { list: PyValue[] } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'list' in v;
}

type Sampled = { ticket: string; id: PyValue; generation: number };
type Value = PyValue[] | Sampled[];

/** sampler(L, seed=…, …) over the environment's lists. */
function callSampler(args: string, env: Map<string, Value>): { items: Sampled[]; output: string } {
  const [list, ...rest] = args.split(',').map((a) => a.trim());
  const ids = env.get(list as string) as PyValue[] | undefined;
  if (!ids) throw new Error(`unknown list ${list}`);
  const kw = new Map(
    rest.map((a) => {
      const [k, v] = a.split('=').map((x) => x.trim());
      return [k as string, v as string];
    }),
  );
  for (const k of kw.keys())
    if (!['seed', 'output', 'take', 'drop', 'with_replacement', 'digits'].includes(k))
      throw new Error(`unknown sampler argument ${k}`);
  const strings = ids.map(pythonStr);
  const byString = new Map(strings.map((s, i) => [s, ids[i] as PyValue]));
  const sample = consistentSample(strings, kw.get('seed') as string, {
    withReplacement: kw.get('with_replacement') === 'True',
    ...(kw.has('take') ? { take: Number(kw.get('take')) } : {}),
    ...(kw.has('drop') ? { drop: Number(kw.get('drop')) } : {}),
    ...(kw.has('digits') ? { digits: Number(kw.get('digits')) } : {}),
  });
  return {
    items: sample.map((t) => ({ ...t, id: byString.get(t.id) as PyValue })),
    output: (kw.get('output') ?? "'tuple'").replace(/'/g, ''),
  };
}

/** What print(x) shows for one sampler output in the given output format. */
function show(t: Sampled, output: string): string {
  if (output === 'id') return pythonStr(t.id);
  if (output === 'ticket')
    return `Ticket(ticket_number='${t.ticket}', id=${pythonRepr(t.id)}, generation=${t.generation})`;
  return pythonRepr([t.ticket, t.id, t.generation]);
}

const isSampled = (v: unknown): v is Sampled =>
  typeof v === 'object' && v !== null && 'ticket' in v && 'generation' in v;

type Rule = [RegExp, (m: RegExpExecArray, env: Map<string, Value>) => string[]];

/** The statement forms of the document, each with what it does; the first that matches runs. */
const RULES: Rule[] = [
  [/^from consistent_sampler import sampler$/, () => []],
  [
    /^(\w+) = range\((\d+)\)$/,
    (m, env) => {
      env.set(
        m[1] as string,
        Array.from({ length: Number(m[2]) }, (_, i) => i),
      );
      return [];
    },
  ],
  [
    /^(\w+) = \["(\w+)-\{\}"\.format\(i\) for i in range\((\d+)\)\]$/,
    (m, env) => {
      env.set(
        m[1] as string,
        Array.from({ length: Number(m[3]) }, (_, i) => `${m[2]}-${i}`),
      );
      return [];
    },
  ],
  [
    /^(\w+) = (\w+) \+ (\w+)$/,
    (m, env) => {
      const a = env.get(m[2] as string) as PyValue[];
      const b = env.get(m[3] as string) as PyValue[];
      env.set(m[1] as string, [...a, ...b]);
      return [];
    },
  ],
  [
    /^(\w+) = list\(sampler\((.*)\)\)$/,
    (m, env) => {
      const { items, output } = callSampler(m[2] as string, env);
      env.set(m[1] as string, output === 'id' ? items.map((t) => t.id) : items);
      return [];
    },
  ],
  [
    /^(\w+) = \[t for t in sampler\((.*)\) if t\[0\]<'([\d.]+)'\]$/,
    (m, env) => {
      const { items } = callSampler(m[2] as string, env);
      env.set(
        m[1] as string,
        items.filter((t) => t.ticket < (m[3] as string)),
      );
      return [];
    },
  ],
  [
    /^(\w+) = (\[.*\])$/,
    (m, env) => {
      env.set(m[1] as string, parseLiteral(m[2] as string) as PyValue[]);
      return [];
    },
  ],
  [
    /^print\((\w+)\)$/,
    (m, env) => [`[${(env.get(m[1] as string) as PyValue[]).map(pythonRepr).join(', ')}]`],
  ],
  [
    /^for (\w+) in sampler\((.*)\):\n\s+print\(\1\)$/,
    (m, env) => {
      const { items, output } = callSampler(m[2] as string, env);
      return items.map((t) => show(t, output));
    },
  ],
  [
    /^for (\w+) in (\w+):\n\s+print\(\1(\[0\])?\)(\n\s*)?$/,
    (m, env) =>
      (env.get(m[2] as string) as Value).map((t) => {
        if (!isSampled(t)) return pythonStr(t as PyValue);
        return m[3] ? t.ticket : show(t, 'tuple');
      }),
  ],
];

function run(d: Doctest, env: Map<string, Value>): string[] {
  const src = d.source.join('\n');
  for (const [pattern, action] of RULES) {
    const m = pattern.exec(src);
    if (m) return action(m, env);
  }
  throw new Error(`line ${d.line}: no rule for the statement ${JSON.stringify(src)}`);
}

test("USAGE_EXAMPLES.md: every doctest's output, from consistentSample", () => {
  const tests = doctests(readVectorText('rla', 'consistent_sampler_USAGE_EXAMPLES.md'));
  const env = new Map<string, Value>();
  let checked = 0;
  const malformed: number[] = [];
  for (const d of tests) {
    // The known doc bug: "[tkt.generation" continued on a second ">>>" line.
    if (/^\[tkt\.generation$/.test(d.source.join('\n'))) {
      malformed.push(d.line);
      continue;
    }
    const rest = /^ for tkt in sampler\((.*)\)\]$/.exec(d.source.join('\n'));
    if (rest && malformed.length === 1) {
      // Its intent, [tkt.generation for tkt in sampler(...)], is still checked.
      const { items } = callSampler(rest[1] as string, env);
      assert.deepEqual([`[${items.map((t) => t.generation).join(', ')}]`], d.expected);
      checked++;
      continue;
    }
    assert.deepEqual(run(d, env), d.expected, `USAGE_EXAMPLES.md line ${d.line}`);
    if (d.expected.length > 0) checked++;
  }
  assert.equal(malformed.length, 1, 'exactly one malformed example, the one the README names');
  assert.equal(checked, 17, 'every example with an output is checked');
});

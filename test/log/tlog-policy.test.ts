// Witness policies: the C2SP tlog-policy file format, the inline "k of ..."
// form, and applying them to cosigned checkpoints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8 } from '../../src/log/bytes.js';
import { formatCheckpoint } from '../../src/log/checkpoint.js';
import { cosignatureVerifierKey, cosigner } from '../../src/log/cosignature.js';
import { ed25519PublicKey } from '../../src/log/crypto.js';
import { ed25519Signer, generateKey, type NoteSigner, signNote } from '../../src/log/note.js';
import {
  evaluatePolicy,
  parseInlinePolicy,
  parsePolicyFile,
  type WitnessPolicy,
} from '../../src/log/tlog-policy.js';
import { checkWitnessPolicyOf } from '../../src/verify/checkpoint.js';

const seed = (s: string) => utf8(s.padEnd(32, '.')).slice(0, 32);
const now = () => 1767294000;
const W = ['x1', 'x2', 'x3', 'y1', 'y2'].map((n) => ({
  name: n,
  signer: cosigner(`witness.example/${n}`, seed(n), now),
  vkey: cosignatureVerifierKey(`witness.example/${n}`, ed25519PublicKey(seed(n))),
}));
const vk = (n: string) => W.find((w) => w.name === n)?.vkey as string;
const signer = (n: string) => W.find((w) => w.name === n)?.signer as NoteSigner;
const log = generateKey('example.com/log', seed('log'));
const logSigner = ed25519Signer('example.com/log', seed('log'));
const TEXT = formatCheckpoint({
  origin: 'example.com/log',
  size: 7,
  rootHash: new Uint8Array(32).fill(1),
  extensions: [],
});
const cosigned = (...names: string[]) => signNote(TEXT, [logSigner, ...names.map(signer)]);

function must(r: { ok: true; value: WitnessPolicy } | { ok: false; error: string }) {
  if (!r.ok) assert.fail(r.error);
  return r.value;
}

const FILE = `
# two organisations
log ${log.verifierKey} https://log.example
witness X1 ${vk('x1')} https://x1.example
witness X2 ${vk('x2')}
\twitness X3   ${vk('x3')}
group X-witnesses 2 X1 X2 X3

witness Y1 ${vk('y1')}
witness Y2 ${vk('y2')}
group Y-witnesses any Y1 Y2
group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
`;

test('a tlog-policy file with nested groups', () => {
  const p = must(parsePolicyFile(FILE));
  assert.equal(p.logs.length, 1);
  assert.equal(p.logs[0]?.url, 'https://log.example');
  assert.deepEqual(
    p.witnesses.map((w) => w.name),
    ['X1', 'X2', 'X3', 'Y1', 'Y2'],
  );
  assert.equal(p.witnesses[0]?.url, 'https://x1.example');
  const cases: Array<[string[], boolean]> = [
    [['x1', 'x2', 'y1'], true],
    [['x1', 'x3', 'y2'], true],
    [['x1', 'x2', 'x3'], false],
    [['x1', 'y1', 'y2'], false],
    [[], false],
  ];
  for (const [names, ok] of cases) {
    const o = evaluatePolicy(p, cosigned(...names));
    assert.equal(o.satisfied, ok, `${names.join(',')}: ${o.summary}`);
  }
  const o = evaluatePolicy(p, cosigned('x1', 'y1'));
  assert.deepEqual(o.cosigned, ['X1', 'Y1']);
  assert.deepEqual(o.missing, ['X2', 'X3', 'Y2']);
  assert.match(o.summary, /needs all of \(2 of \(X1, X2, X3\), 1 of \(Y1, Y2\)\)/);
  assert.match(o.summary, /missing X2, X3, Y2/);
});

test('quorum none, and a single witness as the quorum', () => {
  assert.ok(evaluatePolicy(must(parsePolicyFile('quorum none\n')), cosigned()).satisfied);
  const one = must(parsePolicyFile(`witness A ${vk('x1')}\nquorum A\n`));
  assert.ok(evaluatePolicy(one, cosigned('x1')).satisfied);
  assert.ok(!evaluatePolicy(one, cosigned('x2')).satisfied);
});

test('policy files that are refused, with the line and the reason', () => {
  const w1 = `witness A ${vk('x1')}\n`;
  const cases: Array<[string, RegExp]> = [
    ['', /no quorum line/],
    [`${w1}quorum A\nquorum A\n`, /line 3: a second quorum line/],
    [`quorum A\n${w1}`, /line 1: A is not a witness or group defined above/],
    [`${w1}witness A ${vk('x2')}\nquorum A\n`, /line 2: the name A is defined twice/],
    [`${w1}witness B ${vk('x1')}\nquorum A\n`, /line 2: witness B has the same key/],
    [`${w1}group G 2 A\nquorum G\n`, /line 2: threshold 2 of 1 members/],
    [`${w1}group G 0 A\nquorum G\n`, /threshold 0/],
    [`${w1}group G any A A\nquorum G\n`, /A is listed twice in group G/],
    [`${w1}group G any none\nquorum G\n`, /"none" cannot be a group member/],
    [`witness none ${vk('x1')}\nquorum none\n`, /"none" is reserved/],
    [`witness A ${log.verifierKey}\nquorum A\n`, /type 0x01, not cosignature\/v1/],
    [`log ${vk('x1')}\nquorum none\n`, /type 0x04, not Ed25519/],
    [`witness A ${vk('x1').slice(0, -2)}xx\nquorum A\n`, /bad witness key/],
    [`${w1}quorum A\r\n`, /line 2: control character 0x0d/],
    [`${w1}quorom A\n`, /unknown keyword "quorom"/],
    [`witness A\nquorum none\n`, /want "witness <name> <vkey> \[<url>\]"/],
  ];
  for (const [text, why] of cases) {
    const r = parsePolicyFile(text);
    assert.ok(!r.ok, `accepted: ${JSON.stringify(text)}`);
    assert.match(r.error, why);
  }
});

test('inline "k of vkeys" policies', () => {
  const p = must(parseInlinePolicy(`2 of ${vk('x1')},${vk('x2')}, ${vk('x3')}`));
  assert.deepEqual(
    p.witnesses.map((w) => w.name),
    ['witness.example/x1', 'witness.example/x2', 'witness.example/x3'],
  );
  assert.ok(evaluatePolicy(p, cosigned('x1', 'x3')).satisfied);
  const short = evaluatePolicy(p, cosigned('x2'));
  assert.ok(!short.satisfied);
  assert.match(short.summary, /missing witness\.example\/x1, witness\.example\/x3/);
  assert.ok(must(parseInlinePolicy(`all of ${vk('x1')} ${vk('x2')}`)).quorum.kind === 'group');
  for (const [text, why] of [
    [`4 of ${vk('x1')},${vk('x2')}`, /threshold 4 of 2/],
    [`0 of ${vk('x1')}`, /threshold 0 of 1/],
    [`2 of ${vk('x1')},${vk('x1')}`, /listed twice/],
    ['2 of', /want "<k> of/],
    [`1 of ${log.verifierKey}`, /not cosignature\/v1/],
  ] as const) {
    const r = parseInlinePolicy(text);
    assert.ok(!r.ok, text);
    assert.match(r.error, why);
  }
});

test('a bad cosignature line costs only that witness; the log key is never a witness', () => {
  const p = must(parseInlinePolicy(`2 of ${vk('x1')},${vk('x2')},${vk('x3')}`));
  const good = cosigned('x1', 'x2');
  // Corrupt x2's signature bytes (its line is the last one).
  const lines = good.split('\n');
  const last = lines[lines.length - 2] as string;
  lines[lines.length - 2] =
    `${last.slice(0, -6)}${last.slice(-6, -5) === 'A' ? 'B' : 'A'}${last.slice(-5)}`;
  const o = evaluatePolicy(p, lines.join('\n'));
  assert.ok(!o.satisfied);
  assert.deepEqual(o.invalid, ['witness.example/x2']);
  assert.deepEqual(o.cosigned, ['witness.example/x1']);

  const logAsWitness = cosignatureVerifierKey('example.com/log', ed25519PublicKey(seed('log')));
  const selfish = must(parseInlinePolicy(`1 of ${logAsWitness}`));
  const r = checkWitnessPolicyOf(good, selfish, log.verifierKey);
  assert.ok(!r.ok && r.error.usage);
  assert.match(r.ok ? '' : r.error.message, /the log cannot witness itself/);
  const elsewhere = must(
    parsePolicyFile(`log ${generateKey('b', seed('b')).verifierKey}\nquorum none\n`),
  );
  const r2 = checkWitnessPolicyOf(good, elsewhere, log.verifierKey);
  assert.ok(!r2.ok && r2.error.usage);
  const r3 = checkWitnessPolicyOf(cosigned('x3'), p, log.verifierKey);
  assert.ok(!r3.ok && !r3.error.usage);
  assert.match(
    r3.ok ? '' : r3.error.message,
    /does not meet the witness policy: .*missing witness\.example\/x1, witness\.example\/x2/,
  );
  assert.ok(checkWitnessPolicyOf(good, p, log.verifierKey).ok);
});

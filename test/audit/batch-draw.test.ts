// Batch draws (kura-ppeb-v1): a known answer computed by an independent Python
// reimplementation, Arlo's ticket rule against Arlo's snapshot, rounds that
// continue one sequence, zero weights never drawn, and frequencies that follow
// the weights.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type BatchDraw,
  drawBatches,
  drawBatchIds,
  ppebFraction,
  ppebTickets,
  type WeightedBatch,
} from '../../src/audit/batch-draw.js';
import { rlaVectors } from './rla-vectors.js';

const REFERENCE = join(dirname(fileURLToPath(import.meta.url)), 'ppeb_reference.py');
const PYTHON = process.env.PYTHON ?? 'python3';
const hasPython = spawnSync(PYTHON, ['--version']).status === 0;

const SEED = '38475920184756301928';
const STATIONS: WeightedBatch[] = [
  { id: '047/282/1381/01', weight: 0.5 },
  { id: '047/282/1381/02', weight: 0.2 },
  { id: '047/282/1381/03', weight: 0 },
  { id: '047/282/1382/01', weight: 0.05 },
  { id: '022/113/0601/01', weight: 1.25 },
  { id: '022/113/0601/02', weight: 0.001 },
  { id: '030/150/0777/01', weight: 0.3333333333333333 },
  { id: '030/150/0777/02', weight: 0.1 },
];

describe('kura-ppeb-v1', () => {
  test('the fraction of a draw: the first 53 bits of the hash over 2^53', () => {
    // python3: m = int.from_bytes(sha256(b"kura-ppeb-v1:38475920184756301928:1")[:8], "big") >> 11
    assert.equal(ppebFraction(SEED, 1), 1016091570167666 / 2 ** 53);
    assert.equal(String(ppebFraction(SEED, 1)), '0.11280882563276706');
    assert.equal(String(ppebFraction(SEED, 2)), '0.4023403264585693');
    assert.equal(String(ppebFraction(SEED, 3)), '0.9378759547933861');
    assert.throws(() => ppebFraction(SEED, 0), /draw numbers are whole numbers ≥ 1/);
  });

  test('a known answer, computed once by test/audit/ppeb_reference.py', () => {
    // echo '{"seed":"38475920184756301928","batches":[[id,weight] for STATIONS],"draws":16}'
    //   | python3 test/audit/ppeb_reference.py  (hashlib and Python's binary64 floats)
    const expected: [string, string][] = [
      ['047/282/1381/01', '0.211929678852388562'],
      ['022/113/0601/01', '0.9229834580306569265'],
      ['030/150/0777/01', '0.241306629077605150'],
      ['022/113/0601/01', '0.9300304189708397200'],
      ['022/113/0601/01', '0.9509827556466662373'],
      ['022/113/0601/01', '0.9579300075755969897'],
      ['022/113/0601/01', '0.9863879476783384097'],
      ['047/282/1381/01', '0.99041766803654730357'],
      ['022/113/0601/01', '0.99368974424216711825'],
      ['022/113/0601/01', '0.99544611467763707221'],
      ['047/282/1381/01', '0.99359259604613991543'],
      ['047/282/1381/01', '0.99737453983105457827'],
      ['022/113/0601/01', '0.99862834993092609413'],
      ['022/113/0601/01', '0.999089948211248623259'],
      ['030/150/0777/01', '0.395988578543262545'],
      ['022/113/0601/01', '0.999746347527922772191'],
    ];
    assert.deepEqual(
      drawBatches(STATIONS, SEED, 0, 16),
      expected.map(([id, ticket], i) => ({ draw: i + 1, id, ticket })),
    );
  });

  test('equals the independent Python reimplementation on varied weights', {
    skip: hasPython || process.env.CI ? false : `${PYTHON} not found`,
  }, () => {
    const batches: WeightedBatch[] = Array.from({ length: 300 }, (_, i) => ({
      id: `${String(i % 47).padStart(3, '0')}/${i}`,
      // Weights of very different sizes, some 0, some not exactly representable.
      weight: i % 11 === 0 ? 0 : ((i * 7919) % 1000) / 3000 + (i % 5 === 0 ? 1e-9 : 0),
    }));
    const seed = '90817263540918273645';
    const run = spawnSync(PYTHON, [REFERENCE], {
      input: JSON.stringify({ seed, batches: batches.map((b) => [b.id, b.weight]), draws: 400 }),
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const expected = JSON.parse(run.stdout) as BatchDraw[];
    assert.equal(expected.length, 400);
    assert.deepEqual(drawBatches(batches, seed, 0, 400), expected);
  });

  test("Arlo's ticket rule on Arlo's selection (test_draw_macro_sample snapshot)", () => {
    const v = rlaVectors().arlo_ppeb_batch_sample;
    const selected = v.expected_sample_size10.map(([, id]) => id);
    assert.deepEqual(
      ppebTickets(selected, v.seed_string),
      v.expected_sample_size10.map(([ticket]) => ticket),
    );
  });

  test('rounds continue one sequence: draw k depends only on the seed and k', () => {
    const all = drawBatches(STATIONS, SEED, 0, 10);
    assert.deepEqual(
      [...drawBatches(STATIONS, SEED, 0, 4), ...drawBatches(STATIONS, SEED, 4, 6)],
      all,
    );
    assert.deepEqual(drawBatches(STATIONS, SEED, 7, 3), all.slice(7));
    assert.deepEqual(drawBatches(STATIONS, SEED, 3, 0), []);
    const otherSeed = drawBatches(STATIONS, `${SEED}1`, 0, 10);
    assert.notDeepEqual(
      otherSeed.map((d) => d.id),
      all.map((d) => d.id),
    );
  });

  test('a batch of weight 0 is never drawn, wherever it stands', () => {
    const batches: WeightedBatch[] = [
      { id: 'zero-first', weight: 0 },
      { id: 'a', weight: 1e-12 },
      { id: 'zero-middle', weight: 0 },
      { id: 'b', weight: 3 },
      { id: 'zero-last', weight: 0 },
    ];
    const drawn = new Set(drawBatches(batches, SEED, 0, 3000).map((d) => d.id));
    assert.deepEqual([...drawn].sort(), ['b']);
    // The tiny weight is drawable in principle: alone with zeros, it is drawn every time.
    const tiny = drawBatches([batches[0], batches[1], batches[2]] as WeightedBatch[], SEED, 0, 50);
    assert.ok(tiny.every((d) => d.id === 'a'));
  });

  test('drawBatches draws the batches drawBatchIds names', () => {
    assert.deepEqual(
      drawBatches(STATIONS, SEED, 5, 20).map((d) => d.id),
      drawBatchIds(STATIONS, SEED, 5, 20),
    );
  });

  test('frequencies follow the weights (chi-square, fixed seed)', () => {
    const batches: WeightedBatch[] = Array.from({ length: 10 }, (_, i) => ({
      id: `s${i}`,
      weight: (i + 1) / 7,
    }));
    const n = 20_000;
    const counts = new Map<string, number>();
    // The ids alone (drawBatches also chains each repeat's ticket, thousands deep here).
    for (const id of drawBatchIds(batches, '11223344556677889900', 0, n))
      counts.set(id, (counts.get(id) ?? 0) + 1);
    const total = batches.reduce((s, b) => s + b.weight, 0);
    const chiSquare = (expectedShare: (b: WeightedBatch) => number) =>
      batches.reduce((sum, b) => {
        const expected = n * expectedShare(b);
        return sum + ((counts.get(b.id) ?? 0) - expected) ** 2 / expected;
      }, 0);
    // 9 degrees of freedom: P(chi2 > 40) < 1e-5, a generous bound for one fixed seed.
    const proportional = chiSquare((b) => b.weight / total);
    assert.ok(proportional < 40, `chi-square ${proportional} against the weights`);
    // The same check rejects draws that ignore the weights.
    const uniform = chiSquare(() => 1 / batches.length);
    assert.ok(uniform > 40, `chi-square ${uniform} against equal weights`);
  });

  test('refuses repeated ids, bad weights, nothing to draw, bad counts', () => {
    assert.throws(
      () =>
        drawBatches(
          [
            { id: 'a', weight: 1 },
            { id: 'a', weight: 2 },
          ],
          SEED,
          0,
          1,
        ),
      /"a" is listed twice/,
    );
    for (const weight of [-1, Number.NaN, Number.POSITIVE_INFINITY])
      assert.throws(() => drawBatches([{ id: 'a', weight }], SEED, 0, 1), /weights are finite/);
    assert.throws(
      () => drawBatches([{ id: 'a', weight: 0 }], SEED, 0, 1),
      /no batch has a positive weight/,
    );
    assert.throws(() => drawBatches([], SEED, 0, 1), /no batch has a positive weight/);
    assert.throws(() => drawBatches(STATIONS, SEED, -1, 1), /fromDraw must be/);
    assert.throws(() => drawBatches(STATIONS, SEED, 0, 1.5), /count must be/);
  });
});

// The bench's submissions test sends what it says: every station's six
// results, each entry signed on its own by the station's device and valid
// under the election's rules, as one batch body (how devices send) and as one
// body per result; the tests get disjoint stations; receipts are counted per
// result in a batch's answer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { presign } from '../../src/bench/election.js';
import { CONTESTS, slice } from '../../src/bench/engine.js';
import { parseOptions } from '../../src/bench/options.js';
import { receiptCount } from '../../src/bench/send.js';
import { ElectionIndex } from '../../src/election/election-index.js';
import type { ResultEntry } from '../../src/election/entries.js';
import { checkResult } from '../../src/election/rules.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';

test('every station: six results signed on their own, as one batch and as singles', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'kura-bench-test-'));
  try {
    const def = syntheticDefinition({
      stations: 40,
      logOrigin: 'bench.test/log',
      logKey: 'unused',
      commissionKey: 'unused',
    });
    writeFileSync(join(dir, 'definition.json'), JSON.stringify(def));
    const index = new ElectionIndex(def);
    const signed = presign(dir);
    assert.equal(signed.stations.length, 40);
    assert.equal(signed.entries, 40 * CONTESTS);
    for (const [i, s] of signed.stations.entries()) {
      const { results } = JSON.parse(s.batch) as { results: ResultEntry[] };
      assert.deepEqual(
        results.map((e) => e.contest),
        def.contests.map((c) => c.id),
      );
      assert.deepEqual(
        s.singles.map((b) => JSON.parse(b)),
        results,
      );
      for (const e of results) {
        assert.equal(e.station, def.stations[i]?.code);
        const checked = checkResult(index, e);
        assert.ok(checked.ok, checked.ok ? '' : checked.error.message);
      }
    }

    const o = parseOptions(['--quick', '--stations', '16', '--concurrency', '4,8', '--rate', '6']);
    assert.ok(o);
    const s = slice(signed.stations, { ...o, seconds: 1, publicNight: false });
    assert.deepEqual(
      s.throughput.map((t) => [t.concurrency, t.batched, t.results]),
      [
        [4, true, 4 * CONTESTS],
        [4, false, 4 * CONTESTS],
        [8, true, 4 * CONTESTS],
        [8, false, 4 * CONTESTS],
      ],
    );
    const [batched, single] = s.throughput;
    assert.equal(batched?.bodies.length, 4);
    assert.equal(single?.bodies.length, 4 * CONTESTS);
    // No result is sent twice across the tests.
    const sent = [
      ...s.warmup.flatMap((b) => (JSON.parse(b) as { results: unknown[] }).results),
      ...s.throughput.flatMap((t) =>
        t.batched
          ? t.bodies.flatMap((b) => (JSON.parse(b) as { results: unknown[] }).results)
          : t.bodies.map((b) => JSON.parse(b)),
      ),
      ...[...s.latency, ...s.reads].map((b) => JSON.parse(b)),
    ].map((e) => (e as ResultEntry).sig);
    assert.equal(new Set(sent).size, sent.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a batch answer is counted as the receipts it carries', () => {
  const receipt = (i: number) => ({ index: i, duplicate: false, flags: [], receipt: `r${i}` });
  assert.equal(receiptCount(JSON.stringify({ results: [0, 1, 2, 3, 4, 5].map(receipt) })), 6);
  assert.equal(receiptCount(JSON.stringify(receipt(7))), 1);
  assert.equal(receiptCount('{"error":{"code":"BUSY"}}'), 0);
});

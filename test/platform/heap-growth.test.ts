// The server's bound on V8's heap growth (platform/heap-growth.ts): in a child
// process that keeps a live set and churns garbage long-lived enough to be
// promoted, as a writer under load does, the old space stays near the live
// heap with the bound, where V8's default lets it reach about four times it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { boundHeapGrowth, HEAP_GROWING_PERCENT } from '../../src/platform/heap-growth.js';

const MODULE = new URL('../../src/platform/heap-growth.ts', import.meta.url).href;

/** Peak old-space size and live old space (MiB) of a child churning garbage, bounded or not. */
function churn(bounded: boolean): { peak: number; live: number } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    if (${bounded}) (await import(${JSON.stringify(MODULE)})).boundHeapGrowth();
    const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
    const live = [];
    for (let i = 0; i < 300_000; i++) live.push({ i, s: 'live ' + i, a: [i, i + 1] });
    // Survives a few scavenges, so it is promoted before it dies.
    const ring = new Array(100_000);
    let peak = 0;
    for (let k = 0; k < 2_000_000; k++) {
      ring[k % ring.length] = { k, s: 'garbage ' + k, a: [k, k] };
      if (k % 5000 === 0) peak = Math.max(peak, oldSpace().space_size);
    }
    globalThis.gc();
    console.log(JSON.stringify({ peak: peak / 2 ** 20, live: oldSpace().space_used_size / 2 ** 20, kept: live.length + ring.length }));
  `;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('with the bound, the old space stays within about 1.5 times the live heap', (t) => {
  const bounded = churn(true);
  t.diagnostic(
    `bounded: peak old space ${bounded.peak.toFixed(0)} MiB over ${bounded.live.toFixed(0)} MiB live`,
  );
  assert.ok(bounded.live > 40, `${bounded.live} MiB live`);
  // The factor, plus what is promoted while a collection is under way.
  assert.ok(
    bounded.peak <= bounded.live * 2.2,
    `peak old space ${bounded.peak.toFixed(0)} MiB, live ${bounded.live.toFixed(0)} MiB`,
  );
  const free = churn(false);
  t.diagnostic(
    `V8's default: peak old space ${free.peak.toFixed(0)} MiB over ${free.live.toFixed(0)} MiB live`,
  );
});

test("an operator's own --heap-growing-percent is left alone", () => {
  assert.equal(boundHeapGrowth(80, ['--heap-growing-percent=80']), null);
  assert.equal(boundHeapGrowth(80, ['--heap_growing_percent', '80']), null);
  assert.equal(boundHeapGrowth(HEAP_GROWING_PERCENT, ['--max-old-space-size=4096']), 50);
});

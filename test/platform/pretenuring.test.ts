// The server turns V8's allocation-site pretenuring off (platform/pretenuring.ts).
// In a child process that holds a large live set (as a server holds its
// fold), one function first makes objects that survive (results waiting for
// their batch), then the same objects dying at once (reads). With V8's
// default the site stays pretenured and the dying objects fill the old
// generation; with pretenuring off they die young.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { stopPretenuring } from '../../src/platform/pretenuring.js';

const MODULE = new URL('../../src/platform/pretenuring.ts', import.meta.url).href;

/** MiB the old generation grew by while short-lived objects were made. */
function promotedWhileReading(stopped: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    if (${stopped}) (await import(${JSON.stringify(MODULE)})).stopPretenuring();
    const held = Array.from({ length: 1_500_000 }, (_, i) => ({ held: i, name: 'held ' + i }));
    function make(i) { return { i, s: 'x', a: [i, i] }; }
    let waiting = [];
    for (let r = 0; r < 3; r++) { for (let i = 0; i < 500_000; i++) waiting.push(make(i)); waiting = []; }
    const oldUsed = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
    const ring = new Array(16);
    let promoted = 0;
    let last = oldUsed();
    for (let i = 0; i < 4_000_000; i++) {
      ring[i & 15] = make(i);
      if ((i & 0xfff) === 0) { const u = oldUsed(); if (u > last) promoted += u - last; last = u; }
    }
    console.log(JSON.stringify({ promoted: promoted / 2 ** 20, held: held.length }));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { promoted: number }).promoted;
}

test('with pretenuring off, objects that die at once stay out of the old generation', (t) => {
  const stopped = promotedWhileReading(true);
  const pretenured = promotedWhileReading(false);
  t.diagnostic(
    `old generation grew ${stopped.toFixed(0)} MiB with pretenuring off, ${pretenured.toFixed(0)} MiB with V8's default`,
  );
  // 4,000,000 objects of about 100 bytes: V8's default sends them to the old
  // generation (so this V8 still pretenures, and the test can tell).
  assert.ok(pretenured > 200, `V8's default: ${pretenured.toFixed(0)} MiB`);
  assert.ok(stopped < 50, `pretenuring off: ${stopped.toFixed(0)} MiB`);
});

test("an operator's own pretenuring flag is left alone", () => {
  assert.equal(stopPretenuring(['--allocation-site-pretenuring']), false);
  assert.equal(stopPretenuring(['--no-allocation_site_pretenuring']), false);
  assert.equal(stopPretenuring(['--max-old-space-size=4096']), true);
});

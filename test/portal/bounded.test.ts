// Verify's fetches run at most six at a time (web/src/bounded.ts): each item
// once, never more in flight than the limit, and all of them done.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBounded } from '../../web/src/bounded.js';

const FETCHES_AT_ONCE = 6;

test('every item once, at most the limit in flight, the limit reached', async () => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  const pending: Array<() => void> = [];
  const done: number[] = [];
  let inFlight = 0;
  let most = 0;
  const all = forEachBounded(items, FETCHES_AT_ONCE, async (i) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise<void>((r) => pending.push(r));
    inFlight--;
    done.push(i);
  });
  // Release the fetches one by one, as a server answers them.
  while (done.length < items.length) {
    await new Promise((r) => setImmediate(r));
    assert.ok(inFlight <= FETCHES_AT_ONCE, `${inFlight} in flight`);
    pending.shift()?.();
  }
  await all;
  assert.equal(most, FETCHES_AT_ONCE);
  assert.deepEqual(
    [...done].sort((a, b) => a - b),
    items,
  );
});

test('fewer items than the limit, and none', async () => {
  const seen: number[] = [];
  await forEachBounded([1, 2], 6, async (i) => {
    seen.push(i);
  });
  assert.deepEqual(seen, [1, 2]);
  await forEachBounded([], 6, async () => assert.fail('no work'));
});

// The portal's polling fallback, as the pure schedule it follows (no clock):
// 4 s doubling to 60 s while polls bring nothing new, back to 4 s on news,
// each wait jittered between half and all of it; a hidden page waits longer;
// a refused stream is asked for again after 30–60 s.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  POLL_BASE_MS,
  POLL_MAX_MS,
  pollDelay,
  STREAM_RETRY_MS,
  streamRetryDelay,
} from '../../web/src/live-schedule.js';

const least = () => 0;
const most = () => 0.999_999;

test('the wait doubles from 4 s to 60 s while nothing changes, and news resets it', () => {
  assert.equal(POLL_BASE_MS, 4_000);
  assert.equal(POLL_MAX_MS, 60_000);
  const ceilings = [0, 1, 2, 3, 4, 5, 9, 40].map((quiet) => pollDelay(quiet, most));
  assert.deepEqual(ceilings, [4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  // News (quiet 0) is the base again, however long it was quiet before.
  assert.equal(pollDelay(0, most), 4_000);
});

test('each wait is jittered between half and all of it', () => {
  assert.deepEqual(
    [0, 1, 4].map((quiet) => pollDelay(quiet, least)),
    [2_000, 4_000, 30_000],
  );
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const d = pollDelay(2, random);
    assert.ok(d >= 8_000 && d <= 16_000, String(d));
    seen.add(d);
  }
  assert.ok(seen.size > 100, 'a crowd spreads out');
});

test('a hidden page waits four times longer, never past 60 s', () => {
  assert.equal(pollDelay(0, most, true), 16_000);
  assert.equal(pollDelay(1, most, true), 32_000);
  assert.equal(pollDelay(3, most, true), 60_000);
});

test('a refused stream is asked for again after 30 to 60 s', () => {
  assert.equal(STREAM_RETRY_MS, 60_000);
  assert.equal(streamRetryDelay(least), 30_000);
  assert.equal(streamRetryDelay(most), 60_000);
});

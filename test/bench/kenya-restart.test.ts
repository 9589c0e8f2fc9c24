// The restarted writer's start-up check, read from the line it logs on
// stderr (pino JSON) among other output (src/bench/kenya-restart.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStartupCheck } from '../../src/bench/kenya-restart.js';

test('the start-up check line gives the entries, the rest, and their times', () => {
  const stderr = [
    '  start-up check: entries replayed   1000/276710',
    JSON.stringify({ level: 30, msg: 'listening' }),
    JSON.stringify({
      level: 30,
      entries: 276_710,
      tailEntries: 276_710,
      tiles: 1087,
      checkpoints: 324,
      derivedRows: 287_454,
      ms: 38_240,
      entriesMs: 30_760,
      msg: 'start-up check: 276710 entries, 1087 tiles, ... agree with the log (38.2 s, of which the entries 30.8 s)',
    }),
    '',
  ].join('\n');
  assert.deepEqual(parseStartupCheck(stderr), {
    entries: 276_710,
    tiles: 1087,
    checkpoints: 324,
    derivedRows: 287_454,
    seconds: 38.2,
    entriesSeconds: 30.8,
    keptEntries: 0,
    tailEntries: 276_710,
  });
  // A start that continued its kept fold says how many entries it held.
  const kept = stderr.replace('"entriesMs":30760', '"entriesMs":30760,"keptEntries":276710');
  assert.equal(parseStartupCheck(kept)?.keptEntries, 276_710);
});

test('no start-up check line: null, not a made-up split', () => {
  assert.equal(parseStartupCheck('  start-up check: entries replayed 5/10\nkura: serving\n'), null);
});

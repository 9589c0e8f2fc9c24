// The writer's StatisticsKeeper on a real embedded store: it takes the
// planner's statistics once the log is big enough, says so as an event, does
// nothing more while the log has not grown, and after close() checks nothing.
// A writer that has just taken over asks for its first check later.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { silentReporter } from '../../src/platform/reporter.js';
import type { EventId, ServerReporter } from '../../src/server/events.js';
import { StatisticsKeeper } from '../../src/server/statistics-keeper.js';
import { openStore } from '../../src/store/open.js';
import { batch } from '../store/fixtures.js';
import { freshDataDir } from '../store/helpers.js';

test('the writer takes the statistics once the log is big enough, and says so', async () => {
  const t = await freshDataDir();
  const store = await openStore({ dataDir: t.dir, log: silentReporter });
  const events: Array<[EventId, Record<string, unknown>]> = [];
  const warnings: string[] = [];
  const log: ServerReporter = {
    ...silentReporter,
    warn: (msg) => warnings.push(msg),
    event: (id, fields = {}) => events.push([id, fields]),
  };
  let size = 0;
  // A pause no test run reaches: every check here is asked for.
  const keeper = new StatisticsKeeper({ store, logSize: () => size, everyMs: 3_600_000, log });
  try {
    keeper.start();
    await keeper.checkNow();
    assert.equal(events.length, 0, 'an empty log: nothing to take');
    await store.appendBatch(batch(0, 1500));
    size = 1500;
    await keeper.checkNow();
    assert.equal(events.length, 1);
    const [id, fields] = events[0] as [EventId, Record<string, unknown>];
    assert.equal(id, 'statistics-refreshed');
    assert.deepEqual(
      { ...fields, ms: 0 },
      {
        tables: 'entries tiles station_results tallies checkpoints',
        before: -1,
        after: 1500,
        ms: 0,
      },
    );
    await keeper.checkNow();
    assert.equal(events.length, 1, 'the log has not grown');
    assert.deepEqual(warnings, []);
    await keeper.close();
    size = 100_000;
    await keeper.checkNow();
    assert.equal(events.length, 1, 'closed: no more checks');
  } finally {
    await keeper.close();
    await store.close();
    t.remove();
  }
});

test('a first check asked for later is not made at start, and is made then', async () => {
  const t = await freshDataDir();
  const store = await openStore({ dataDir: t.dir, log: silentReporter });
  const events: EventId[] = [];
  const log: ServerReporter = { ...silentReporter, event: (id) => events.push(id) };
  // The keeper's checks, counted as they are asked of the store (a check asks at
  // once); answered without the database while the timers are mocked.
  let asked = 0;
  let real = false;
  const refresh = store.refreshStatistics.bind(store);
  store.refreshStatistics = (size) => {
    asked++;
    return real ? refresh(size) : Promise.resolve(null);
  };
  try {
    mock.timers.enable({ apis: ['setTimeout'] });
    const later = new StatisticsKeeper({ store, logSize: () => 1500, everyMs: 30_000, log });
    try {
      later.start(30_000);
      assert.equal(asked, 0, 'started with its first check 30 s on: none now');
      mock.timers.tick(29_999);
      assert.equal(asked, 0);
      mock.timers.tick(1);
      assert.equal(asked, 1, 'the first check, 30 s on');
    } finally {
      mock.timers.reset();
      await later.close();
    }
    // Started at once (a writer that did not take over), it asks straight away.
    real = true;
    await store.appendBatch(batch(0, 1500));
    const atOnce = new StatisticsKeeper({ store, logSize: () => 1500, everyMs: 3_600_000, log });
    atOnce.start();
    assert.equal(asked, 2, 'asked at start');
    await atOnce.close();
    assert.deepEqual(events, ['statistics-refreshed']);
  } finally {
    await store.close();
    t.remove();
  }
});

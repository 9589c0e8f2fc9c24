// The writer's StatisticsKeeper on a real embedded store: it takes the
// planner's statistics once the log is big enough, says so as an event, does
// nothing more while the log has not grown, and after close() checks nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
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

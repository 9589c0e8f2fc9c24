// Store.snapshot: a reader's start-up check reads the log in many queries
// while the writer appends, so it reads through one snapshot, which does not
// see a batch committed after it began (and cannot write).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentReporter } from '../../src/platform/reporter.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, postgresAvailable } from '../helpers/postgres.js';
import { skipIfMissing } from '../helpers/required.js';
import { batch } from './fixtures.js';

// PostgreSQL: on PGlite there is one session, so nothing can commit during a snapshot.
const skip = skipIfMissing(await postgresAvailable(), 'PostgreSQL');

describe('a snapshot of a PostgreSQL store', { skip }, () => {
  let db: { url: string; drop(): Promise<void> };
  let store: Store;
  before(async () => {
    db = await createTestDatabase();
    store = await openStore({ url: db.url, log: silentReporter });
    await store.appendBatch(batch(0, 3));
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  test('does not see a batch committed while it is open', async () => {
    const seen = await store.snapshot(async (view) => {
      const before = { size: await view.treeSize(), rows: await view.entryRowExtent() };
      await store.appendBatch(batch(3, 2));
      const after = { size: await view.treeSize(), rows: await view.entryRowExtent() };
      return { before, after };
    });
    assert.deepEqual(seen.before, { size: 3, rows: { count: 3, maxIndex: 2 } });
    assert.deepEqual(seen.after, seen.before);
    assert.equal(await store.treeSize(), 5, 'the batch is there once the snapshot ends');
  });

  test('cannot write', async () => {
    await assert.rejects(
      store.snapshot((view) => view.appendBatch(batch(5, 1))),
      /read-only/,
    );
    assert.equal(await store.treeSize(), 5);
  });
});

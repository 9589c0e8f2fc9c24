// Genesis is atomic (issue 19, item 5): a first start killed (SIGKILL) at any
// step leaves the store either empty or complete (entry 0, its tile, the
// definition, its hash in meta, the checkpoint of size 1), and the next start
// serves it. Also: stores left half-made by older versions (entry 0 without
// the meta row, or without the definition) are completed on start.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { leafHash } from '../../src/log/merkle.js';
import { TiledLogBuilder } from '../../src/log/tiles.js';
import { silentReporter } from '../../src/platform/reporter.js';
import { type StartStep, startLog } from '../../src/server/start.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { createTestDatabase, testBackends } from '../helpers/postgres.js';
import { crash, freshDataDir, spawnChild } from '../store/helpers.js';
import { crashElection } from './first-start-election.js';

const CHILD = fileURLToPath(new URL('./first-start-child.ts', import.meta.url));
const STEPS: Array<{ step: StartStep; committed: boolean }> = [
  { step: 'genesis', committed: false },
  { step: 'genesis-before-commit', committed: false },
  { step: 'genesis-durable', committed: true },
  { step: 'checked', committed: true },
  { step: 'signed', committed: true },
  { step: 'serving', committed: true },
];

const e = crashElection();

/** A fresh empty store location: a PGlite data directory or a PostgreSQL database. */
async function freshLocation(
  backend: 'pglite' | 'postgres',
): Promise<{ where: string; open(): Promise<SqlStore>; remove(): Promise<void> }> {
  if (backend === 'pglite') {
    const d = await freshDataDir();
    return {
      where: d.dir,
      open: () => openStore({ dataDir: d.dir, log: silentReporter }),
      remove: async () => d.remove(),
    };
  }
  const db = await createTestDatabase();
  return {
    where: db.url,
    open: () => openStore({ url: db.url, log: silentReporter }),
    remove: db.drop,
  };
}

/** What a first start leaves: nothing at all, or all of it. */
async function assertEmptyOrComplete(store: SqlStore, committed: boolean): Promise<void> {
  const count = async (table: string) =>
    Number((await store.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);
  const size = await store.treeSize();
  if (!committed) {
    assert.equal(size, 0);
    for (const table of ['entries', 'tiles', 'checkpoints', 'blobs', 'meta'])
      assert.equal(await count(table), 0, `${table} is empty`);
    return;
  }
  assert.equal(size, 1);
  const entry0 = await store.getEntry(0);
  assert.deepEqual(entry0?.data, e.genesis.entryBytes);
  assert.equal(await store.getMeta('definition-sha256'), e.genesis.definitionSha256);
  assert.deepEqual(
    (await store.getBlob(e.genesis.definitionSha256))?.data,
    e.genesis.definitionBytes,
  );
  const tile = await store.getTile(0, 0);
  assert.deepEqual(tile?.data, leafHash(e.genesis.entryBytes));
  const cp = await store.latestCheckpoint();
  assert.equal(cp?.size, 1);
}

for (const backend of await testBackends()) {
  describe(`a first start killed at each step, on ${backend}`, () => {
    for (const { step, committed } of STEPS) {
      test(`killed at "${step}": the store is ${committed ? 'complete' : 'empty'}, and the next start serves it`, async () => {
        const loc = await freshLocation(backend);
        try {
          const child = spawnChild([loc.where, step], CHILD);
          await child.waitFor(new RegExp(`^step ${step}$`));
          await crash(child);
          const store = await loc.open();
          try {
            await assertEmptyOrComplete(store, committed);
            const running = await startLog({
              store,
              genesis: e.genesis,
              signer: e.signer(),
              signatureThreads: 0,
            });
            try {
              const cp = await running.app.inject({ method: 'GET', url: '/log/checkpoint' });
              assert.equal(cp.statusCode, 200);
              assert.match(cp.body, /^kura\.test\/crash\n1\n/);
              const tally = await running.app.inject({
                method: 'GET',
                url: '/api/v1/tally/president',
              });
              assert.equal(tally.statusCode, 200, tally.body);
            } finally {
              await running.close();
            }
            await assertEmptyOrComplete(store, true);
          } finally {
            await store.close();
          }
        } finally {
          await loc.remove();
        }
      });
    }
  });

  describe(`stores half-made by older versions, on ${backend}`, () => {
    /** Entry 0 and its tile as the old genesis appended them, apart from the rest. */
    async function oldEntry0(store: SqlStore): Promise<void> {
      const lh = leafHash(e.genesis.entryBytes);
      await store.appendBatch({
        startIndex: 0,
        entries: [
          {
            index: 0,
            data: e.genesis.entryBytes,
            leafHash: lh,
            kind: 'election',
            contest: null,
            station: null,
          },
        ],
        tiles: TiledLogBuilder.empty().append([lh]).changedTiles,
        stationResults: [],
        tallies: [],
      });
    }

    test('entry 0 and the definition without the meta row (killed between them): the start completes it', async (t) => {
      const loc = await freshLocation(backend);
      // Removed however the test ends (also when the store does not open or close).
      t.after(() => loc.remove());
      const store = await loc.open();
      try {
        await store.putBlob({
          sha256: e.genesis.definitionSha256,
          contentType: 'application/json',
          data: e.genesis.definitionBytes,
        });
        await oldEntry0(store);
        assert.equal(await store.getMeta('definition-sha256'), null);
        // With or without the election given, as later starts are run.
        const reader = await startLog({ store, signer: null });
        await reader.close();
        const running = await startLog({ store, signer: e.signer(), signatureThreads: 0 });
        await running.close();
        await assertEmptyOrComplete(store, true);
      } finally {
        await store.close();
      }
    });

    test('entry 0 without its definition: stored again from the election given', async (t) => {
      const loc = await freshLocation(backend);
      // Removed however the test ends (also when the store does not open or close).
      t.after(() => loc.remove());
      const store = await loc.open();
      try {
        await oldEntry0(store);
        await assert.rejects(
          startLog({ store, signer: null }),
          /definition entry 0 commits to .* is missing from the store; start once with --election/,
        );
        const running = await startLog({
          store,
          genesis: e.genesis,
          signer: e.signer(),
          signatureThreads: 0,
        });
        await running.close();
        await assertEmptyOrComplete(store, true);
        assert.equal(
          createHash('sha256')
            .update((await store.getBlob(e.genesis.definitionSha256))?.data ?? '')
            .digest('hex'),
          e.genesis.definitionSha256,
        );
      } finally {
        await store.close();
      }
    });
  });
}

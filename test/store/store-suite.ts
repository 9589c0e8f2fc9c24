// The Store contract, as node:test tests that run against any engine (Hono
// style): runStoreSuite(name, newStore) registers them; pglite.test.ts and
// postgres.test.ts call it with their own factories. Every test runs on every
// engine: what differs between engines comes from the factory, not from a
// test asking which engine it has. The officials' AccountStore is part of it.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { NO_PASSWORD } from '../../src/store/account-store.js';
import {
  STATISTICS_FROM,
  type Store,
  StoreConflictError,
  StoreDuplicateResultError,
  type StoredEntry,
} from '../../src/store/store.js';
import { awkwardBytes, batch, entry, leafHash, tile } from './fixtures.js';

export interface StoreHandle {
  store: Store;
  /**
   * Runs a statement on the store's database behind the store's back, as
   * someone with the database's password could: the log's tables must refuse
   * to change even so.
   */
  behindItsBack(sql: string, params?: unknown[]): Promise<unknown>;
  cleanup(): Promise<void>;
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Ranges [a, b) of a 10-entry log for the page reads: inside, all of it, past its end, beyond it, reversed. */
const PAGE_RANGES = [
  [2, 7],
  [0, 10],
  [8, 100],
  [10, 20],
  [7, 3],
] as const;

export function runStoreSuite(name: string, newStore: () => Promise<StoreHandle>): void {
  const t = (title: string, fn: (store: Store, h: StoreHandle) => Promise<void>) =>
    test(title, async () => {
      const h = await newStore();
      try {
        await fn(h.store, h);
      } finally {
        await h.cleanup();
      }
    });

  describe(`Store contract: ${name}`, () => {
    t('a new store is empty', async (s) => {
      assert.equal(await s.treeSize(), 0);
      assert.deepEqual(await s.getEntries(0, 10), []);
      assert.equal(await s.getEntry(0), null);
      assert.equal(await s.findResult('c1', 's0'), null);
      assert.equal(await s.getTile(0, 0), null);
      assert.deepEqual(await s.getEdgeTiles(), []);
      assert.equal(await s.latestCheckpoint(), null);
      assert.equal(await s.getBlob('0'.repeat(64)), null);
      assert.equal(await s.hasBlob('0'.repeat(64)), false);
      assert.equal(await s.getTally('c1', ''), null);
      assert.deepEqual(await s.listTallies('c1', ['', 'u1']), []);
      assert.deepEqual(await s.getStationResults('s0'), []);
      assert.equal(await s.getMeta('k'), null);
    });

    t('appended entries read back byte-exact, in order', async (s) => {
      const first: StoredEntry[] = [
        entry(0, { kind: 'election', size: 5000 }),
        entry(1, { size: 0 }),
        entry(2, { kind: 'note', contest: 'c1', station: null }),
        entry(3, { size: 256 * 1024 }),
        { ...entry(4), contest: 'ünïcode "c" \\ 🗳', station: "o'brien" },
      ];
      await s.appendBatch({
        startIndex: 0,
        entries: first,
        tiles: [],
        stationResults: [],
        tallies: [],
      });
      const second = batch(5, 20).entries;
      await s.appendBatch({
        startIndex: 5,
        entries: second,
        tiles: [],
        stationResults: [],
        tallies: [],
      });
      const all = [...first, ...second];
      assert.equal(await s.treeSize(), 25);
      const got = await s.getEntries(0, 25);
      assert.equal(got.length, 25);
      for (let i = 0; i < all.length; i++) {
        const g = got[i] as StoredEntry;
        assert.deepEqual(g, all[i], `entry ${i}`);
        assert.ok(g.data instanceof Uint8Array);
        assert.deepEqual(g.leafHash, leafHash(g.data));
      }
      assert.deepEqual(await s.getEntry(3), all[3]);
      assert.deepEqual(await s.getEntry(4), all[4]);
      assert.equal(await s.getEntry(25), null);
    });

    t('getEntries ranges', async (s) => {
      await s.appendBatch(batch(0, 10));
      const idx = async (a: number, b: number) => (await s.getEntries(a, b)).map((e) => e.index);
      assert.deepEqual(await idx(2, 5), [2, 3, 4]);
      assert.deepEqual(await idx(0, 1), [0]);
      assert.deepEqual(await idx(8, 100), [8, 9]);
      assert.deepEqual(await idx(10, 20), []);
      assert.deepEqual(await idx(5, 5), []);
      assert.deepEqual(await idx(7, 3), []);
      await assert.rejects(s.getEntries(-1, 3), RangeError);
      await assert.rejects(s.getEntries(0.5, 3), RangeError);
    });

    t('getEntryPage packs the same rows as getEntries', async (s) => {
      await s.appendBatch(batch(0, 10));
      for (const [a, b] of PAGE_RANGES) {
        const rows = await s.getEntries(a, b);
        const page = await s.getEntryPage(a, b);
        assert.deepEqual(
          page.indexes,
          rows.map((r) => r.index),
        );
        rows.forEach((r, k) => {
          assert.deepEqual(page.bytes.slice(page.offsets[k], page.offsets[k + 1]), r.data);
          assert.deepEqual(page.leafHashes.slice(k * 32, k * 32 + 32), r.leafHash);
          assert.deepEqual(
            [page.kinds[k], page.contests[k], page.stations[k]],
            [r.kind, r.contest, r.station],
          );
        });
        assert.equal(page.offsets.length, rows.length + 1);
      }
      await assert.rejects(s.getEntryPage(-1, 3), RangeError);
    });

    t('a batch with the wrong startIndex conflicts and writes nothing', async (s) => {
      await s.appendBatch(batch(0, 3, { tallies: [{ contest: 'c1', unit: '', tally: { v: 1 } }] }));
      for (const start of [0, 2, 4, 100]) {
        const err = await s
          .appendBatch(
            batch(start, 2, {
              tiles: [tile(0, 0, 5)],
              stationResults: [{ contest: 'c1', station: 'sX', entryIndex: 0, result: { x: 1 } }],
              tallies: [{ contest: 'c1', unit: '', tally: { v: 2 } }],
            }),
          )
          .then(
            () => null,
            (e: unknown) => e,
          );
        assert.ok(err instanceof StoreConflictError, `start ${start}: ${err}`);
        assert.equal(err.expected, start);
        assert.equal(err.actual, 3);
      }
      assert.equal(await s.treeSize(), 3);
      assert.equal((await s.getEntries(0, 100)).length, 3);
      assert.equal(await s.getTile(0, 0), null);
      assert.deepEqual(await s.getStationResults('sX'), []);
      assert.deepEqual((await s.getTally('c1', ''))?.tally, { v: 1 });
      // The store is still usable at the right index.
      await s.appendBatch(batch(3, 1));
      assert.equal(await s.treeSize(), 4);
    });

    t('entries must be numbered from startIndex', async (s) => {
      const b = batch(0, 3);
      const entries = [...b.entries];
      entries[1] = entry(7);
      await assert.rejects(s.appendBatch({ ...b, entries }), RangeError);
      assert.equal(await s.treeSize(), 0);
    });

    t(
      'a duplicate (contest, station) result is refused by the database and the whole batch rolls back',
      async (s) => {
        await s.appendBatch({
          ...batch(0, 2),
          tallies: [{ contest: 'c1', unit: '', tally: { before: true } }],
        });
        // Entry 3 repeats entry 0's (c1, s0); everything else in the batch is new.
        const entries = [entry(2), { ...entry(3), station: 's0' }, entry(4)];
        const err = await s
          .appendBatch({
            startIndex: 2,
            entries,
            tiles: [tile(0, 0, 5)],
            stationResults: [{ contest: 'c1', station: 's2', entryIndex: 2, result: 1 }],
            tallies: [{ contest: 'c1', unit: '', tally: { before: false } }],
          })
          .then(
            () => null,
            (e: unknown) => e,
          );
        assert.ok(err instanceof StoreDuplicateResultError, String(err));
        assert.equal(err.contest, 'c1');
        assert.equal(err.station, 's0');
        assert.equal(await s.treeSize(), 2);
        assert.equal(await s.getEntry(2), null);
        assert.equal(await s.findResult('c1', 's2'), null);
        assert.equal(await s.getTile(0, 0), null);
        assert.deepEqual(await s.getStationResults('s2'), []);
        assert.deepEqual((await s.getTally('c1', ''))?.tally, { before: true });

        // Twice within one batch.
        const twice = [entry(2), { ...entry(3), station: 's2' }];
        await assert.rejects(
          s.appendBatch({
            startIndex: 2,
            entries: twice,
            tiles: [],
            stationResults: [],
            tallies: [],
          }),
          (e: unknown) => e instanceof StoreDuplicateResultError && e.station === 's2',
        );
        assert.equal(await s.treeSize(), 2);

        // The same station in another contest, and non-result entries, are fine.
        await s.appendBatch({
          startIndex: 2,
          entries: [
            { ...entry(2), contest: 'c2', station: 's0' },
            entry(3, { kind: 'correction', contest: 'c1', station: 's0' }),
            entry(4, { kind: 'correction', contest: 'c1', station: 's0' }),
          ],
          tiles: [],
          stationResults: [],
          tallies: [],
        });
        assert.equal(await s.treeSize(), 5);
        assert.equal((await s.findResult('c2', 's0'))?.index, 2);
        assert.equal((await s.findResult('c1', 's0'))?.index, 0);
      },
    );

    t('findResult finds the logged result entry', async (s) => {
      await s.appendBatch(batch(0, 5));
      assert.deepEqual(await s.findResult('c1', 's3'), entry(3));
      assert.equal(await s.findResult('c1', 's9'), null);
      assert.equal(await s.findResult('c2', 's3'), null);
    });

    t('tiles upsert to their widest version; edge tiles are the last of each level', async (s) => {
      const wide = tile(0, 0, 5, 1);
      await s.appendBatch(batch(0, 1, { tiles: [tile(0, 0, 3, 1)] }));
      assert.equal((await s.getTile(0, 0))?.width, 3);
      await s.appendBatch(batch(1, 1, { tiles: [wide] }));
      assert.deepEqual(await s.getTile(0, 0), wide);
      await s.appendBatch(batch(2, 1, { tiles: [tile(0, 0, 2, 9)] }));
      assert.deepEqual(await s.getTile(0, 0), wide, 'a narrower tile does not replace a wider one');
      // Several versions of one tile in a batch: the widest wins, whatever the order.
      await s.appendBatch(
        batch(3, 1, {
          tiles: [
            tile(0, 1, 7),
            tile(0, 1, 256),
            tile(0, 1, 9),
            tile(0, 2, 1),
            tile(1, 0, 2),
            tile(2, 0, 1),
          ],
        }),
      );
      assert.deepEqual(await s.getTile(0, 1), tile(0, 1, 256));
      assert.deepEqual(await s.getEdgeTiles(), [tile(0, 2, 1), tile(1, 0, 2), tile(2, 0, 1)]);
      await assert.rejects(
        s.appendBatch(
          batch(4, 1, { tiles: [{ level: 0, index: 3, width: 2, data: new Uint8Array(63) }] }),
        ),
        RangeError,
      );
      assert.equal(await s.treeSize(), 4);
    });

    t('checkpoints: the latest size wins, the latest note per size', async (s) => {
      await s.appendBatch(batch(0, 5));
      await s.putCheckpoint({ size: 2, note: 'two' });
      assert.deepEqual(await s.latestCheckpoint(), { size: 2, note: 'two' });
      await s.putCheckpoint({ size: 5, note: 'five\n\n— sig\n' });
      await s.putCheckpoint({ size: 3, note: 'three' });
      assert.deepEqual(await s.latestCheckpoint(), { size: 5, note: 'five\n\n— sig\n' });
      await s.putCheckpoint({ size: 5, note: 'five again' });
      assert.deepEqual(await s.latestCheckpoint(), { size: 5, note: 'five again' });
      await assert.rejects(s.putCheckpoint({ size: 6, note: 'beyond the log' }), RangeError);
      assert.deepEqual(await s.latestCheckpoint(), { size: 5, note: 'five again' });
    });

    t('listCheckpoints pages the signed history; listBlobs pages blobs by hash', async (s) => {
      assert.deepEqual(await s.listCheckpoints(0, 10), []);
      assert.deepEqual(await s.listBlobs('', 10), []);
      await s.appendBatch(batch(0, 9));
      for (const size of [7, 1, 4, 9]) await s.putCheckpoint({ size, note: `n${size}` });
      await s.putCheckpoint({ size: 4, note: 'n4 cosigned' });
      assert.deepEqual(await s.listCheckpoints(0, 2), [
        { size: 1, note: 'n1' },
        { size: 4, note: 'n4 cosigned' },
      ]);
      assert.deepEqual(await s.listCheckpoints(5, 10), [
        { size: 7, note: 'n7' },
        { size: 9, note: 'n9' },
      ]);
      assert.deepEqual(await s.listCheckpoints(10, 10), []);
      const blobs = [awkwardBytes(1, 10), awkwardBytes(2, 3000), new Uint8Array(0)].map((data) => ({
        sha256: sha256Hex(data),
        contentType: `x/${data.length}`,
        data,
      }));
      for (const b of blobs) await s.putBlob(b);
      const sorted = blobs
        .map((b) => ({ sha256: b.sha256, contentType: b.contentType, size: b.data.length }))
        .sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
      const page1 = await s.listBlobs('', 2);
      assert.deepEqual(page1, sorted.slice(0, 2));
      assert.deepEqual(await s.listBlobs(page1[1]?.sha256 ?? '', 2), sorted.slice(2));
    });

    t('blobs are stored by hash, idempotently', async (s) => {
      const data = awkwardBytes(42, 70_000);
      const sha256 = sha256Hex(data);
      await s.putBlob({ sha256, contentType: 'image/jpeg', data });
      assert.equal(await s.hasBlob(sha256), true);
      assert.deepEqual(await s.getBlob(sha256), { sha256, contentType: 'image/jpeg', data });
      await s.putBlob({ sha256, contentType: 'application/octet-stream', data });
      assert.deepEqual(await s.getBlob(sha256), { sha256, contentType: 'image/jpeg', data });
      const empty = new Uint8Array(0);
      await s.putBlob({ sha256: sha256Hex(empty), contentType: 'text/plain', data: empty });
      assert.deepEqual((await s.getBlob(sha256Hex(empty)))?.data, empty);
      await assert.rejects(s.putBlob({ sha256: '0'.repeat(64), contentType: 'x/y', data }));
      await assert.rejects(s.putBlob({ sha256: sha256.toUpperCase(), contentType: 'x/y', data }));
      assert.equal(await s.hasBlob('0'.repeat(64)), false);
    });

    t('station results and tallies upsert', async (s) => {
      const tally1 = { votes: { A: 10, B: 7 }, stations: 1, note: 'ünï "q" \\' };
      await s.appendBatch(
        batch(0, 2, {
          stationResults: [
            { contest: 'c1', station: 's0', entryIndex: 0, result: { A: 10, B: 7 } },
            { contest: 'c2', station: 's0', entryIndex: 1, result: [1, 2, 3] },
          ],
          tallies: [
            { contest: 'c1', unit: '', tally: tally1 },
            { contest: 'c1', unit: 'u1', tally: { votes: { A: 10 } } },
            { contest: 'c1', unit: 'u2', tally: null },
          ],
        }),
      );
      assert.deepEqual(await s.getTally('c1', ''), { contest: 'c1', unit: '', tally: tally1 });
      assert.deepEqual(await s.getStationResults('s0'), [
        { contest: 'c1', station: 's0', entryIndex: 0, result: { A: 10, B: 7 } },
        { contest: 'c2', station: 's0', entryIndex: 1, result: [1, 2, 3] },
      ]);
      await s.appendBatch(
        batch(2, 1, {
          stationResults: [
            { contest: 'c1', station: 's0', entryIndex: 1, result: 'old' },
            { contest: 'c1', station: 's0', entryIndex: 2, result: { A: 11 } },
          ],
          tallies: [{ contest: 'c1', unit: '', tally: { votes: { A: 21 } } }],
        }),
      );
      assert.deepEqual(await s.getStationResults('s0'), [
        { contest: 'c1', station: 's0', entryIndex: 2, result: { A: 11 } },
        { contest: 'c2', station: 's0', entryIndex: 1, result: [1, 2, 3] },
      ]);
      assert.deepEqual((await s.getTally('c1', ''))?.tally, { votes: { A: 21 } });
      assert.deepEqual(
        (await s.listTallies('c1', ['u2', 'missing', '', 'u1'])).map((r) => [r.unit, r.tally]),
        [
          ['u2', null],
          ['', { votes: { A: 21 } }],
          ['u1', { votes: { A: 10 } }],
        ],
      );
      assert.deepEqual(await s.listTallies('c2', ['']), []);
      assert.deepEqual(await s.listTallies('c1', []), []);
    });

    t('station results of many stations, parsed or as JSON text', async (s) => {
      const awkward = {
        note: 'ünï "q" \\ \u2028 😀',
        n: [0, -1, 1.5, 1e21],
        nested: { a: null, b: true },
      };
      await s.appendBatch(
        batch(0, 3, {
          stationResults: [
            { contest: 'c2', station: 's1', entryIndex: 0, result: awkward },
            { contest: 'c1', station: 's1', entryIndex: 1, result: null },
            { contest: 'c1', station: 's0', entryIndex: 2, result: { A: 10, B: 7 } },
            { contest: 'c1', station: 's9', entryIndex: 2, result: { A: 1 } },
          ],
        }),
      );
      // The same rows as each station's own, in (station, contest) order.
      const parsed = [...(await s.getStationResults('s0')), ...(await s.getStationResults('s1'))];
      const texts = await s.getStationResultTextsOf(['s1', 's0', 'missing']);
      assert.deepEqual(
        parsed.map((r) => [r.station, r.contest, r.entryIndex]),
        [
          ['s0', 'c1', 2],
          ['s1', 'c1', 1],
          ['s1', 'c2', 0],
        ],
      );
      assert.deepEqual(
        texts.map(({ json, ...r }) => ({ ...r, result: JSON.parse(json) })),
        parsed,
      );
      assert.equal(typeof texts[0]?.json, 'string');
      assert.deepEqual(JSON.parse(texts[2]?.json as string), awkward);
      assert.deepEqual(await s.getStationResultTextsOf([]), []);
    });

    t('meta', async (s) => {
      await s.setMeta('definition', 'abc');
      await s.setMeta('other', '');
      assert.equal(await s.getMeta('definition'), 'abc');
      await s.setMeta('definition', 'def');
      assert.equal(await s.getMeta('definition'), 'def');
      assert.equal(await s.getMeta('other'), '');
      assert.equal(await s.getMeta('none'), null);
    });

    t(
      'getEntryBytes: the bytes of getEntryPage, and whether every index is there',
      async (s, h) => {
        await s.appendBatch(batch(0, 10));
        for (const [a, b] of PAGE_RANGES) {
          const page = await s.getEntryPage(a, b);
          const bytes = await s.getEntryBytes(a, b);
          assert.deepEqual(bytes.bytes, page.bytes);
          assert.deepEqual([...bytes.offsets], [...page.offsets]);
          assert.equal(bytes.complete, page.indexes.length === Math.max(0, b - a), `${a}..${b}`);
        }
        // A row deleted behind the log's back: the range holding it is not complete.
        await h.behindItsBack(
          `DO $$ BEGIN
           PERFORM set_config('session_replication_role', 'replica', true);
           DELETE FROM station_results WHERE entry_idx = 4;
           DELETE FROM entries WHERE idx = 4;
         END $$`,
        );
        assert.equal((await s.getEntryBytes(0, 10)).complete, false);
        assert.equal((await s.getEntryBytes(2, 5)).complete, false);
        assert.equal((await s.getEntryBytes(3, 4)).complete, true);
        assert.equal((await s.getEntryBytes(5, 10)).complete, true);
        await assert.rejects(s.getEntryBytes(-1, 3), RangeError);
      },
    );

    t(
      'getLeafPage: the rows of getEntryPage without their bytes, each hashed by the database',
      async (s, h) => {
        await s.appendBatch(batch(0, 10));
        for (const [a, b] of PAGE_RANGES) {
          const page = await s.getEntryPage(a, b);
          const leaves = await s.getLeafPage(a, b);
          assert.deepEqual(leaves, {
            indexes: page.indexes,
            leafHashes: page.leafHashes,
            kinds: page.kinds,
            contests: page.contests,
            stations: page.stations,
            firstBadHash: -1,
          });
        }
        // Bytes changed behind the log's back (its append-only guard off, as an
        // administrator bent on it would): the first whose hash differs is named.
        for (const i of [6, 3]) {
          await h.behindItsBack(
            `DO $$ BEGIN
             PERFORM set_config('session_replication_role', 'replica', true);
             UPDATE entries SET data = data || '\\x00'::bytea WHERE idx = ${i};
           END $$`,
          );
          assert.equal((await s.getLeafPage(0, 10)).firstBadHash, i);
          assert.equal((await s.getLeafPage(i + 1, 10)).firstBadHash, i === 3 ? 6 : -1);
        }
        await assert.rejects(s.getLeafPage(-1, 3), RangeError);
      },
    );

    t(
      'refreshStatistics: taken from 1,000 entries, again only once the log grew by over a fifth; never by a reader',
      async (s, h) => {
        const reltuples = async () => {
          const rows = (await h.behindItsBack(
            "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'entries'::regclass",
          )) as Array<{ n: number }>;
          return Number(rows[0]?.n);
        };
        await s.appendBatch(batch(0, STATISTICS_FROM - 1));
        assert.equal(await s.refreshStatistics(STATISTICS_FROM - 1), null, 'too few entries');
        assert.ok((await reltuples()) <= 0, 'never taken');
        await s.appendBatch(batch(STATISTICS_FROM - 1, 201));
        const first = await s.refreshStatistics(1200);
        assert.deepEqual(first, {
          tables: ['entries', 'tiles', 'station_results', 'tallies', 'checkpoints'],
          before: -1,
          after: 1200,
        });
        assert.equal(await reltuples(), 1200, "the planner's count of entries");
        assert.equal(await s.refreshStatistics(1200), null, 'fresh');
        await s.appendBatch(batch(1200, 240));
        assert.equal(await s.refreshStatistics(1440), null, 'a fifth more is not over a fifth');
        await s.appendBatch(batch(1440, 1));
        assert.deepEqual(await s.refreshStatistics(1441), {
          tables: first?.tables,
          before: 1200,
          after: 1441,
        });
        await assert.rejects(
          s.snapshot((view) => view.refreshStatistics(1_000_000)),
          /read-only/,
        );
      },
    );

    t('derivedRowsDigest: the same rows, the same digest; any change, another', async (s, h) => {
      const empty = await s.derivedRowsDigest();
      assert.deepEqual(empty, { sha256: empty.sha256, rows: 0 });
      assert.match(empty.sha256, /^[0-9a-f]{64}$/);
      await s.appendBatch(
        batch(0, 3, {
          stationResults: [
            { contest: 'c1', station: 's0', entryIndex: 0, result: { votes: { a: 1 }, n: 'é' } },
            { contest: 'c1', station: 's1', entryIndex: 1, result: { votes: { a: 2 } } },
          ],
          tallies: [
            { contest: 'c1', unit: '', tally: { votes: { a: 3 } } },
            { contest: 'c1', unit: 'u1', tally: { votes: { a: 3 } } },
          ],
        }),
      );
      const d = await s.derivedRowsDigest();
      assert.equal(d.rows, 4);
      assert.notEqual(d.sha256, empty.sha256);
      assert.deepEqual(await s.derivedRowsDigest(), d, 'the same rows: the same digest');
      // Each change behind the log's back (its guards off) gives another digest, and undone, the same.
      const changes: Array<[string, string]> = [
        [
          `UPDATE station_results SET result = '{"votes": {"a": 9}}' WHERE station = 's1'`,
          `UPDATE station_results SET result = '{"votes": {"a": 2}}' WHERE station = 's1'`,
        ],
        [
          `UPDATE station_results SET entry_idx = 2 WHERE station = 's1'`,
          `UPDATE station_results SET entry_idx = 1 WHERE station = 's1'`,
        ],
        [
          `UPDATE station_results SET station = 's9' WHERE station = 's1'`,
          `UPDATE station_results SET station = 's1' WHERE station = 's9'`,
        ],
        [
          `UPDATE tallies SET tally = '{"votes": {"a": 4}}' WHERE unit = 'u1'`,
          `UPDATE tallies SET tally = '{"votes": {"a": 3}}' WHERE unit = 'u1'`,
        ],
        [
          `UPDATE tallies SET unit = 'u2' WHERE unit = 'u1'`,
          `UPDATE tallies SET unit = 'u1' WHERE unit = 'u2'`,
        ],
        [
          `DELETE FROM tallies WHERE unit = 'u1'`,
          `INSERT INTO tallies (contest, unit, tally) VALUES ('c1', 'u1', '{"votes": {"a": 3}}')`,
        ],
      ];
      for (const [change, undo] of changes) {
        await h.behindItsBack(change);
        assert.notEqual((await s.derivedRowsDigest()).sha256, d.sha256, change);
        await h.behindItsBack(undo);
        assert.deepEqual(await s.derivedRowsDigest(), d, undo);
      }
    });

    t('the kept fold: one row, never replaced by a smaller one', async (s) => {
      assert.equal(await s.getKeptFold(), null);
      // Bytes of every value, and long enough to be more than one network packet.
      const big = new Uint8Array(300_000).map((_, i) => (i * 7919) % 256);
      await s.putKeptFold({ size: 10, bytes: big });
      assert.deepEqual(await s.getKeptFold(), { size: 10, bytes: big });
      await s.putKeptFold({ size: 12, bytes: Uint8Array.of(1, 2, 3) });
      assert.deepEqual(await s.getKeptFold(), { size: 12, bytes: Uint8Array.of(1, 2, 3) });
      // An older writer's fold does not replace a newer one.
      await s.putKeptFold({ size: 11, bytes: Uint8Array.of(9) });
      assert.deepEqual(await s.getKeptFold(), { size: 12, bytes: Uint8Array.of(1, 2, 3) });
      await s.putKeptFold({ size: 12, bytes: Uint8Array.of(4) });
      assert.deepEqual(await s.getKeptFold(), { size: 12, bytes: Uint8Array.of(4) });
      await assert.rejects(s.putKeptFold({ size: -1, bytes: Uint8Array.of(4) }), /non-negative/);
      // A national log's fold is read in pieces (8 MiB each): every byte comes back in its place.
      const national = new Uint8Array((17 << 20) + 1001).map(
        (_, i) => (i * 7919 + (i >> 20)) % 251,
      );
      await s.putKeptFold({ size: 13, bytes: national });
      const back = await s.getKeptFold();
      assert.equal(back?.size, 13);
      assert.ok(back && Buffer.from(back.bytes).equals(Buffer.from(national)));
      await s.putKeptFold({ size: 14, bytes: new Uint8Array(0) });
      assert.deepEqual(await s.getKeptFold(), { size: 14, bytes: new Uint8Array(0) });
    });

    t('entries are never changed by later batches, nor by SQL', async (s, h) => {
      const b0 = batch(0, 50);
      await s.appendBatch(b0);
      for (let start = 50; start < 200; start += 50) {
        await s.appendBatch(
          batch(start, 50, {
            tiles: [tile(0, 0, Math.min(256, start + 50))],
            stationResults: [{ contest: 'c1', station: 's0', entryIndex: start, result: start }],
          }),
        );
      }
      assert.deepEqual(await s.getEntries(0, 50), b0.entries);
      await assert.rejects(
        h.behindItsBack('UPDATE entries SET kind = $1 WHERE idx = 0', ['x']),
        /append-only/,
      );
      await assert.rejects(h.behindItsBack('DELETE FROM entries WHERE idx = 199'), /append-only/);
      await assert.rejects(h.behindItsBack('TRUNCATE entries CASCADE'), /append-only/);
      assert.deepEqual(await s.getEntries(0, 50), b0.entries);
      assert.equal((await s.getEntries(0, 1000)).length, 200);
    });

    t('concurrent appends at the same index: exactly one wins', async (s) => {
      await s.appendBatch(batch(0, 1));
      const attempts = [1, 2, 3, 4].map((k) =>
        s.appendBatch({
          ...batch(1, 3),
          entries: batch(1, 3).entries.map((e) => ({ ...e, station: `${e.station}-${k}` })),
        }),
      );
      const settled = await Promise.allSettled(attempts);
      const won = settled.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of settled) {
        if (r.status === 'rejected')
          assert.ok(r.reason instanceof StoreConflictError, String(r.reason));
      }
      assert.equal(await s.treeSize(), 4);
    });

    t('an empty batch only checks the index', async (s) => {
      await s.appendBatch(batch(0, 0, { tallies: [{ contest: 'c', unit: '', tally: 1 }] }));
      assert.equal(await s.treeSize(), 0);
      assert.equal((await s.getTally('c', ''))?.tally, 1);
      await assert.rejects(s.appendBatch(batch(1, 0)), StoreConflictError);
    });
  });

  // Officials' credentials and login guard (migrations/002_accounts.sql,
  // 004_login_guard.sql): each check-and-change is atomic.
  describe(`AccountStore contract: ${name}`, () => {
    const account = (id: string) => ({
      id,
      role: 'returning-officer',
      scope: 'u1',
      passwordHash: 'scrypt$1$1$1$AA==$AA==',
      totpSecret: null,
    });

    t(
      'accounts: parallel login reservations lock after the limit, and a lock runs out',
      async (s) => {
        const a = s.accounts;
        await a.putAccount(account('ro'));
        const now = new Date('2026-01-01T00:00:00Z');
        const until = new Date('2026-01-01T00:15:00Z');
        const got = await Promise.all(
          Array.from({ length: 12 }, () => a.reserveLoginAttempt('ro', now, 5, until)),
        );
        assert.deepEqual(
          got.filter((n) => n !== null).sort(),
          [1, 2, 3, 4, 5],
          'five reservations, numbered once each',
        );
        assert.equal((await a.getAccount('ro'))?.lockedUntil?.toISOString(), until.toISOString());
        assert.equal(await a.reserveLoginAttempt('nobody', now, 5, until), null);
        // After the lock: a new series.
        const later = new Date('2026-01-01T00:15:00Z');
        assert.equal(
          await a.reserveLoginAttempt('ro', later, 5, new Date('2026-01-01T01:00:00Z')),
          1,
        );
        assert.equal((await a.getAccount('ro'))?.lockedUntil, null);
        await a.recordSuccess('ro');
        assert.equal((await a.getAccount('ro'))?.failedLogins, 0);
      },
    );

    t('accounts: a TOTP step is consumed once, even in parallel', async (s) => {
      const a = s.accounts;
      await a.putAccount(account('chair'));
      const won = await Promise.all(
        Array.from({ length: 6 }, () => a.consumeTotpStep('chair', 99)),
      );
      assert.equal(won.filter(Boolean).length, 1);
      assert.equal(await a.consumeTotpStep('chair', 98), false, 'an earlier step is spent too');
      assert.equal(await a.consumeTotpStep('chair', 100), true);
      assert.equal((await a.getAccount('chair'))?.totpLastStep, 100);
    });

    t(
      'accounts: the per-address counter counts per window, in parallel, and prunes old windows',
      async (s) => {
        const a = s.accounts;
        const counts = await Promise.all(
          Array.from({ length: 7 }, () => a.countAddressAttempt('192.0.2.1', 1000)),
        );
        assert.deepEqual(counts.sort(), [1, 2, 3, 4, 5, 6, 7]);
        assert.equal(await a.countAddressAttempt('192.0.2.2', 1000), 1, 'per address');
        assert.equal(await a.countAddressAttempt('192.0.2.1', 2000), 1, 'a new window starts at 1');
        await a.pruneAddressAttempts(2000);
        assert.equal(
          await a.countAddressAttempt('192.0.2.2', 2000),
          1,
          'the old window was pruned',
        );
        assert.equal(await a.countAddressAttempt('192.0.2.1', 2000), 2, 'the current one kept');
      },
    );

    t('accounts: activation needs both halves, once; disabling ends sessions', async (s) => {
      const a = s.accounts;
      await a.putProposedAccount({
        id: 'ro2',
        role: 'returning-officer',
        scope: 'u1',
        proposerCodeSha256: 'p',
      });
      assert.equal((await a.getAccount('ro2'))?.awaitingActivation, true);
      const activation = {
        id: 'ro2',
        proposerCodeSha256: 'p',
        approverCodeSha256: 'q',
        passwordHash: 'scrypt$new',
        totpSecret: null,
      };
      assert.equal(await a.activate(activation), false, 'not approved yet');
      assert.equal(await a.setApproverCode('ro2', 'q'), true);
      assert.equal(await a.setApproverCode('ro2', 'r'), false, 'one approver half');
      assert.equal(await a.activate({ ...activation, approverCodeSha256: 'p' }), false);
      const once = await Promise.all([a.activate(activation), a.activate(activation)]);
      assert.deepEqual(once.sort(), [false, true]);
      const row = await a.getAccount('ro2');
      assert.equal(row?.passwordHash, 'scrypt$new');
      assert.equal(row?.awaitingActivation, false);
      await a.createSession('t1', 'ro2', new Date('2099-01-01T00:00:00Z'));
      assert.equal((await a.getSession('t1'))?.disabled, false);
      await a.markDisabled('ro2');
      assert.equal(await a.getSession('t1'), null);
      assert.equal((await a.getAccount('ro2'))?.disabled, true);
    });

    t(
      'accounts: credentials read back; putting them again starts the account afresh',
      async (s) => {
        const a = s.accounts;
        assert.equal(await a.getAccount('chair'), null);
        await a.putAccount({
          ...account('chair'),
          role: 'commission-admin',
          scope: '',
          totpSecret: 'S',
        });
        assert.deepEqual(await a.getAccount('chair'), {
          id: 'chair',
          role: 'commission-admin',
          scope: '',
          passwordHash: 'scrypt$1$1$1$AA==$AA==',
          totpSecret: 'S',
          totpLastStep: 0,
          failedLogins: 0,
          lockedUntil: null,
          disabled: false,
          awaitingActivation: false,
        });
        const now = new Date('2026-01-01T00:00:00Z');
        await a.reserveLoginAttempt('chair', now, 1, new Date('2026-01-01T01:00:00Z'));
        await a.consumeTotpStep('chair', 7);
        await a.markDisabled('chair');
        // Credentials the log does not know yet may be replaced (a retried creation).
        await a.putAccount({ ...account('chair'), passwordHash: 'scrypt$2' });
        const again = await a.getAccount('chair');
        assert.equal(again?.passwordHash, 'scrypt$2');
        assert.equal(again?.role, 'returning-officer');
        assert.equal(again?.totpSecret, null);
        assert.equal(again?.totpLastStep, 0);
        assert.equal(again?.failedLogins, 0);
        assert.equal(again?.lockedUntil, null);
        assert.equal(again?.disabled, false);
        // A proposed account has no password any hash could match, until activated.
        await a.putProposedAccount({
          id: 'chair',
          role: 'commission-admin',
          scope: '',
          proposerCodeSha256: 'p',
        });
        const proposed = await a.getAccount('chair');
        assert.equal(proposed?.passwordHash, NO_PASSWORD);
        assert.equal(proposed?.awaitingActivation, true);
        assert.equal(await a.setApproverCode('nobody', 'q'), false);
      },
    );

    t(
      'accounts: sessions carry the account as it is now, and end one by one or all at once',
      async (s) => {
        const a = s.accounts;
        await a.putAccount(account('ro'));
        await a.putAccount(account('other'));
        const expires = new Date('2099-01-01T00:00:00Z');
        await a.createSession('t1', 'ro', expires);
        await a.createSession('t2', 'ro', expires);
        await a.createSession('t3', 'other', expires);
        assert.deepEqual(await a.getSession('t1'), {
          account: 'ro',
          expiresAt: expires,
          lockedUntil: null,
          disabled: false,
        });
        assert.equal(await a.getSession('nope'), null);
        // A lock taken after the session began shows on the session.
        const until = new Date('2026-01-01T00:15:00Z');
        await a.reserveLoginAttempt('ro', new Date('2026-01-01T00:00:00Z'), 1, until);
        assert.equal((await a.getSession('t2'))?.lockedUntil?.toISOString(), until.toISOString());
        await a.deleteSession('t1');
        assert.equal(await a.getSession('t1'), null);
        assert.equal((await a.getSession('t2'))?.account, 'ro');
        await a.deleteSessions('ro');
        assert.equal(await a.getSession('t2'), null);
        assert.equal((await a.getSession('t3'))?.account, 'other', 'other accounts keep theirs');
      },
    );
  });
}

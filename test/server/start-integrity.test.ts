// A server refuses to start on a store its own log does not account for
// (issue 12, item 6): someone with database access changes an entry, deletes
// the last rows, changes a tile, a checkpoint or a derived row; each restart
// (writer and read-only) refuses and names the first bad index. An honest
// restart starts, and a restarted writer signs a fresh checkpoint at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ElectionIndex } from '../../src/election/election-index.js';
import { openCheckpoint } from '../../src/log/checkpoint.js';
import { CheckpointSigner } from '../../src/log/checkpoint-signer.js';
import { leafHash } from '../../src/log/merkle.js';
import { generateKey } from '../../src/log/note.js';
import { replayStoredLog, StoreIntegrityError } from '../../src/server/replay.js';
import { type RunningLog, startLog } from '../../src/server/start.js';
import type { Queryable } from '../../src/store/db.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { testBackends } from '../helpers/postgres.js';
import { tamper as tamperStore } from '../helpers/tamper.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const STATIONS = 8;
// The test election's log key (test/helpers/test-log.ts).
const LOG_KEY = generateKey('kura.test/log', new TextEncoder().encode('log'.padEnd(32, '.')));

for (const backend of await testBackends()) {
  describe(`the start-up check on ${backend}`, () => {
    let t: TestLog;
    let size = 0;
    const db = () => (t.store as SqlStore).db;
    const signer = (now = 1_700_000_000) => new CheckpointSigner(LOG_KEY.signerKey, () => now);

    /** Runs SQL with triggers and foreign keys off, as an administrator set on tampering would. */
    const tamper = (fn: (q: Queryable) => Promise<unknown>) => tamperStore(t.store, fn);

    /** Starts a writer (or a reader), expecting a refusal that names `problem` and `index`. */
    async function refuses(problem: string, index: number | null, message: RegExp) {
      for (const s of [signer(), null]) {
        let started: RunningLog | undefined;
        const error = await startLog({ store: t.store, signer: s }).then(
          (r) => {
            started = r;
            return undefined;
          },
          (e: unknown) => e,
        );
        await started?.close();
        const who = s ? 'writer' : 'reader';
        assert.ok(
          error instanceof StoreIntegrityError,
          `the ${who} must refuse; got ${error ? String(error) : 'a running server'}`,
        );
        assert.equal(error.problem, problem, error.message);
        assert.equal(error.index, index, error.message);
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /\n/, 'one line');
      }
      // The same refusal when a worker thread hashes and decodes the entries,
      // a few at a time: the pages and chunks it gets cut into still name the index.
      const error = await replayWithWorker().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(
        error instanceof StoreIntegrityError,
        `the worker replay must refuse; got ${error}`,
      );
      assert.equal(error.problem, problem, error.message);
      assert.equal(error.index, index, error.message);
      assert.match(error.message, message);
    }

    const replayWithWorker = () =>
      replayStoredLog(t.store, new ElectionIndex(t.definition), { threads: 1, pageSize: 4 });

    async function startsHonestly(): Promise<void> {
      for (const s of [signer(), null]) {
        const r = await startLog({ store: t.store, signer: s });
        await r.close();
      }
      const replayed = await replayWithWorker();
      assert.equal(replayed.size, size);
      assert.equal(
        replayed.stats.checkpoints,
        (await db().query('SELECT 1 FROM checkpoints')).length,
      );
    }

    before(async () => {
      t = await newTestLog(backend, { stations: STATIONS });
      for (const s of t.definition.stations) {
        const r = await t.running.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: t.result(s.code),
        });
        assert.equal(r.statusCode, 201, r.body);
      }
      size = await t.store.treeSize();
      assert.equal(size, STATIONS + 1);
      await t.running.close();
    });
    // The whole test log: its store, and its database or directory (closing
    // only the store, as this did, left a kura_test_* database behind each run).
    after(async () => {
      await t?.close();
    });

    test('an honest restart starts, and the writer signs a fresh checkpoint at once', async () => {
      await startsHonestly();
      const before = (await t.store.latestCheckpoint())?.note;
      const later = 1_700_000_000 + 3600;
      const r = await startLog({ store: t.store, signer: signer(later) });
      try {
        const served = (await r.app.inject({ method: 'GET', url: '/log/checkpoint' })).body;
        assert.notEqual(served, before, 'not the checkpoint signed before the restart');
        const opened = openCheckpoint(served, t.definition.logOrigin, [t.logVerifier]);
        assert.ok(opened.ok);
        assert.equal(opened.value.checkpoint.size, size);
        // Signed at this start: by the clock this writer was given, not the one before.
        assert.equal(
          served,
          signer(later).sign(t.definition.logOrigin, size, opened.value.checkpoint.rootHash),
        );
      } finally {
        await r.close();
      }
    });

    test('a changed byte in an entry: refused, naming the entry', async () => {
      const [row] = await db().query<{ data: Buffer }>('SELECT data FROM entries WHERE idx = 5');
      const original = Buffer.from(row?.data as Buffer);
      const changed = Buffer.from(
        original.toString('utf8').replace('"rejected":2', '"rejected":3'),
      );
      assert.notDeepEqual(changed, original);
      await tamper((q) => q.query('UPDATE entries SET data = $1 WHERE idx = 5', [changed]));
      try {
        await refuses('entry-hash', 5, /entry 5's bytes hash to/);
        // With its leaf hash changed to match, the tile still holds the old hash.
        await tamper((q) =>
          q.query('UPDATE entries SET leaf_hash = $1 WHERE idx = 5', [
            Buffer.from(leafHash(changed)),
          ]),
        );
        await refuses('tile', 5, /entry 5 hashes to [0-9a-f]{64} but tile 0\/000 holds/);
        // With the tile rewritten too, the root no longer matches the signed checkpoints.
        const tile = await db().query<{ data: Buffer }>(
          'SELECT data FROM tiles WHERE level = 0 AND idx = 0',
        );
        const data = Buffer.from(tile[0]?.data as Buffer);
        Buffer.from(leafHash(changed)).copy(data, 5 * 32);
        await tamper((q) =>
          q.query('UPDATE tiles SET data = $1 WHERE level = 0 AND idx = 0', [data]),
        );
        await refuses('checkpoint-root', 5, /do not reproduce the root signed at size 6/);
      } finally {
        await tamper(async (q) => {
          await q.query('UPDATE entries SET data = $1, leaf_hash = $2 WHERE idx = 5', [
            original,
            Buffer.from(leafHash(original)),
          ]);
          const tile = await q.query<{ data: Buffer }>(
            'SELECT data FROM tiles WHERE level = 0 AND idx = 0',
          );
          const data = Buffer.from(tile[0]?.data as Buffer);
          Buffer.from(leafHash(original)).copy(data, 5 * 32);
          await q.query('UPDATE tiles SET data = $1 WHERE level = 0 AND idx = 0', [data]);
        });
      }
      await startsHonestly();
    });

    test('a changed hash in a tile: refused, naming the entry', async () => {
      const [row] = await db().query<{ data: Buffer }>(
        'SELECT data FROM tiles WHERE level = 0 AND idx = 0',
      );
      const original = Buffer.from(row?.data as Buffer);
      const changed = Buffer.from(original);
      changed[3 * 32 + 7] = (changed[3 * 32 + 7] as number) ^ 1;
      await tamper((q) =>
        q.query('UPDATE tiles SET data = $1 WHERE level = 0 AND idx = 0', [changed]),
      );
      try {
        await refuses('tile', 3, /entry 3 hashes to [0-9a-f]{64} but tile 0\/000 holds/);
      } finally {
        await tamper((q) =>
          q.query('UPDATE tiles SET data = $1 WHERE level = 0 AND idx = 0', [original]),
        );
      }
      await startsHonestly();
    });

    test('the last rows deleted below the checkpoint: refused, naming the first missing index', async () => {
      const rows = await db().query<Record<string, unknown>>(
        'SELECT idx, data, leaf_hash, kind, contest, station FROM entries ORDER BY idx',
      );
      assert.equal(rows.length, size);
      const restore = () =>
        tamper(async (q) => {
          for (const r of rows)
            await q.query(
              'INSERT INTO entries (idx, data, leaf_hash, kind, contest, station) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
              [r.idx, r.data, r.leaf_hash, r.kind, r.contest, r.station],
            );
          await q.query('UPDATE log_head SET size = $1', [size]);
        });
      try {
        // Rows gone, the head left as it was.
        await tamper((q) => q.query('DELETE FROM entries WHERE idx >= 6'));
        await refuses('missing-entry', 6, /entry 6 is missing from the store/);
        // Rows gone and the head moved back: the signed checkpoint still covers them.
        await tamper((q) => q.query('UPDATE log_head SET size = 6'));
        await refuses(
          'missing-entry',
          6,
          new RegExp(
            `covers ${size} entries but the store holds 6: entries 6\\.\\.${size - 1} are missing`,
          ),
        );
        // One row in the middle gone.
        await restore();
        await tamper((q) => q.query('DELETE FROM entries WHERE idx = 2'));
        await refuses('missing-entry', 2, /entry 2 is missing from the store/);
      } finally {
        await restore();
      }
      await startsHonestly();
    });

    test('a changed derived tally, station result or indexed column: refused, naming the entry', async () => {
      const [nation] = await db().query<{
        tally: { votes: Record<string, number>; lastEntry: number };
      }>("SELECT tally FROM tallies WHERE contest = 'president' AND unit = ''");
      assert.ok(nation);
      const cand = Object.keys(nation.tally.votes)[0] as string;
      const real = nation.tally.votes[cand] as number;
      const setNation = (v: number) =>
        tamper((q) =>
          q.query(
            "UPDATE tallies SET tally = jsonb_set(tally, $1, to_jsonb($2::int)) WHERE contest = 'president' AND unit = ''",
            [`{votes,${cand}}`, v],
          ),
        );
      await setNation(real + 500);
      try {
        await refuses(
          'tally',
          nation.tally.lastEntry,
          new RegExp(
            `president tally of the nation differs .*votes\\.${cand}: stored ${real + 500}, log says ${real}`,
          ),
        );
      } finally {
        await setNation(real);
      }

      const station = t.definition.stations[4]?.code as string;
      const [result] = await db().query<{ entry_idx: string; result: { rejected: number } }>(
        "SELECT entry_idx, result FROM station_results WHERE contest = 'president' AND station = $1",
        [station],
      );
      assert.ok(result);
      const setRejected = (v: number) =>
        tamper((q) =>
          q.query(
            "UPDATE station_results SET result = jsonb_set(result, '{rejected}', to_jsonb($2::int)) WHERE contest = 'president' AND station = $1",
            [station, v],
          ),
        );
      await setRejected(result.result.rejected + 40);
      try {
        await refuses(
          'station-result',
          Number(result.entry_idx),
          new RegExp(
            `president result of station ${station} \\(entry ${result.entry_idx}\\) differs .*rejected: stored ${result.result.rejected + 40}, log says ${result.result.rejected}`,
          ),
        );
      } finally {
        await setRejected(result.result.rejected);
      }

      // A derived row deleted: the fold has it, the store does not.
      const [ward] = await db().query<{ unit: string; tally: unknown }>(
        "SELECT unit, tally FROM tallies WHERE contest = 'president' AND unit <> '' ORDER BY unit DESC LIMIT 1",
      );
      assert.ok(ward);
      await tamper((q) =>
        q.query("DELETE FROM tallies WHERE contest = 'president' AND unit = $1", [ward.unit]),
      );
      try {
        await refuses('tally', size - 1, /missing from the stored tallies/);
      } finally {
        await tamper((q) =>
          q.query("INSERT INTO tallies (contest, unit, tally) VALUES ('president', $1, $2)", [
            ward.unit,
            JSON.stringify(ward.tally),
          ]),
        );
      }

      // The station column that backs exactly-once, changed.
      await tamper((q) => q.query("UPDATE entries SET station = 'elsewhere' WHERE idx = 3"));
      try {
        await refuses('entry-columns', 3, /entry 3 is indexed as/);
      } finally {
        await tamper((q) =>
          q.query('UPDATE entries SET station = $1 WHERE idx = 3', [
            t.definition.stations[2]?.code,
          ]),
        );
      }
      await startsHonestly();
    });

    test('a checkpoint not signed by the log key: refused', async () => {
      const [cp] = await db().query<{ size: string; note: string }>(
        'SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1',
      );
      assert.ok(cp);
      const forged = cp.note.replace(
        /\n— (\S+) (\S{4})/,
        (_m, name, sig) => `\n— ${name} ${sig === 'AAAA' ? 'BBBB' : 'AAAA'}`,
      );
      assert.notEqual(forged, cp.note);
      await tamper((q) =>
        q.query('UPDATE checkpoints SET note = $1 WHERE size = $2', [forged, cp.size]),
      );
      try {
        await refuses(
          'checkpoint-signature',
          null,
          new RegExp(`checkpoint of size ${cp.size} does not verify`),
        );
      } finally {
        await tamper((q) =>
          q.query('UPDATE checkpoints SET note = $1 WHERE size = $2', [cp.note, cp.size]),
        );
      }
      await startsHonestly();
    });
  });
}

// Someone with access to the database changes a logged result. The database
// refuses a plain UPDATE (append-only trigger); an attacker who disables the
// trigger can change the bytes, but then the entry no longer matches the
// signed checkpoint: the inclusion proof the server serves fails to verify,
// for any byte of any entry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromBase64 } from '../../src/log/bytes.js';
import { openCheckpoint } from '../../src/log/checkpoint.js';
import { leafHash } from '../../src/log/merkle.js';
import { verifyInclusion } from '../../src/log/proof.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

for (const backend of await testBackends()) {
  describe(`tampering with stored entries on ${backend}`, () => {
    let t: TestLog;
    let size = 0;
    let root: Uint8Array;
    before(async () => {
      t = await newTestLog(backend, { stations: 8 });
      for (const s of t.definition.stations) {
        const r = await t.running.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: t.result(s.code),
        });
        assert.equal(r.statusCode, 201, r.body);
      }
      const cp = openCheckpoint(
        (await t.running.app.inject({ method: 'GET', url: '/log/checkpoint' })).body,
        t.definition.logOrigin,
        [t.logVerifier],
      );
      assert.ok(cp.ok);
      size = cp.value.checkpoint.size;
      root = cp.value.checkpoint.rootHash;
    });
    after(async () => t?.close());

    const db = () => (t.store as SqlStore).db;
    async function proofHolds(i: number): Promise<boolean> {
      const r = await t.running.app.inject({
        method: 'GET',
        url: `/api/v1/entries/${i}?size=${size}`,
      });
      assert.equal(r.statusCode, 200, r.body);
      const e = r.json();
      return verifyInclusion(
        leafHash(fromBase64(e.entry) as Uint8Array),
        i,
        size,
        e.inclusionProof.map((p: string) => fromBase64(p)),
        root,
      );
    }

    test('the database refuses to change or delete a logged entry', async () => {
      await assert.rejects(
        db().query("UPDATE entries SET data = '\\x00'::bytea WHERE idx = 1"),
        /append-only|refuse|not allowed/i,
      );
      await assert.rejects(db().query('DELETE FROM entries WHERE idx = 1'));
      assert.equal(await t.store.treeSize(), size);
    });

    test('one changed byte in any stored entry makes its inclusion proof fail', async () => {
      for (let i = 0; i < size; i++)
        assert.ok(await proofHolds(i), `entry ${i} verifies before tampering`);
      await db().query('ALTER TABLE entries DISABLE TRIGGER entries_no_update_delete');
      try {
        for (let i = 0; i < size; i++) {
          const [row] = await db().query<{ data: Buffer }>(
            'SELECT data FROM entries WHERE idx = $1',
            [i],
          );
          const original = new Uint8Array(row?.data as Buffer);
          // A digit of a vote count where there is one, else the middle byte.
          const text = new TextDecoder().decode(original);
          const at =
            text.indexOf('"rejected":') >= 0
              ? text.indexOf('"rejected":') + 11
              : Math.floor(original.length / 2);
          const changed = original.slice();
          changed[at] = (changed[at] as number) === 0x32 ? 0x33 : 0x32;
          await db().query('UPDATE entries SET data = $1 WHERE idx = $2', [
            Buffer.from(changed),
            i,
          ]);
          assert.equal(await proofHolds(i), false, `entry ${i}: tampering must break its proof`);
          await db().query('UPDATE entries SET data = $1 WHERE idx = $2', [
            Buffer.from(original),
            i,
          ]);
          assert.equal(await proofHolds(i), true, `entry ${i}: restored`);
        }
      } finally {
        await db().query('ALTER TABLE entries ENABLE TRIGGER entries_no_update_delete');
      }
    });
  });
}

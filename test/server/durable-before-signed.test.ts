// On the embedded store (PGlite runs with fsync off), kura fsyncs the WAL
// itself. This shows the order that matters: a batch's WAL is fsynced before
// any checkpoint covering the batch is signed, and before its receipts go out.
import assert from 'node:assert/strict';
import { close, fsync, open } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { newTestLog } from '../helpers/test-log.js';

const pOpen = promisify(open);
const pFsync = promisify(fsync);
const pClose = promisify(close);

test('a batch is fsynced before the checkpoint over it is signed and its receipts are sent', async () => {
  const events: string[] = [];
  const t = await newTestLog('pglite', {
    stations: 6,
    sequencerPeriodMs: 10,
    // A slow disk: each fsync takes 30 ms, so anything not waiting for it would overtake it.
    fsyncPath: async (path, kind) => {
      await new Promise((r) => setTimeout(r, 30));
      const fd = await pOpen(path, kind === 'dir' ? 'r' : 'r+');
      try {
        await pFsync(fd);
      } finally {
        await pClose(fd);
      }
      events.push(`fsync ${path.includes('pg_wal') ? 'wal' : 'other'}`);
    },
    onSign: (size) => events.push(`sign ${size}`),
  });
  try {
    events.length = 0;
    const replies = await Promise.all(
      t.definition.stations.map(async (s) => {
        const r = await t.running.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: t.result(s.code),
        });
        events.push(`receipt ${r.json().index}`);
        return r;
      }),
    );
    for (const r of replies) assert.equal(r.statusCode, 201, r.body);
    // Every signature over a larger tree, and every receipt, comes after a WAL fsync
    // that itself came after the previous signature.
    let fsyncedSinceSign = false;
    let signs = 0;
    for (const e of events) {
      if (e === 'fsync wal') fsyncedSinceSign = true;
      else if (e.startsWith('sign ')) {
        assert.ok(fsyncedSinceSign, `"${e}" was not preceded by a WAL fsync: ${events.join(', ')}`);
        fsyncedSinceSign = false;
        signs += 1;
      }
    }
    assert.ok(signs >= 1, 'at least one checkpoint was signed');
    const firstReceipt = events.findIndex((e) => e.startsWith('receipt'));
    const firstSign = events.findIndex((e) => e.startsWith('sign'));
    assert.ok(
      firstSign >= 0 && firstSign < firstReceipt,
      `receipts come after the checkpoint: ${events.join(', ')}`,
    );
  } finally {
    await t.close();
  }
});

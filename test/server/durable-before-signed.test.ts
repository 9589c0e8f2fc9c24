// On the embedded store (PGlite runs with fsync off), kura fsyncs the WAL
// itself. This shows the order that matters: a batch's WAL is fsynced before
// any checkpoint covering the batch is signed, and before its receipts go out.
import assert from 'node:assert/strict';
import { close, fsync, mkdtempSync, open, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import { createGenesis } from '../../src/election/genesis.js';
import { CheckpointSigner } from '../../src/log/checkpoint-signer.js';
import { generateKey } from '../../src/log/note.js';
import { startLog } from '../../src/server/start.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';
import { openStore } from '../../src/store/open.js';

const pOpen = promisify(open);
const pFsync = promisify(fsync);
const pClose = promisify(close);

test('a batch is fsynced before the checkpoint over it is signed and its receipts are sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-durable-'));
  const events: string[] = [];
  const seed = new Uint8Array(32).fill(7);
  const log = generateKey('kura.test/durable', seed);
  const commission = generateKey('kura.test-commission', new Uint8Array(32).fill(8));
  const def = syntheticDefinition({
    electionId: 'durable',
    stations: 6,
    logOrigin: 'kura.test/durable',
    logKey: log.verifierKey,
    commissionKey: commission.verifierKey,
    presidentOnly: true,
  });
  const genesis = createGenesis(def, new Uint8Array(32).fill(8), new Date('2022-08-09T00:00:00Z'));
  const store = await openStore({
    dataDir: join(dir, 'data'),
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
  });
  const signer = new CheckpointSigner(log.signerKey);
  const sign = signer.sign.bind(signer);
  signer.sign = (origin, size, root) => {
    events.push(`sign ${size}`);
    return sign(origin, size, root);
  };
  const running = await startLog({ store, genesis, signer, sequencer: { periodMs: 10 } });
  try {
    events.length = 0;
    const replies = await Promise.all(
      def.stations.map(async (s) => {
        const entry = signResult(
          {
            type: 'result',
            v: 1,
            election: def.electionId,
            contest: 'president',
            station: s.code,
            device: `dev-${s.code}`,
            votes: { alpha: 1, beta: 2, gamma: 3 },
            rejected: 0,
            totalValid: 6,
            form: 'cd'.repeat(32),
            deviceTime: '2022-08-09T18:00:00Z',
          },
          demoDeviceSeed(def.electionId, `dev-${s.code}`),
        );
        const r = await running.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: entry,
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
    await running.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

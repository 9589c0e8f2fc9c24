// The public night's devices send a station's results in one request, as
// devices do, and send it again until it is acknowledged. Every result of a
// batch counts as acknowledged and keeps its own receipt with its position,
// a resend (200, the same bytes) too, and the night's audit finds each entry
// at its receipt's index: on a real kura server.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Cleanup, startKuraServer, tempDir } from '../../src/bench/children.js';
import { makeElection, presign, readDefinition } from '../../src/bench/election.js';
import { auditNight, memoTiles } from '../../src/bench/night-audit.js';
import { type KeptReceipt, runJob, type SendJob } from '../../src/bench/send.js';
import { encodeEntry, type ResultEntry } from '../../src/election/entries.js';
import { parseVerifierKey } from '../../src/log/note.js';
import { entryBundlePath } from '../../src/log/tiles.js';
import { serverTileReader } from '../../src/verify/checkpoint.js';
import { HttpLogReader } from '../../src/verify/http-reader.js';

const cleanup = new Cleanup();
let url = '';
let dir = '';
let batches: string[] = [];

before(async () => {
  dir = join(tempDir(cleanup, 'send-test'), 'election');
  await makeElection(dir, 3);
  batches = presign(dir).stations.map((s) => s.batch);
  const server = await startKuraServer(cleanup, {
    electionDir: dir,
    store: { dataDir: tempDir(cleanup, 'send-store') },
  });
  url = server.url;
});

after(() => cleanup.run(() => {}));

const job = (): SendJob => ({
  mode: 'open',
  url,
  bodies: batches,
  path: '/api/v1/results/batch',
  rate: 100,
  durationMs: 1000,
  maxSockets: 4,
  retry: { delayMs: 10, giveUpMs: 30_000 },
  keepReceipts: true,
});

/** The night's audit of these receipts against the server's log now. */
async function audit(receipts: KeptReceipt[], entryOf: (k: KeptReceipt) => ResultEntry) {
  const def = readDefinition(dir);
  const key = parseVerifierKey(def.logKey);
  assert.ok(key.ok);
  const reader = new HttpLogReader(url);
  const finalNote = await (await fetch(`${url}/log/checkpoint`)).text();
  return auditNight({
    origin: def.logOrigin,
    logKey: key.value,
    finalNote,
    seenNotes: [],
    acknowledged: receipts.map((k) => ({ entry: encodeEntry(entryOf(k)), receipt: k.receipt })),
    readTile: memoTiles(serverTileReader(reader)),
    readBundle: async (index, width) => {
      const b = await reader.entryBundle(index, width);
      if (!b.ok) throw new Error(`GET log/${entryBundlePath(index, width)}: ${b.error.status}`);
      return b.value;
    },
  });
}

test("a batch's results are acknowledged one by one, each receipt for its own entry", async () => {
  const results = batches.map((b) => (JSON.parse(b) as { results: ResultEntry[] }).results);
  const total = results.reduce((sum, r) => sum + r.length, 0);
  assert.equal(total, 3 * 6);

  const first = await runJob(job());
  assert.equal(first.sent, 3, 'one request per station');
  assert.equal(first.acknowledgedResults, total);
  assert.equal(first.receipts.length, total);
  assert.deepEqual(first.byStatus, { '201': 3 });
  // Kept in the order the answers came (the batches were in flight together).
  assert.deepEqual(
    first.receipts
      .map((k): [number, number] => [k.body, k.position])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    results.flatMap((r, body) => r.map((_, position) => [body, position])),
  );
  const entryOf = (k: KeptReceipt) => results[k.body]?.[k.position] as ResultEntry;
  const good = await audit(first.receipts, entryOf);
  assert.equal(good.lost, 0, good.lostSamples.join('\n'));
  assert.equal(good.acknowledged, total);

  // The same bytes again: 200, the same receipts' indexes, every result counted.
  const again = await runJob(job());
  assert.deepEqual(again.byStatus, { '200': 3 });
  assert.equal(again.acknowledgedResults, total);
  assert.equal((await audit(again.receipts, entryOf)).lost, 0);

  // A receipt read as another position's is an entry the log does not hold there.
  const shifted = await audit(first.receipts, (k) =>
    entryOf({ ...k, position: (k.position + 1) % 6 }),
  );
  assert.equal(shifted.lost, total);
});

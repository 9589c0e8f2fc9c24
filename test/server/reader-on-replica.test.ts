// A reader (`kura serve --read-only --db`) on a real hot-standby streaming
// replica of the writer's PostgreSQL (issue 13): it starts and passes its
// start-up check without writing a byte (a standby refuses every write), follows
// the writer through replication, serves what the writer logged with proofs
// under a signed checkpoint it holds, refuses writes as any reader does, and a
// replica whose schema is behind this kura's refuses in one line.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromBase64, fromHex } from '../../src/log/bytes.js';
import { openCheckpoint } from '../../src/log/checkpoint.js';
import { parseVerifierKey } from '../../src/log/note.js';
import { checkInclusion } from '../../src/log/proof.js';
import { silentReporter } from '../../src/platform/reporter.js';
import { type RunningLog, startLog } from '../../src/server/start.js';
import { loadMigrations } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { demoPresidentResult } from '../helpers/demo-result.js';
import { kura } from '../helpers/kura-cli.js';
import {
  type ReplicaCluster,
  replicaClusterMissing,
  startReplicaCluster,
} from '../helpers/replica-cluster.js';
import { skipIfMissing } from '../helpers/required.js';
import { testElection } from '../helpers/test-log.js';

const missing = await replicaClusterMissing();
const skip = skipIfMissing(missing === null, `${missing}, which a streaming replica needs,`);

/** Polls `check` until it holds; fails at `deadlineMs` saying what it waited for. */
async function waitFor(what: string, check: () => Promise<boolean>, deadlineMs = 30_000) {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > deadlineMs) assert.fail(`${what}: not within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function sql(url: string, text: string): Promise<void> {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

describe('a reader on a hot-standby streaming replica', { skip }, () => {
  // A fixed signing clock: a re-signed checkpoint has the same bytes, so writer and reader compare equal.
  const election = testElection({ stations: 40 });
  const { definition } = election;
  let cluster: ReplicaCluster;
  let writerStore: Store | undefined;
  let writer: RunningLog | undefined;
  let readerStore: Store | undefined;
  let reader: RunningLog | undefined;

  const get = (app: RunningLog['app'], url: string) => app.inject({ method: 'GET', url });
  const submit = async (deviceNumber: number) => {
    const device = definition.devices[deviceNumber];
    assert.ok(device && writer);
    const r = await writer.app.inject({
      method: 'POST',
      url: '/api/v1/results',
      payload: demoPresidentResult(definition, device),
    });
    assert.equal(r.statusCode, 201, r.body);
  };

  before(async () => {
    cluster = await startReplicaCluster();
    await sql(cluster.primaryUrl(), 'CREATE DATABASE kura');
    writerStore = await openStore({ url: cluster.primaryUrl('kura'), log: silentReporter });
    writer = await startLog({
      store: writerStore,
      genesis: election.genesis,
      signer: election.signer(() => 1_660_000_000),
      signatureThreads: 0,
      sequencer: { periodMs: 5 },
    });
    for (const n of [0, 1, 2]) await submit(n);
    await cluster.caughtUp();
    // Were the reader to write anything (migrations, a repair, a lease), the standby would refuse it and this start would fail.
    readerStore = await openStore({
      url: cluster.replicaUrl('kura'),
      readOnly: true,
      log: silentReporter,
    });
    reader = await startLog({ store: readerStore, signer: null });
  });
  after(async () => {
    await reader?.close();
    await readerStore?.close();
    await writer?.close();
    await writerStore?.close();
    await cluster?.stop();
  });

  test('the reader’s database is the standby, and its store refuses writes itself', async () => {
    assert.ok(readerStore?.readOnly);
    const [row] = await (
      readerStore as Store & {
        db: { query<T>(q: string): Promise<T[]> };
      }
    ).db.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    assert.equal(row?.standby, true);
    await assert.rejects(
      (readerStore as Store).setMeta('probe', 'x'),
      /opened read-only: a reader never writes/,
    );
  });

  test('the reader follows the writer and serves what it logged, each entry proven under a signed checkpoint', async () => {
    assert.ok(writer && reader);
    for (const n of [3, 4, 5]) await submit(n);
    const w = writer;
    const r = reader;
    const checkpointOf = async (app: RunningLog['app']) => (await get(app, '/log/checkpoint')).body;
    await waitFor(
      'the reader on the replica serves the writer’s checkpoint',
      async () => (await checkpointOf(r.app)) === (await checkpointOf(w.app)),
    );
    const note = await checkpointOf(r.app);
    const verifier = parseVerifierKey(election.logKey.verifierKey);
    assert.ok(verifier.ok);
    const opened = openCheckpoint(note, definition.logOrigin, [verifier.value]);
    assert.ok(opened.ok, 'the reader’s checkpoint is signed by the log key');
    const { size, rootHash } = opened.value.checkpoint;
    assert.equal(size, 7, 'entry 0 and six results');

    const index = w.election.index;
    const station = definition.devices[5]?.station as string;
    const urls = [
      '/log/key',
      '/log/tile/0/000.p/7',
      '/log/tile/entries/000.p/7',
      '/api/v1/election',
      '/api/v1/tally/president',
      ...[...index.units.keys()].map((u) => `/api/v1/tally/president/${encodeURIComponent(u)}`),
      `/api/v1/stations/${station}`,
      `/api/v1/stations?ward=${index.places.get(station)?.ward}&contest=president`,
      '/api/v1/data/president?format=csv',
    ];
    for (const url of urls) {
      const fromReader = await get(r.app, url);
      const fromWriter = await get(w.app, url);
      assert.equal(fromReader.statusCode, 200, `${url}: ${fromReader.body}`);
      assert.equal(fromReader.body, fromWriter.body, url);
    }
    for (let i = 0; i < size; i++) {
      const res = await get(r.app, `/api/v1/entries/${i}`);
      assert.equal(res.statusCode, 200, res.body);
      const e = res.json() as {
        treeSize: number;
        leafHash: string;
        inclusionProof: string[];
        checkpoint: string | null;
      };
      assert.equal(e.treeSize, size);
      assert.equal(e.checkpoint, note, `entry ${i} comes with the checkpoint the reader serves`);
      const proof = e.inclusionProof.map((p) => fromBase64(p) ?? new Uint8Array());
      const leaf = fromHex(e.leafHash) ?? new Uint8Array();
      const proven = checkInclusion(leaf, i, size, proof, rootHash);
      assert.ok(proven.ok, `entry ${i} is in the signed tree`);
    }
    // Nothing past the signed checkpoint it holds.
    const beyond = await get(r.app, `/api/v1/entries/${size}`);
    assert.equal(beyond.statusCode, 400);
    assert.equal(beyond.json().error.code, 'BEYOND_TREE');
  });

  test('a write to the reader is refused as on any reader, and changes nothing', async () => {
    assert.ok(writer && reader);
    const before = (await get(reader.app, '/log/checkpoint')).body;
    const device = definition.devices[6];
    assert.ok(device);
    const sent = await reader.app.inject({
      method: 'POST',
      url: '/api/v1/results',
      payload: demoPresidentResult(definition, device),
    });
    assert.equal(sent.statusCode, 405, sent.body);
    assert.equal(sent.json().error.code, 'READ_ONLY');
    assert.equal((await get(reader.app, '/log/checkpoint')).body, before);
    const station = await get(reader.app, `/api/v1/stations/${device.station}`);
    assert.equal(station.statusCode, 200, station.body);
    assert.equal(await writerStore?.findResult('president', device.station), null);
  });

  test('readers started while the writer ingests pass their start-up check (one snapshot of the replica)', async () => {
    // Without one snapshot, the check reads rows of a later batch than the log head it read first (and refuses).
    let ingesting = true;
    const ingest = (async () => {
      for (let n = 7; n < definition.devices.length && ingesting; n++) await submit(n);
    })();
    try {
      for (let i = 0; i < 5; i++) {
        const store = await openStore({
          url: cluster.replicaUrl('kura'),
          readOnly: true,
          log: silentReporter,
        });
        try {
          const started = await startLog({ store, signer: null });
          await started.close();
        } finally {
          await store.close();
        }
      }
    } finally {
      ingesting = false;
      await ingest;
    }
  });

  test('kura serve --read-only on a replica whose schema is behind refuses in one line, exit 1', async () => {
    const migrations = await loadMigrations();
    const needed = migrations.at(-1)?.version as number;
    const previous = migrations.at(-2)?.version as number;
    // A database the writer has not upgraded yet: the last migration is missing.
    await sql(cluster.primaryUrl(), 'CREATE DATABASE behind');
    const store = await openStore({ url: cluster.primaryUrl('behind'), log: silentReporter });
    await store.close();
    await sql(
      cluster.primaryUrl('behind'),
      `DELETE FROM schema_migrations WHERE version = ${needed}`,
    );
    await cluster.caughtUp();
    const run = await kura(
      'serve',
      '--read-only',
      '--db',
      cluster.replicaUrl('behind'),
      '--port',
      '0',
    );
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr.trim().split('\n').at(-1),
      `kura serve: the database's schema is at migration ${previous}, this kura needs ${needed}: upgrade the writer first`,
    );
    assert.equal(
      run.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('kura serve:')).length,
      1,
    );
  });
});

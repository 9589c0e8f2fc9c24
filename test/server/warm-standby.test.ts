// A standby follows the log while the writer runs (warm-standby.ts), so on
// takeover it checks only the tail it has not seen, and still finds a
// tampered entry there. On PostgreSQL, in one process: writer and standby are
// two stores on one database, as two kura serve processes would be.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { CheckpointSigner } from '../../src/log/checkpoint-signer.js';
import { readElectionFiles, readKeyFile } from '../../src/platform/election-dir.js';
import { silentReporter } from '../../src/platform/reporter.js';
import { silentServerReporter } from '../../src/server/events.js';
import { replayStoredLog, StoreIntegrityError } from '../../src/server/replay.js';
import { type OpenedWriter, openLogWriter, startLog } from '../../src/server/start.js';
import { kuraCommand } from '../../src/simulate/server-process.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { demoPresidentResult } from '../helpers/demo-result.js';
import { createTestDatabase, postgresAvailable } from '../helpers/postgres.js';
import { tamper } from '../helpers/tamper.js';

const available = process.env.CI ? true : await postgresAvailable();

async function waitFor(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a warm standby', { skip: !available && 'no PostgreSQL' }, () => {
  let dir: string;
  let def: ElectionDefinition;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kura-warm-'));
    await promisify(execFile)(
      process.execPath,
      [
        ...kuraCommand(),
        'election',
        'synthetic',
        '--stations',
        '120',
        '--president-only',
        '--out',
        'el',
      ],
      { cwd: dir },
    );
    def = JSON.parse(readFileSync(join(dir, 'el/definition.json'), 'utf8')) as ElectionDefinition;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const sizeFollowed = (events: Array<{ id: string; fields?: Record<string, unknown> }>) =>
    events.find((e) => e.id === 'standby-following')?.fields?.size as number | undefined;

  /** A writer on one store with a standby on another (same database), and what the standby said. */
  async function writerAndStandby(url: string, followMs: number) {
    const signer = () => new CheckpointSigner(readKeyFile(join(dir, 'el/log.key')));
    const writerStore = await openStore({ url, log: silentReporter });
    const writer = await startLog({
      store: writerStore,
      log: silentServerReporter,
      genesis: readElectionFiles(join(dir, 'el')),
      signer: signer(),
      signatureThreads: 0,
      sequencer: { periodMs: 5 },
    });
    const standbyStore = await openStore({ url, log: silentReporter });
    const events: Array<{ id: string; fields?: Record<string, unknown> }> = [];
    const standby: Promise<OpenedWriter> = openLogWriter({
      store: standbyStore,
      signer: signer(),
      genesis: readElectionFiles(join(dir, 'el')),
      standbyFollowMs: followMs,
      log: { ...silentServerReporter, event: (id, fields) => events.push({ id, fields }) },
    });
    standby.catch(() => {});
    let sent = 0;
    const send = async (n: number) => {
      for (const end = sent + n; sent < end; sent++) {
        const d = def.devices[sent];
        if (!d) throw new Error(`no device ${sent}`);
        const res = await writer.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: demoPresidentResult(def, d, sent % 5),
        });
        assert.equal(res.statusCode, 201, res.body);
      }
    };
    /** Waits until the writer has signed everything it logged (the standby follows signed entries). */
    const signed = () =>
      waitFor(
        async () => (await writerStore.latestCheckpoint())?.size === (await writerStore.treeSize()),
        'the writer signs',
      );
    /** Sends n results, then waits until they are signed and the standby follows the log. */
    const followed = async (n: number) => {
      await send(n);
      await signed();
      await waitFor(() => sizeFollowed(events) !== undefined, 'the standby follows');
    };
    return { writer, writerStore, standby, standbyStore, events, send, signed, followed };
  }

  test('follows the log as it grows, and on takeover checks only the tail', async () => {
    const db = await createTestDatabase();
    const t = await writerAndStandby(db.url, 10);
    let opened: OpenedWriter | undefined;
    try {
      await t.followed(30);
      await t.send(30);
      await t.signed();
      const signedSize = await t.writerStore.treeSize();
      // The standby catches up with the signed log between looks; nothing the test can see
      // but its replay, so the takeover's figures say how far it got.
      await t.writer.close();
      await t.writerStore.close();
      opened = await t.standby;
      const { stats } = opened.replayed;
      assert.equal(stats.entries, signedSize);
      assert.ok(
        stats.tailEntries < stats.entries - 30,
        `the takeover checked ${stats.tailEntries} of ${stats.entries} entries: it should have followed the second batch too`,
      );
      assert.ok(t.events.some((e) => e.id === 'writer-taking-over'));
      assert.equal(opened.tookOver, true);
      // The followed fold equals a cold replay's, tally for tally.
      const cold = await replayStoredLog(t.standbyStore as Store, opened.election.index);
      assert.deepEqual(
        [...opened.replayed.fold.tallies].map(([c, u]) => [c, [...u]]),
        [...cold.fold.tallies].map(([c, u]) => [c, [...u]]),
      );
      // And it writes on from there.
      assert.equal(opened.sequencer.treeSize, signedSize);
    } finally {
      await opened?.close();
      await t.standbyStore.close();
      await db.drop();
    }
  });

  test('takes over with the election it opened while following, unless entry 0 changed', async () => {
    const db = await createTestDatabase();
    const t = await writerAndStandby(db.url, 10);
    let opened: OpenedWriter | undefined;
    try {
      await t.followed(10);
      // From here on, reads of the definition (12 MB on Kenya's) through the standby's store.
      const sha = createHash('sha256')
        .update(readElectionFiles(join(dir, 'el')).definitionBytes)
        .digest('hex');
      let definitionReads = 0;
      const getBlob = t.standbyStore.getBlob.bind(t.standbyStore);
      t.standbyStore.getBlob = (s) => {
        if (s === sha) definitionReads++;
        return getBlob(s);
      };
      await t.writer.close();
      await t.writerStore.close();
      opened = await t.standby;
      assert.equal(opened.tookOver, true);
      assert.equal(definitionReads, 0, 'the election it followed is not opened again');
      assert.equal(opened.sequencer.treeSize, await t.standbyStore.treeSize());
    } finally {
      await opened?.close();
      await t.standbyStore.close();
      await db.drop();
    }
    // Entry 0 changed after the standby opened it: the takeover opens the store's and refuses it.
    const db2 = await createTestDatabase();
    const t2 = await writerAndStandby(db2.url, 3_600_000);
    try {
      await t2.followed(5);
      await tamper(t2.standbyStore, (q) =>
        q.query("UPDATE entries SET data = data || '\\x00'::bytea WHERE idx = 0"),
      );
      await t2.writer.close();
      await t2.writerStore.close();
      await assert.rejects(t2.standby, /holds a different election/);
    } finally {
      await t2.standbyStore.close();
      await db2.drop();
    }
  });

  test('a tampered entry in the tail it had not seen stops the takeover', async () => {
    const db = await createTestDatabase();
    // One look at the start, then none until the takeover: the tail is all that came later.
    const t = await writerAndStandby(db.url, 3_600_000);
    try {
      await t.followed(10);
      const followed = sizeFollowed(t.events) as number;
      await t.send(20);
      await t.signed();
      const victim = followed + 5;
      await tamper(t.standbyStore, (q) =>
        q.query("UPDATE entries SET data = data || '\\x00'::bytea WHERE idx = $1", [victim]),
      );
      await t.writer.close();
      await t.writerStore.close();
      await assert.rejects(
        t.standby,
        (e: unknown) =>
          e instanceof StoreIntegrityError && e.problem === 'entry-hash' && e.index === victim,
      );
    } finally {
      await t.standbyStore.close();
      await db.drop();
    }
  });
});

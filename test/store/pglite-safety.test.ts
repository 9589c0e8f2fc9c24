// The embedded store's safety: the directory lock, atomic initialisation,
// durability (fsync after each commit, before the call resolves), recovery
// after a crash.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { LOCK_FILE, StoreLockedError } from '../../src/platform/dir-lock.js';
import { syncToDisk } from '../../src/platform/durable-write.js';
import { lineReporter, silentReporter } from '../../src/platform/reporter.js';
import type { FsyncEvent } from '../../src/store/durability.js';
import { INIT_DIR_PREFIX, PGDATA_DIR } from '../../src/store/embedded.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { batch } from './fixtures.js';
import { crash, freshDataDir, spawnChild, tempDir } from './helpers.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

function writeLock(dir: string, info: Record<string, unknown>): void {
  writeFileSync(
    join(dir, LOCK_FILE),
    JSON.stringify({ hostname: hostname(), startTime: null, token: 'x', ...info }),
  );
}

async function withStore(
  dir: string,
  fn: (s: SqlStore) => Promise<void>,
  opts: Parameters<typeof openStore>[0] = {},
): Promise<void> {
  const s = await openStore({ log: silentReporter, ...opts, dataDir: dir });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

describe('PGlite store: directory lock', () => {
  test('a second open in the same process fails at once, naming the directory and pid', async () => {
    const t = await freshDataDir();
    try {
      await withStore(t.dir, async () => {
        const started = Date.now();
        const err = await openStore({ dataDir: t.dir, log: silentReporter }).then(
          () => null,
          (e: unknown) => e,
        );
        assert.ok(err instanceof StoreLockedError, String(err));
        assert.ok(Date.now() - started < 1000);
        assert.match(err.message, new RegExp(`${t.dir}.*process ${process.pid}`));
        assert.equal(err.holderPid, process.pid);
      });
      // Released on close: it opens again.
      await withStore(t.dir, async (s) => assert.equal(await s.treeSize(), 0));
    } finally {
      t.remove();
    }
  });

  test('another process holding it: open fails at once naming it; once it is killed, the stale lock is taken over and logged', async () => {
    const t = await freshDataDir();
    const child = spawnChild(['hold', t.dir]);
    try {
      const pid = Number((await child.waitFor(/^ready /)).split(' ')[1]);
      assert.equal(pid, child.proc.pid);
      const started = Date.now();
      await assert.rejects(openStore({ dataDir: t.dir, log: silentReporter }), (e: unknown) => {
        assert.ok(e instanceof StoreLockedError);
        assert.equal(e.holderPid, pid);
        assert.ok(e.message.includes(t.dir) && e.message.includes(String(pid)), e.message);
        return true;
      });
      assert.ok(Date.now() - started < 1000, 'fails at once');
      await crash(child);
      const logs: string[] = [];
      await withStore(t.dir, async (s) => assert.equal(await s.treeSize(), 0), {
        log: lineReporter((m) => logs.push(m)),
      });
      assert.ok(
        logs.some((l) => /took over stale lock/.test(l) && l.includes(`pid ${pid}`)),
        logs.join('\n'),
      );
    } finally {
      child.proc.kill('SIGKILL');
      t.remove();
    }
  });

  test('stale locks are taken over: dead pid, our own pid from an earlier incarnation, unreadable file', async () => {
    const t = await freshDataDir();
    try {
      const cases: [string, () => void][] = [
        ['dead pid', () => writeLock(t.dir, { pid: deadPid() })],
        ['own pid, not held', () => writeLock(t.dir, { pid: process.pid })],
        ['empty file', () => writeFileSync(join(t.dir, LOCK_FILE), '')],
      ];
      if (process.platform === 'linux') {
        // pid 1 exists, but started at another time than the lock says: pid reused.
        cases.push(['reused pid', () => writeLock(t.dir, { pid: 1, startTime: '1' })]);
      }
      for (const [name, make] of cases) {
        make();
        const logs: string[] = [];
        await withStore(t.dir, async () => {}, { log: lineReporter((m) => logs.push(m)) });
        assert.ok(
          logs.some((l) => l.includes('took over stale lock')),
          `${name}: ${logs.join('\n')}`,
        );
        assert.equal(existsSync(join(t.dir, LOCK_FILE)), false, `${name}: released on close`);
      }
    } finally {
      t.remove();
    }
  });

  test('a lock held from another host is not taken over', async () => {
    const t = await freshDataDir();
    try {
      writeLock(t.dir, { pid: deadPid(), hostname: 'elsewhere.example' });
      await assert.rejects(
        openStore({ dataDir: t.dir, log: silentReporter }),
        /elsewhere\.example/,
      );
    } finally {
      t.remove();
    }
  });

  test('several processes racing for one stale lock: exactly one wins', async () => {
    const t = await freshDataDir();
    writeLock(t.dir, { pid: deadPid() });
    const children = [1, 2, 3, 4].map(() => spawnChild(['hold', t.dir]));
    try {
      const outcomes = await Promise.all(
        children.map((c) =>
          Promise.race([c.waitFor(/^ready /).then(() => 'ready'), c.exited.then(() => 'exited')]),
        ),
      );
      assert.deepEqual(
        outcomes.filter((o) => o === 'ready'),
        ['ready'],
      );
    } finally {
      for (const c of children) await crash(c);
      t.remove();
    }
  });
});

describe('PGlite store: atomic initialisation', () => {
  test('a new store is built in a temporary directory and renamed into place', async () => {
    const t = tempDir();
    try {
      const root = join(t.dir, 'nested', 'kura-data');
      const events: FsyncEvent[] = [];
      await withStore(root, async (s) => assert.equal(await s.treeSize(), 0), {
        onFsync: (e) => events.push(e),
      });
      assert.deepEqual(readdirSync(root).sort(), [PGDATA_DIR]);
      // Everything in the temporary directory was fsynced, then the parent after the rename.
      const init = events.filter((e) => e.reason === 'init');
      assert.ok(init.length > 500);
      assert.ok(init.slice(0, -1).every((e) => e.path.includes(`${INIT_DIR_PREFIX}`)));
      assert.deepEqual(init.at(-1), { path: root, kind: 'dir', reason: 'init' });
    } finally {
      t.remove();
    }
  });

  test('a leftover half-initialised directory is removed and the store opens', async () => {
    const t = await freshDataDir();
    try {
      const leftover = join(t.dir, `${INIT_DIR_PREFIX}12345-deadbeef`);
      mkdirSync(join(leftover, 'base'), { recursive: true });
      writeFileSync(join(leftover, 'PG_VERSION'), '18\n');
      const logs: string[] = [];
      await withStore(t.dir, async (s) => assert.equal(await s.treeSize(), 0), {
        log: lineReporter((m) => logs.push(m)),
      });
      assert.equal(existsSync(leftover), false);
      assert.ok(logs.some((l) => l.includes('did not finish')));
    } finally {
      t.remove();
    }
  });

  test('a start killed half-way through initialisation leaves no store; the next start initialises', async () => {
    const t = tempDir();
    const child = spawnChild(['open', t.dir]);
    try {
      // Wait until initdb is writing into the temporary directory, then kill.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const tmp = existsSync(t.dir)
          ? readdirSync(t.dir).find((n) => n.startsWith(INIT_DIR_PREFIX))
          : undefined;
        if (tmp && readdirSync(join(t.dir, tmp)).length > 3) break;
        assert.ok(Date.now() < deadline, 'initialisation did not start');
        await new Promise((r) => setTimeout(r, 10));
      }
      await crash(child);
      const left = readdirSync(t.dir);
      assert.ok(!left.includes(PGDATA_DIR), `killed before completion: ${left}`);
      assert.ok(left.some((n) => n.startsWith(INIT_DIR_PREFIX)));
      assert.ok(left.includes(LOCK_FILE), 'the dead child left its lock');

      const logs: string[] = [];
      await withStore(
        t.dir,
        async (s) => {
          await s.appendBatch(batch(0, 3));
          assert.equal(await s.treeSize(), 3);
        },
        { log: lineReporter((m) => logs.push(m)) },
      );
      assert.deepEqual(readdirSync(t.dir), [PGDATA_DIR]);
      assert.ok(logs.some((l) => l.includes('took over stale lock')));
      assert.ok(logs.some((l) => l.includes('did not finish')));
    } finally {
      child.proc.kill('SIGKILL');
      t.remove();
    }
  });
});

describe('PGlite store: durability', () => {
  test('each write fsyncs the WAL it wrote before it resolves', async () => {
    const t = await freshDataDir();
    const pgdata = join(t.dir, PGDATA_DIR);
    const events: string[] = [];
    try {
      await withStore(
        t.dir,
        async (s) => {
          assert.equal(s.durability.mode, 'wal-fsync');
          events.length = 0;
          const [{ f } = { f: '' }] = await s.db.query<{ f: string }>(
            'SELECT pg_walfile_name(pg_current_wal_lsn()) AS f',
          );
          const writes: [string, () => Promise<void>][] = [
            ['appendBatch 1', () => s.appendBatch(batch(0, 50))],
            ['appendBatch 2', () => s.appendBatch(batch(50, 50))],
            ['putCheckpoint', () => s.putCheckpoint({ size: 100, note: 'cp' })],
            [
              'putBlob',
              () =>
                s.putBlob({
                  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
                  contentType: 't',
                  data: new Uint8Array(),
                }),
            ],
            ['setMeta', () => s.setMeta('k', 'v')],
          ];
          for (const [name, write] of writes) {
            events.push(`start ${name}`);
            await write();
            events.push(`resolved ${name}`);
          }
          // Between each start and its resolution: an fsync of the current WAL segment.
          for (const [name] of writes) {
            const between = events.slice(
              events.indexOf(`start ${name}`) + 1,
              events.indexOf(`resolved ${name}`),
            );
            assert.ok(
              between.includes(`commit file pg_wal/${f}`),
              `${name}: ${between.join(', ')}`,
            );
          }
          assert.equal(s.durability.stats.commits, writes.length);
          // Reads do not fsync.
          const before = events.length;
          await s.getEntries(0, 100);
          await s.latestCheckpoint();
          assert.equal(events.length, before);
        },
        { onFsync: (e) => events.push(`${e.reason} ${e.kind} ${relative(pgdata, e.path)}`) },
      );
      // Closing (shutdown checkpoint) fsyncs the whole data directory.
      assert.ok(events.filter((e) => e.startsWith('close ')).length > 500);
      assert.ok(events.includes('close file global/pg_control'));
    } finally {
      t.remove();
    }
  });

  test('a failed fsync fails the write; the commit happened first, and the store then refuses writes', async () => {
    const t = await freshDataDir();
    try {
      let fail = false;
      const s = await openStore({
        dataDir: t.dir,
        log: silentReporter,
        fsyncPath: async (p, kind) => {
          if (fail && p.includes('pg_wal'))
            throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
          await syncToDisk(p, kind);
        },
      });
      await s.appendBatch(batch(0, 10));
      fail = true;
      await assert.rejects(s.appendBatch(batch(10, 10)), /could not be made durable.*EIO/);
      assert.equal(await s.treeSize(), 20, 'committed before the fsync');
      await assert.rejects(s.appendBatch(batch(20, 10)), /could not be made durable/);
      await assert.rejects(s.setMeta('k', 'v'), /could not be made durable/);
      await assert.rejects(s.close(), /EIO/);
      // The lock was released; a restart recovers (here the OS did not crash, so the page cache held it all).
      await withStore(t.dir, async (s2) => assert.equal(await s2.treeSize(), 20));
    } finally {
      t.remove();
    }
  });

  test('after checkpointWalBytes of WAL the store checkpoints and fsyncs the data directory', async () => {
    const t = await freshDataDir();
    try {
      const reasons: string[] = [];
      await withStore(
        t.dir,
        async (s) => {
          await s.appendBatch(batch(0, 100));
          await s.appendBatch(batch(100, 100));
          assert.equal(s.durability.stats.checkpoints, 2);
          const [row] = await s.db.query<{ redo: string; cur: string }>(
            'SELECT redo_lsn::text AS redo, pg_current_wal_lsn()::text AS cur FROM pg_control_checkpoint()',
          );
          assert.ok(row && row.redo <= row.cur);
        },
        { checkpointWalBytes: 1, onFsync: (e) => reasons.push(e.reason) },
      );
      assert.ok(reasons.filter((r) => r === 'checkpoint').length > 1000);
    } finally {
      t.remove();
    }
  });

  if (process.platform === 'linux') {
    test('Postgres writes the WAL through an O_SYNC file descriptor', async () => {
      const t = await freshDataDir();
      try {
        await withStore(t.dir, async (s) => {
          await s.appendBatch(batch(0, 10));
          const walFds = readdirSync('/proc/self/fd').filter((fd) => {
            try {
              return readlinkSync(`/proc/self/fd/${fd}`).startsWith(
                join(t.dir, PGDATA_DIR, 'pg_wal', '0'),
              );
            } catch {
              return false;
            }
          });
          assert.ok(walFds.length > 0);
          for (const fd of walFds) {
            const flags = /flags:\s+([0-7]+)/.exec(
              readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'),
            )?.[1];
            assert.ok(
              flags && (Number.parseInt(flags, 8) & 0o4010000) === 0o4010000,
              `fd ${fd} flags ${flags}`,
            );
          }
        });
      } finally {
        t.remove();
      }
    });
  }

  test('data survive close and reopen', async () => {
    const t = await freshDataDir();
    try {
      const b = batch(0, 20, { tallies: [{ contest: 'c', unit: '', tally: { a: 1 } }] });
      await withStore(t.dir, async (s) => {
        await s.appendBatch(b);
        await s.putCheckpoint({ size: 20, note: 'twenty' });
      });
      await withStore(t.dir, async (s) => {
        assert.deepEqual(await s.getEntries(0, 20), b.entries);
        assert.deepEqual(await s.latestCheckpoint(), { size: 20, note: 'twenty' });
        assert.deepEqual((await s.getTally('c', ''))?.tally, { a: 1 });
      });
    } finally {
      t.remove();
    }
  });

  test('a writer killed mid-stream: every batch it reported durable is there after restart', async () => {
    const t = await freshDataDir();
    const child = spawnChild(['append', t.dir]);
    try {
      await child.waitFor(/^durable 1000$/);
      await crash(child);
      const reported = Math.max(
        ...child.lines.filter((l) => l.startsWith('durable ')).map((l) => Number(l.split(' ')[1])),
      );
      const logs: string[] = [];
      await withStore(
        t.dir,
        async (s) => {
          const size = await s.treeSize();
          assert.ok(size >= reported && size % 100 === 0, `size ${size}, reported ${reported}`);
          assert.deepEqual(await s.getEntries(size - 100, size), batch(size - 100, 100).entries);
          await s.appendBatch(batch(size, 100));
        },
        { log: lineReporter((m) => logs.push(m)) },
      );
      assert.ok(logs.some((l) => l.includes('took over stale lock')));
    } finally {
      child.proc.kill('SIGKILL');
      t.remove();
    }
  });
});

// A private PostgreSQL primary with a hot-standby streaming replica, made by
// the test itself in a temporary directory: initdb, pg_basebackup -R, two
// postmasters on free ports (unix sockets in that directory). PostgreSQL
// refuses to run as root, so as root (CI) every binary runs as the postgres
// OS user, in a directory that user owns.
import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

/** Where the PostgreSQL 15 binaries are (Debian's layout); KURA_TEST_PG_BIN overrides it. */
export const PG_BIN = process.env.KURA_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const BINARIES = ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'];

/** Why no replica cluster can be made here (null: it can). */
export async function replicaClusterMissing(): Promise<string | null> {
  const absent = BINARIES.filter((b) => !existsSync(join(PG_BIN, b)));
  if (absent.length) return `PostgreSQL binaries in ${PG_BIN} (${absent.join(', ')} missing)`;
  if (process.getuid?.() !== 0) return 'root (to run PostgreSQL as the postgres OS user)';
  try {
    await execFileAsync('id', ['-u', 'postgres']);
  } catch {
    return 'the postgres OS user';
  }
  return null;
}

export interface ReplicaCluster {
  /** A database on the primary (postgres: the default one). */
  primaryUrl(database?: string): string;
  /** The same database on the replica (read-only). */
  replicaUrl(database?: string): string;
  /** Resolves once the replica has replayed everything the primary had written when called. */
  caughtUp(deadlineMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function asPostgres(cwd: string, binary: string, args: string[]): Promise<void> {
  try {
    await execFileAsync('runuser', ['-u', 'postgres', '--', join(PG_BIN, binary), ...args], {
      cwd,
    });
  } catch (e) {
    const x = e as { stderr?: string; message: string };
    throw new Error(`${binary} failed: ${(x.stderr || x.message).trim()}`);
  }
}

async function oneValue(url: string, sql: string, params: unknown[] = []): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ v: string }>(sql, params);
    return String(r.rows[0]?.v);
  } finally {
    await c.end();
  }
}

export async function startReplicaCluster(): Promise<ReplicaCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kura-replica-'));
  const [uid, gid] = await Promise.all(
    ['-u', '-g'].map(async (f) => Number((await execFileAsync('id', [f, 'postgres'])).stdout)),
  );
  chownSync(dir, uid as number, gid as number);
  const primary = join(dir, 'primary');
  const replica = join(dir, 'replica');
  const primaryPort = await freePort();
  const replicaPort = await freePort();
  const started: string[] = [];
  const url = (port: number, database = 'postgres') =>
    `postgres://postgres@127.0.0.1:${port}/${database}`;
  const stop = async () => {
    // The replica first, so it does not retry a primary that is going away.
    for (const data of started.reverse())
      await asPostgres(dir, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(
        () => {},
      );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await asPostgres(dir, 'initdb', ['-D', primary, '-U', 'postgres', '-A', 'trust', '--no-sync']);
    appendFileSync(
      join(primary, 'pg_hba.conf'),
      'host replication all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust\n',
    );
    appendFileSync(
      join(primary, 'postgresql.conf'),
      [
        `port = ${primaryPort}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'hot_standby = on',
        // A reader's start-up check is one long snapshot: the primary keeps what it reads.
        'hot_standby_feedback = on',
        // A throwaway cluster: no fsync, small buffers.
        'fsync = off',
        'shared_buffers = 16MB',
        '',
      ].join('\n'),
    );
    await asPostgres(dir, 'pg_ctl', ['-D', primary, '-l', join(dir, 'primary.log'), '-w', 'start']);
    started.push(primary);
    await asPostgres(dir, 'pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replica,
      '-R',
      '-X',
      'stream',
      '--no-sync',
    ]);
    // The copy has the primary's settings; the last port line wins.
    appendFileSync(join(replica, 'postgresql.conf'), `port = ${replicaPort}\n`);
    await asPostgres(dir, 'pg_ctl', ['-D', replica, '-l', join(dir, 'replica.log'), '-w', 'start']);
    started.push(replica);
    const inRecovery = await oneValue(url(replicaPort), 'SELECT pg_is_in_recovery() AS v');
    if (inRecovery !== 'true') throw new Error('the replica is not in recovery (not a standby)');
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    primaryUrl: (database) => url(primaryPort, database),
    replicaUrl: (database) => url(replicaPort, database),
    async caughtUp(deadlineMs = 30_000) {
      const lsn = await oneValue(url(primaryPort), 'SELECT pg_current_wal_lsn()::text AS v');
      const start = performance.now();
      const sql = 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS v';
      while ((await oneValue(url(replicaPort), sql, [lsn])) !== 'true') {
        if (performance.now() - start > deadlineMs)
          throw new Error(`the replica did not replay up to ${lsn} within ${deadlineMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop,
  };
}

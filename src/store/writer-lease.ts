// One writer per log. On PostgreSQL the writer holds a session advisory lock
// on a connection of its own and, once it has it, raises the fencing token in
// writer_lease (migrations/005). Every append and every stored checkpoint
// checks that token inside its own transaction (sql-store.ts), so a writer
// deposed while it still runs (its session dropped, a standby took over)
// cannot add anything to the log. A second writer waits on the lock as a
// standby: PostgreSQL releases it the moment the holder's session ends (a
// killed process closes its socket; a vanished network is found by the TCP
// keepalives set below), and the standby takes over.
//
// The embedded store has one session and a directory lock (lock.ts) that
// already keeps a second process out; there the lease only raises the token.

import { hostname } from 'node:os';
import type pg from 'pg';
import type { Queryable } from './db.js';

/**
 * The advisory lock's key, as SQL: "kura" in the high 32 bits and the oid of
 * the writer_lease table in the low ones, so logs kept in different schemas
 * of one database (search_path) each have their own lease.
 */
export const WRITER_LEASE_KEY_SQL = `((x'6b757261'::bigint << 32) | 'writer_lease'::regclass::oid::bigint)`;

/**
 * How often the writer checks that its lease connection still works. A slow
 * answer is not a lost lease: a writer busy with election-night traffic must
 * not depose itself. Only a failed query or a closed connection is; a session
 * PostgreSQL dropped without our noticing is caught by fencing, since a
 * standby's takeover raises the token every append checks.
 */
const HEARTBEAT_MS = 1000;

export interface WriterLease {
  /** The fencing token: raised on every takeover, checked by every append. */
  readonly token: number;
  /** Resolves (never rejects) with the reason once the lease is lost. */
  readonly lost: Promise<Error>;
  /** Gives the lease up (a standby may take over at once). */
  release(): Promise<void>;
}

export interface LeaseRequest {
  /**
   * While another writer holds the lease: "wait" stands by until it is free
   * (kura serve), "refuse" fails at once with LeaseHeldError (tools).
   */
  mode: 'wait' | 'refuse';
  /** Who asks, for the writer_lease row and for the messages of others ("kura serve"). */
  holder: string;
  /** Told once when the lease is held by another and this request waits. */
  onWaiting?: (heldBy: string) => void;
}

/** Another writer holds the lease; nothing was done. */
export class LeaseHeldError extends Error {
  constructor(readonly heldBy: string) {
    super(`another kura writer holds this database's writer lease (${heldBy}); stop it first`);
    this.name = 'LeaseHeldError';
  }
}

/**
 * An append or checkpoint refused because this process no longer holds the
 * lease (another writer took over, or the lease connection was lost). Nothing
 * was written.
 */
export class StoreFencedError extends Error {
  constructor(why: string) {
    super(`this process is no longer the log's writer: ${why}`);
    this.name = 'StoreFencedError';
  }
}

/** "kura serve (pid 123 on host)". */
export function describeHolder(what: string): string {
  return `${what} (pid ${process.pid} on ${hostname()})`;
}

/** A dedicated client as a Queryable (rows only). */
function queryable(client: pg.Client): Queryable {
  return {
    query: async <R>(text: string, params?: readonly unknown[]) =>
      (await client.query(text, params as unknown[] | undefined)).rows as R[],
  };
}

export async function heldBy(q: Queryable): Promise<string> {
  const [r] = await q.query<{ holder: string; acquired_at: Date | null }>(
    'SELECT holder, acquired_at FROM writer_lease',
  );
  if (!r?.holder) return 'a writer that has not said who it is';
  return r.acquired_at ? `${r.holder}, since ${r.acquired_at.toISOString()}` : r.holder;
}

async function raiseToken(q: Queryable, holder: string): Promise<number> {
  // Waits for any append of the previous holder still in flight (it holds the
  // row FOR SHARE); every append after this one sees the new token.
  const [row] = await q.query<{ token: string }>(
    'UPDATE writer_lease SET token = token + 1, holder = $1, acquired_at = now() RETURNING token',
    [holder],
  );
  return Number(row?.token);
}

/** PostgreSQL: the advisory lock on a dedicated connection, kept alive by a heartbeat. */
export async function acquirePostgresLease(
  connect: () => pg.Client,
  req: LeaseRequest,
): Promise<WriterLease> {
  const client = connect();
  let releasing = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let resolveLost: (e: Error) => void = () => {};
  const lost = new Promise<Error>((r) => {
    resolveLost = r;
  });
  const lose = (why: string) => {
    if (releasing) return;
    releasing = true;
    if (heartbeat) clearInterval(heartbeat);
    resolveLost(new StoreFencedError(`the writer lease was lost (${why})`));
    // Ending the session frees the lock for a standby (if it is not gone already).
    client.end().catch(() => {});
  };
  client.on('error', (e) => lose(e.message));
  client.on('end', () => lose('its database connection closed'));
  await client.connect();
  try {
    // A writer cut off from the database must lose its session (and so the
    // lock) within seconds, not after the kernel's two-hour default.
    await client.query(
      'SET tcp_keepalives_idle = 2; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 2',
    );
    const [first] = (
      await client.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_lock(${WRITER_LEASE_KEY_SQL}) AS ok`,
      )
    ).rows;
    if (!first?.ok) {
      const who = await heldBy(queryable(client));
      if (req.mode === 'refuse') throw new LeaseHeldError(who);
      req.onWaiting?.(who);
      await client.query(`SELECT pg_advisory_lock(${WRITER_LEASE_KEY_SQL})`);
    }
    const token = await raiseToken(queryable(client), req.holder);
    let beating = false;
    heartbeat = setInterval(() => {
      if (beating) return;
      beating = true;
      client.query('SELECT 1').then(
        () => {
          beating = false;
        },
        (e: Error) => lose(`heartbeat: ${e.message}`),
      );
    }, HEARTBEAT_MS);
    heartbeat.unref();
    return {
      token,
      lost,
      async release() {
        if (releasing) return;
        releasing = true;
        clearInterval(heartbeat);
        await client.end().catch(() => {});
      },
    };
  } catch (e) {
    releasing = true;
    await client.end().catch(() => {});
    throw e;
  }
}

/** The embedded store: the directory lock is held already; raise the token. */
export async function acquireEmbeddedLease(db: Queryable, req: LeaseRequest): Promise<WriterLease> {
  const token = await raiseToken(db, req.holder);
  return { token, lost: new Promise<Error>(() => {}), async release() {} };
}

// A thin SQL client over a node-postgres Pool, in the vxsuite spirit: query
// returns rows, withTransaction runs a function inside BEGIN/COMMIT on one
// client and rolls back if it throws. The Pool may talk to a PostgreSQL server
// or to an embedded PGlite through its node-postgres adapter; nothing here
// knows which.

import type pg from 'pg';

export type Row = Record<string, unknown>;

/** Something SQL can be run on: the Db itself, or the client of an open transaction. */
export interface Queryable {
  query<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

class ClientQueryable implements Queryable {
  constructor(private readonly client: pg.PoolClient) {}

  async query<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
    const res = await this.client.query(text, params as unknown[] | undefined);
    return res.rows as R[];
  }
}

export class Db implements Queryable {
  constructor(readonly pool: pg.Pool) {}

  /**
   * Runs one statement on a pooled client. Not pool.query(): that destroys the
   * client after ANY error, even a constraint violation reported by the server,
   * and PGlite's adapter cannot survive its one connection being torn down and
   * reused. Here only a broken connection is destroyed.
   */
  async query<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const res = await client.query(text, params as unknown[] | undefined);
      return res.rows as R[];
    } catch (err) {
      if (!isServerError(err)) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Runs fn inside BEGIN ... COMMIT on one pooled client; ROLLBACK if fn (or
   * COMMIT) throws, and the error is rethrown. A client whose ROLLBACK fails is
   * destroyed rather than returned to the pool.
   */
  async withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const result = await fn(new ClientQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        if (isServerError(err) || !(err instanceof Error && isConnectionError(err))) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackErr) {
            broken = rollbackErr as Error;
          }
        } else {
          broken = err;
        }
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * An error the server reported (SQLSTATE and severity): the connection is fine.
 * Duck-typed, because PGlite's adapter raises its own copy of pg-protocol's
 * DatabaseError class.
 */
export function isServerError(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown } | null;
  return typeof e?.code === 'string' && typeof e.severity === 'string';
}

function isConnectionError(err: Error): boolean {
  return /Connection terminated|not queryable|ECONNRESET|EPIPE/.test(err.message);
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

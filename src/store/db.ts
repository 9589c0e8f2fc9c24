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
   * client after ANY error, even a constraint violation the server reported,
   * and PGlite's adapter cannot survive its one connection being torn down and
   * reused. A client whose connection really broke is not queryable any more,
   * and the pool drops such clients on release by itself.
   */
  async query<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
    const client = await this.pool.connect();
    try {
      const res = await client.query(text, params as unknown[] | undefined);
      return res.rows as R[];
    } finally {
      client.release();
    }
  }

  /**
   * Runs fn inside BEGIN ... COMMIT on one pooled client; ROLLBACK if fn (or
   * COMMIT) throws, and the error is rethrown.
   */
  withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.onOneClient('BEGIN', (client) => fn(new ClientQueryable(client)));
  }

  /**
   * Runs fn over one consistent, read-only snapshot of the database (a
   * REPEATABLE READ READ ONLY transaction): every query of the Db it is given
   * sees the rows of one moment, whatever commits meanwhile.
   */
  withSnapshot<T>(fn: (snapshot: Db) => Promise<T>): Promise<T> {
    return this.onOneClient('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', (client) =>
      fn(new ClientDb(this.pool, client)),
    );
  }

  private async onOneClient<T>(
    begin: string,
    fn: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(begin);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // After a lost connection this fails too; the pool then drops the client.
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * A Db whose every query runs on one client, inside a transaction its owner
 * opened and ends (Db.withSnapshot): a store over it sees one snapshot.
 */
export class ClientDb extends Db {
  constructor(
    pool: pg.Pool,
    private readonly client: pg.PoolClient,
  ) {
    super(pool);
  }

  override async query<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
    const res = await this.client.query(text, params as unknown[] | undefined);
    return res.rows as R[];
  }

  /** Already inside the owner's transaction. */
  override withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return fn(this);
  }

  /** Already inside the owner's snapshot. */
  override withSnapshot<T>(fn: (snapshot: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }

  /** The owner releases the client; the pool is not this Db's to end. */
  override async close(): Promise<void> {}
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

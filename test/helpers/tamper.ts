// Changing a store behind kura's back, as a database administrator set on
// tampering would: in one transaction, with triggers and foreign keys off.
import type { Queryable } from '../../src/store/db.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.js';

/** Runs `fn` on `store`'s database with triggers and foreign keys off, in one transaction. */
export async function tamper(store: Store, fn: (q: Queryable) => Promise<unknown>): Promise<void> {
  await (store as SqlStore).db.withTransaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    await fn(tx);
  });
}

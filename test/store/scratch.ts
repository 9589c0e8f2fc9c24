import { openStore } from '../../src/store/open.js';
import { freshDataDir } from './helpers.js';
import { batch } from './fixtures.js';
const t = await freshDataDir();
const s = await openStore({ dataDir: t.dir, log: console.log });
await s.appendBatch(batch(0, 5));
const qs: [string, unknown[]?][] = [["UPDATE entries SET kind = $1 WHERE idx = 0", ['x']], ['DELETE FROM entries WHERE idx = 1'], ['select 1 as x'], ['select $1::int as x', [2]], ['select 3 as x']];
for (const [q, p] of qs) {
  try { console.log(await s.db.query(q, p)); } catch (e) { console.log('ERR', (e as Error).message); }
}
await s.close(); t.remove();

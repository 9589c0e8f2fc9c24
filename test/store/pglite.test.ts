// The Store contract on the embedded PGlite store (temporary directories).

import { silentReporter } from '../../src/platform/reporter.js';
import { openStore } from '../../src/store/open.js';
import { freshDataDir } from './helpers.js';
import { runStoreSuite } from './store-suite.js';

runStoreSuite('PGlite', async () => {
  const t = await freshDataDir();
  const store = await openStore({ dataDir: t.dir, log: silentReporter });
  return {
    store,
    behindItsBack: (sql, params) => store.db.query(sql, params),
    async cleanup() {
      await store.close();
      t.remove();
    },
  };
});

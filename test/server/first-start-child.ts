// A child process for first-start-crash.test.ts (not a test file itself):
//   first-start-child.ts <dataDir | postgres://url> <step>
// starts the crash election on an empty store, prints "step <name>" at each
// step of the start, and at <step> stops there until the parent kills it.

import { silentReporter } from '../../src/platform/reporter.js';
import { startLog } from '../../src/server/start.js';
import { openStore } from '../../src/store/open.js';
import { crashElection } from './first-start-election.js';

const [where, stopAt] = process.argv.slice(2);
if (!where || !stopAt) throw new Error('usage: first-start-child.ts <dataDir|url> <step>');

const e = crashElection();
const store = await openStore(
  where.startsWith('postgres')
    ? { url: where, log: silentReporter }
    : { dataDir: where, log: silentReporter },
);
await startLog({
  store,
  genesis: e.genesis,
  signer: e.signer(),
  signatureThreads: 0,
  async onStep(step) {
    console.log(`step ${step}`);
    if (step === stopAt) await new Promise(() => {}); // held here until SIGKILL
  },
});

// A child process for the PGlite store tests (not a test file itself).
//   hold <dir>    open the store, print "ready <pid>", keep it open until killed
//   open <dir>    open the store (the parent kills it part-way), print "opened"
//   append <dir>  open, then append batches of 100 forever, printing "durable <size>"
//                 after each appendBatch resolves

import { lineReporter } from '../../src/platform/reporter.js';
import { openStore } from '../../src/store/open.js';
import { batch } from './fixtures.js';

const [mode, dir] = process.argv.slice(2);
if (!mode || !dir) throw new Error('usage: child-store.ts hold|open|append <dir>');

const store = await openStore({ dataDir: dir, log: lineReporter((m) => console.log(`log ${m}`)) });
if (mode === 'hold') {
  console.log(`ready ${process.pid}`);
  setInterval(() => {}, 1 << 30);
} else if (mode === 'open') {
  console.log('opened');
  await store.close();
} else if (mode === 'append') {
  console.log(`ready ${process.pid}`);
  let size = await store.treeSize();
  for (;;) {
    await store.appendBatch(batch(size, 100));
    size += 100;
    console.log(`durable ${size}`);
  }
}

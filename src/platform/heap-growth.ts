// How far V8 lets its old generation grow past what survived the last full
// collection. On a machine with much memory it allows up to 4 times the live
// heap, and a writer under load promotes a steady stream of short-lived
// garbage (requests in flight, batches, their buffers) into the old
// generation: on the Kenya night the old space sat near 400 MB over a live
// heap of about 100 MB. A fixed factor of 1.5 keeps that slack to half the
// live heap, for a little more CPU in full collections; it sets no ceiling,
// so a larger election still gets all the heap it needs.
import { setFlagsFromString } from 'node:v8';
import { operatorChose } from './operator-flag.js';

/** The old generation may grow this many percent above the live heap before a full collection. */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Sets V8's heap growing factor for this process and its worker threads,
 * unless node was started with one (node --heap-growing-percent=N ...: the
 * operator's choice wins). V8 reads the factor at every full collection, so
 * setting it while the process runs takes effect. Returns the percent set,
 * or null when node's command line chose.
 */
export function boundHeapGrowth(
  percent = HEAP_GROWING_PERCENT,
  execArgv: readonly string[] = process.execArgv,
): number | null {
  if (operatorChose('heap-growing-percent', execArgv)) return null;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}

// V8 "pretenures" an allocation site, allocating its objects straight into
// the old generation, once most of what it made survived a scavenge. A
// writer under load trips that for the request path: while results wait for
// their batch, the objects each request makes (request, reply, headers,
// buffers) outlive a scavenge or two. The decision then stays after the load,
// so every later read of a tally fills the old space with garbage: on a
// store that had just taken 90,000 results, a full collection every second,
// scavenges of 4.5 ms instead of 2, and about 13,400 tally reads/s instead of
// 16,100 (p99 50 ms instead of 30), against the same process without it.
// Young garbage is cheap to collect; leaving it young is the better default
// for a server whose objects live for one request.
import { setFlagsFromString } from 'node:v8';
import { operatorChose } from './operator-flag.js';

/**
 * Turns V8's allocation-site pretenuring off for this process and its worker
 * threads, unless node was started with either form of the flag (the
 * operator's choice wins). V8 reads the flag each time it weighs a site, so
 * setting it while the process runs takes effect. Returns whether it was set.
 */
export function stopPretenuring(execArgv: readonly string[] = process.execArgv): boolean {
  if (operatorChose('allocation-site-pretenuring', execArgv)) return false;
  setFlagsFromString('--no-allocation-site-pretenuring');
  return true;
}

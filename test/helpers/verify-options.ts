// The options a test gives kura verify for a test log behind `server`: its
// pinned keys, a small pool, a short sample of single pages, no progress.
import type { VerifyOptions } from '../../src/verify/verify.js';
import type { TestLog } from './test-log.js';

export function testVerifyOptions(
  t: TestLog,
  server: string,
  stateDir: string,
  extra: Partial<VerifyOptions> = {},
): VerifyOptions {
  return {
    server,
    stateDir,
    logKey: t.definition.logKey,
    commissionKey: t.definition.commissionKey,
    concurrency: 4,
    threads: 2,
    pageSample: 3,
    say: () => {},
    ...extra,
  };
}

// What a --data directory holds, checked before a command opens it: opening an
// embedded store creates one when none is there, so a mistyped --data would
// otherwise make a new, empty store (39 MB) and carry on as if nothing were wrong.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE } from '../platform/dir-lock.js';
import { INIT_DIR_PREFIX, PGDATA_DIR } from '../store/embedded.js';
import { UsageError } from './usage.js';

/**
 * 'store': a kura store is there. 'new': nothing is (no directory, an empty one,
 * or only what a killed first start leaves: the lock and a pgdata.init-* folder).
 * 'foreign': a file or a folder holding something else.
 */
export function storeDirState(dir: string): 'store' | 'new' | 'foreign' {
  if (!existsSync(dir)) return 'new';
  if (!statSync(dir).isDirectory()) return 'foreign';
  if (existsSync(join(dir, PGDATA_DIR))) return 'store';
  const other = readdirSync(dir).filter(
    (name) => !name.startsWith(LOCK_FILE) && !name.startsWith(INIT_DIR_PREFIX),
  );
  return other.length === 0 ? 'new' : 'foreign';
}

/** For commands that read a store and must never create one (export, admin). */
export function requireStoreDir(dir: string): void {
  if (storeDirState(dir) !== 'store')
    throw new UsageError(`no kura store at ${dir} (give the --data DIR kura serve was given)`);
}

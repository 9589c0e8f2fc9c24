// The embedded store's directory lock: one kura process per data directory.
//
// The lock is a file, <dir>/kura.lock, holding JSON about its holder (pid,
// host, process start time, a random token). It is created atomically and
// exclusively: the content is written and fsynced to a private temporary file
// first, then hard-linked to the lock name (link(2) fails with EEXIST if the
// name exists), so no reader ever sees a half-written lock. Where hard links
// are not supported we fall back to open(O_CREAT|O_EXCL) + write.
//
// A lock whose holder is gone is stale and taken over, with a log line. "Gone"
// means: process.kill(pid, 0) says there is no such process, or (Linux) a
// process with that pid exists but started at another time (pid reused, e.g.
// pid 1 in a restarted container), or the pid is our own but this process
// does not hold the lock (a previous incarnation with the same pid). A lock
// held from another host is never taken over automatically.
//
// Takeover race: two processes may both judge the same lock stale. Each must
// first create <dir>/kura.lock.takeover exclusively (same link trick), re-read
// the lock and check it is byte-for-byte the stale one it judged, and only
// then delete it and create its own; the loser then finds a live lock and
// fails. A takeover guard left by a process killed inside that
// millisecond-long section is removed once its own holder is gone.

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Reporter } from './reporter.js';

export const LOCK_FILE = 'kura.lock';

export interface LockInfo {
  pid: number;
  hostname: string;
  /** Linux: the process start time (clock ticks since boot, /proc/<pid>/stat field 22). */
  startTime: string | null;
  token: string;
  acquiredAt: string;
}

export class StoreLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holderPid: number,
    detail: string,
  ) {
    super(`kura data directory ${dir} is in use by process ${holderPid}${detail}`);
    this.name = 'StoreLockedError';
  }
}

export interface DirLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** Lock paths held by this process. */
const held = new Set<string>();
/** Lock paths this process is acquiring right now. */
const acquiring = new Set<string>();

function procStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may contain spaces or ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null; // field 22 overall = index 19 after "state" (field 3)
  } catch {
    return null;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type HolderState = { alive: true; why: string } | { alive: false; why: string };

function holderState(lockPath: string, info: LockInfo): HolderState {
  if (info.hostname !== hostname()) {
    return {
      alive: true,
      why: ` on host ${info.hostname}; if that host no longer uses it, delete ${lockPath}`,
    };
  }
  if (info.pid === process.pid) {
    return held.has(lockPath)
      ? { alive: true, why: ' (this process: the store is already open here)' }
      : { alive: false, why: 'its pid is ours, so it was left by an earlier process' };
  }
  if (!pidExists(info.pid)) return { alive: false, why: `process ${info.pid} is not running` };
  const now = procStartTime(info.pid);
  if (info.startTime && now && now !== info.startTime) {
    return { alive: false, why: `pid ${info.pid} now belongs to another process` };
  }
  return { alive: true, why: '' };
}

function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && typeof v.hostname === 'string') {
      return v as LockInfo;
    }
  } catch {}
  return null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Creates `path` with `content` if it does not exist; false if it does. */
function createExclusive(path: string, content: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { flag: 'wx' });
  try {
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // No hard links here: plain exclusive create (a reader may briefly see it empty).
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return true;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {}
  }
}

function unlinkIfContent(path: string, content: string): boolean {
  if (readText(path) !== content) return false;
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the lock on `dir` (which must exist) or throws StoreLockedError at once
 * if a live process holds it. A stale lock is taken over and logged.
 */
export async function acquireDirLock(dir: string, log: Reporter): Promise<DirLock> {
  const lockPath = join(dir, LOCK_FILE);
  if (held.has(lockPath) || acquiring.has(lockPath)) {
    throw new StoreLockedError(dir, process.pid, ' (this process: the store is already open here)');
  }
  acquiring.add(lockPath);
  try {
    const info: LockInfo = {
      pid: process.pid,
      hostname: hostname(),
      startTime: procStartTime(process.pid),
      token: randomBytes(16).toString('hex'),
      acquiredAt: new Date().toISOString(),
    };
    const content = `${JSON.stringify(info)}\n`;
    for (let attempt = 0; attempt < 50; attempt++) {
      if (createExclusive(lockPath, content)) return makeLock(lockPath, info, content);
      const text = readText(lockPath);
      if (text === null) continue; // released meanwhile: try again
      const holder = parseLock(text);
      let why: string;
      if (holder) {
        const state = holderState(lockPath, holder);
        if (state.alive) throw new StoreLockedError(dir, holder.pid, state.why);
        why = state.why;
      } else {
        why = 'the lock file is unreadable (empty or damaged, e.g. by a crash)';
      }
      if (await takeOver(lockPath, text, content, log)) {
        log.info(
          `took over stale lock ${lockPath} (held by pid ${holder?.pid ?? '?'}: ${why}); the store is now locked by pid ${process.pid}`,
        );
        return makeLock(lockPath, info, content);
      }
      await sleep(20);
    }
    throw new Error(`could not lock ${dir}: the lock file ${lockPath} keeps changing`);
  } finally {
    acquiring.delete(lockPath);
  }
}

/** Replaces the stale lock `staleText` by ours, under the takeover guard. */
async function takeOver(
  lockPath: string,
  staleText: string,
  content: string,
  log: Reporter,
): Promise<boolean> {
  const guard = `${lockPath}.takeover`;
  const deadline = Date.now() + 2000;
  while (!createExclusive(guard, content)) {
    const text = readText(guard);
    const holder = text === null ? null : parseLock(text);
    if (text !== null && (holder === null || !holderState(guard, holder).alive)) {
      if (Date.now() > deadline || holder !== null) {
        if (unlinkIfContent(guard, text)) log.info(`removed stale takeover guard ${guard}`);
      }
    }
    await sleep(10);
    if (Date.now() > deadline + 3000) return false;
  }
  try {
    if (readText(lockPath) !== staleText) return false; // someone else moved first
    unlinkIfContent(lockPath, staleText);
    return createExclusive(lockPath, content);
  } finally {
    unlinkIfContent(guard, content);
  }
}

function makeLock(lockPath: string, info: LockInfo, content: string): DirLock {
  held.add(lockPath);
  let released = false;
  // A process that exits without closing the store (process.exit) no longer
  // holds it: remove the lock rather than leave a stale one behind.
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    try {
      unlinkIfContent(lockPath, content);
    } finally {
      held.delete(lockPath);
    }
  };
  process.once('exit', release);
  return { path: lockPath, info, release };
}

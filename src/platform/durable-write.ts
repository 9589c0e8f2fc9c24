// Writing a file so that a reader sees the old content or the new, never a
// mix: a temporary file renamed over the name. writeDurable, for everything
// kura keeps (keys, entry 0, receipts, an auditor's verified checkpoint and
// fork evidence, a witness's cosigned checkpoint), also survives a crash or
// power loss once it resolves: the temporary file is fsynced before the
// rename, and its directory after it. An fsync failure is not retried (the
// kernel may have dropped the dirty pages): it is thrown. writeAtomic skips
// the fsyncs, for caches that are fetched again and checked before use
// (kura verify's mirrored tiles).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync(2) of a file or a directory (a directory: so that a rename or a new entry in it is on disk). */
export async function syncToDisk(path: string, kind: 'file' | 'dir'): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    // Windows cannot open a directory to fsync it (and does not need to).
    if (kind === 'dir' && process.platform === 'win32') return;
    throw err;
  }
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/**
 * writeAtomic, made durable: the temporary file is fsynced before the rename,
 * and the directory after it (and each directory this call created, so that
 * its entry in its parent is on disk too).
 */
export async function writeDurable(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  const dir = dirname(path);
  const created = mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, data, { mode });
  await syncToDisk(tmp, 'file');
  renameSync(tmp, path);
  await syncToDisk(dir, 'dir');
  if (created)
    for (let d = dirname(dir); ; d = dirname(d)) {
      await syncToDisk(d, 'dir');
      if (d === dirname(created) || d === dirname(d)) break;
    }
}

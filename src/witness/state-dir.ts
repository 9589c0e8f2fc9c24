// The witness's durable state, in a directory:
//
//   kura.lock                   one witness process per directory (src/platform/dir-lock.ts)
//   checkpoints/<sha256(origin)> the latest cosigned checkpoint note of each log
//   evidence/<time>-<sha256(origin)[:16]>-<n>
//                               log-signed requests refused as inconsistent:
//                               the reason, then the request body as received
//
// A checkpoint file is replaced atomically and durably: written to a temporary
// file, fsynced, renamed over the old one, and the directory fsynced, so after
// a crash it holds either the old note or the new one, and a cosignature is
// only sent once the new one is on disk.
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { toHex, utf8 } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';
import { acquireDirLock, type DirLock } from '../platform/dir-lock.js';
import { writeDurable } from '../platform/durable-write.js';
import { type Reporter, silentReporter } from '../platform/reporter.js';
import type { WitnessStore } from './witness.js';

const CHECKPOINTS = 'checkpoints';
const EVIDENCE = 'evidence';
/** Refused requests kept at most (only the log's own key can produce them; still, bounded). */
const MAX_EVIDENCE = 1000;

function originFile(origin: string): string {
  return toHex(sha256(utf8(origin)));
}

export class WitnessStateDir implements WitnessStore {
  private evidenceCount = 0;

  private constructor(
    readonly dir: string,
    private readonly lock: DirLock,
  ) {}

  /** Opens (creating) the directory and takes its lock; throws if another process holds it. */
  static async open(dir: string, log: Reporter = silentReporter): Promise<WitnessStateDir> {
    await mkdir(join(dir, CHECKPOINTS), { recursive: true });
    await mkdir(join(dir, EVIDENCE), { recursive: true });
    const lock = await acquireDirLock(dir, log);
    const state = new WitnessStateDir(dir, lock);
    // Temporary files of a write interrupted by a crash: the rename never happened.
    for (const f of await readdir(join(dir, CHECKPOINTS)))
      if (f.includes('.tmp-')) await unlink(join(dir, CHECKPOINTS, f));
    state.evidenceCount = (await readdir(join(dir, EVIDENCE))).length;
    return state;
  }

  async latest(origin: string): Promise<string | null> {
    try {
      return await readFile(join(this.dir, CHECKPOINTS, originFile(origin)), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async save(origin: string, note: string): Promise<void> {
    await writeDurable(join(this.dir, CHECKPOINTS, originFile(origin)), note);
  }

  async keepEvidence(origin: string, body: Uint8Array, why: string): Promise<void> {
    if (this.evidenceCount >= MAX_EVIDENCE) return;
    this.evidenceCount++;
    const time = new Date().toISOString().replace(/[:.]/g, '-');
    const name = `${time}-${originFile(origin).slice(0, 16)}-${this.evidenceCount}`;
    const header = `origin ${origin}\nrefused: ${why}\n\n`;
    const data = new Uint8Array(Buffer.concat([Buffer.from(header, 'utf8'), body]));
    await writeDurable(join(this.dir, EVIDENCE, name), data);
  }

  /** Releases the directory lock. */
  close(): void {
    this.lock.release();
  }
}

// Ed25519 on worker threads, so the one thread that runs HTTP, the sequencer
// and (embedded) the database, or an audit's fold, is not also the one
// verifying thousands of signatures a second. One pool serves the server
// (device signatures, batched per event-loop turn), `kura verify` (whole
// entry bundles checked, rules included) and the bench (the Ed25519 limit).
import { availableParallelism } from 'node:os';
import {
  type EntryHashes,
  type EntryVerdicts,
  type PackedEntries,
  packEntries,
} from '../election/entry-checks.js';
import {
  packSignatures,
  type RateRun,
  type SignatureItem,
  type SignatureJobs,
  type SignatureWorkerData,
} from './signature-jobs.js';
import { WorkerPool } from './worker-pool.js';

export interface SignaturePoolOptions {
  /** Worker threads (default: one per core). */
  threads?: number;
  /** The election definition, needed for checkEntries and demoKeyDevices. */
  definitionBytes?: Uint8Array;
}

interface Waiting {
  items: SignatureItem[];
  resolvers: Array<(ok: boolean) => void>;
  rejecters: Array<(e: unknown) => void>;
}

export class SignaturePool {
  private queue: Waiting = { items: [], resolvers: [], rejecters: [] };
  private scheduled = false;
  /** Totals over all entry checks. */
  signatures = 0;
  workerMs = 0;

  private constructor(private readonly pool: WorkerPool<SignatureJobs>) {}

  static async start(o: SignaturePoolOptions = {}): Promise<SignaturePool> {
    const data: SignatureWorkerData = o.definitionBytes
      ? { definitionBytes: o.definitionBytes }
      : {};
    const pool = await WorkerPool.start<SignatureJobs>(
      new URL('./signature-worker.js', import.meta.url),
      { threads: o.threads ?? availableParallelism(), data },
    );
    return new SignaturePool(pool);
  }

  get threads(): number {
    return this.pool.threads;
  }

  /** One device signature; the calls of one event-loop turn go to the workers together. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.items.push([publicKey, message, signature]);
      this.queue.resolvers.push(resolve);
      this.queue.rejecters.push(reject);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.dispatch());
      }
    });
  }

  private dispatch(): void {
    this.scheduled = false;
    const { items, resolvers, rejecters } = this.queue;
    this.queue = { items: [], resolvers: [], rejecters: [] };
    const per = Math.ceil(items.length / this.pool.threads);
    for (let start = 0; start < items.length; start += per) {
      const end = start + per;
      const packed = packSignatures(items.slice(start, end));
      const moved = [packed.bytes.buffer as ArrayBuffer, packed.offsets.buffer as ArrayBuffer];
      this.pool.run('verify signatures', packed, moved).then(
        (out) => {
          resolvers.slice(start, end).forEach((r, i) => {
            r(out[i] === 1);
          });
        },
        (e) => {
          for (const r of rejecters.slice(start, end)) r(e);
        },
      );
    }
  }

  /**
   * Hashes a batch of entries (leaf hash and hash of each), ahead of the
   * checks queued: whoever builds the tree waits for these. Entries cut from
   * one entry bundle (views into it) cost one copy of the bundle. `entries`
   * is that copy, to be given to checkEntries. The hashes of the entries
   * before `hashesFrom` are left zero (a kept fold holds them).
   */
  async hashEntries(
    entries: readonly Uint8Array[],
    hashesFrom = 0,
  ): Promise<EntryHashes & { entries: PackedEntries }> {
    const packed = packEntries(entries);
    return this.pool.run(
      'hash entries',
      { entries: packed, hashesFrom },
      [packed.buffer.buffer as ArrayBuffer, packed.bounds.buffer as ArrayBuffer],
      true,
    );
  }

  /**
   * Checks a batch of entries (decode, rules, signature) from `checkFrom` on:
   * the verdicts are those of entries[checkFrom..]. Packed entries (from
   * hashEntries) are moved to the worker, not copied.
   */
  async checkEntries(
    entries: readonly Uint8Array[] | PackedEntries,
    checkFrom = 0,
  ): Promise<EntryVerdicts> {
    const packed = 'bounds' in entries ? entries : packEntries(entries);
    const r = await this.pool.run('check entries', { entries: packed, checkFrom }, [
      packed.buffer.buffer as ArrayBuffer,
      packed.bounds.buffer as ArrayBuffer,
    ]);
    this.signatures += r.signatures;
    this.workerMs += r.ms;
    return r;
  }

  /** Which devices are enrolled with their public demo key (split over the workers). */
  async demoKeyDevices(devices: Array<{ id: string; publicKey: string }>): Promise<string[]> {
    const per = Math.ceil(devices.length / (this.pool.threads * 4)) || 1;
    const parts: Promise<string[]>[] = [];
    for (let i = 0; i < devices.length; i += per)
      parts.push(this.pool.run('find demo keys', devices.slice(i, i + per)));
    return (await Promise.all(parts)).flat();
  }

  /** Ed25519 verifications per second on all workers at once. */
  async ed25519Rate(
    run: RateRun,
  ): Promise<{ perSecond: number; threads: number; seconds: number }> {
    const runs = await this.pool.runOnEach('measure rate', run);
    const perSecond = Math.round(runs.reduce((sum, r) => sum + r.verified / r.seconds, 0));
    return { perSecond, threads: runs.length, seconds: run.ms / 1000 };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

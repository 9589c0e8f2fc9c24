// A pool of worker threads that check entries (decoding, rules and the
// Ed25519 signature) in batches, one batch per entry bundle, on every core.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CheckReply, DemoKeysReply, WorkerInit, WorkerRequest } from './sig-protocol.js';

type Pending = {
  request: WorkerRequest;
  transfer: ArrayBuffer[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
};

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending>;
}

/**
 * Batches in flight per worker: one running and a few queued, so a worker
 * never waits while the main thread is busy folding.
 */
const DEPTH = 4;

/**
 * Starts a worker. Compiled (dist/), sig-worker.js sits next to this file;
 * run from the TypeScript sources (tests, tsx), the worker registers tsx
 * itself, since Node 20 does not hand --import loaders to worker threads.
 */
function startWorker(init: WorkerInit): Worker {
  const js = new URL('./sig-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: init });
  const ts = new URL('./sig-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(boot, { eval: true, workerData: init });
}

export class SignaturePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private failed: Error | undefined;
  /** Totals over all check batches. */
  signatures = 0;
  workerMs = 0;

  private constructor() {}

  static async start(
    definitionBytes: Uint8Array,
    threads = os.availableParallelism(),
  ): Promise<SignaturePool> {
    const pool = new SignaturePool();
    const ready: Promise<void>[] = [];
    for (let i = 0; i < Math.max(1, threads); i++) {
      const worker = startWorker({ definitionBytes });
      const slot: Slot = { worker, inFlight: new Map() };
      pool.slots.push(slot);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onFirst = (m: { ready?: boolean }) => {
            if (m.ready) {
              worker.off('message', onFirst);
              worker.on('message', (reply: { id: number }) => pool.settle(slot, reply));
              resolve();
            }
          };
          worker.on('message', onFirst);
          worker.once('error', reject);
        }),
      );
      worker.on('error', (e) => pool.fail(e));
      worker.on('exit', (code) => {
        if (code !== 0) pool.fail(new Error(`a signature worker exited with code ${code}`));
      });
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get threads(): number {
    return this.slots.length;
  }

  /** Checks a batch of entries (decode, rules, signature). */
  check(entries: readonly Uint8Array[]): Promise<CheckReply> {
    let total = 0;
    for (const e of entries) total += e.length;
    const buffer = new Uint8Array(total);
    const offsets = new Uint32Array(entries.length + 1);
    let o = 0;
    entries.forEach((e, k) => {
      buffer.set(e, o);
      o += e.length;
      offsets[k + 1] = o;
    });
    return this.submit<CheckReply>({ type: 'check', id: 0, buffer, offsets }, [
      buffer.buffer as ArrayBuffer,
      offsets.buffer as ArrayBuffer,
    ]).then((r) => {
      this.signatures += r.signatures;
      this.workerMs += r.ms;
      return r;
    });
  }

  /** Which devices are enrolled with their public demo key (split over the workers). */
  async demoKeyDevices(devices: Array<{ id: string; publicKey: string }>): Promise<string[]> {
    const per = Math.ceil(devices.length / (this.slots.length * 4)) || 1;
    const parts: Promise<DemoKeysReply>[] = [];
    for (let i = 0; i < devices.length; i += per)
      parts.push(
        this.submit<DemoKeysReply>(
          { type: 'demo-keys', id: 0, devices: devices.slice(i, i + per) },
          [],
        ),
      );
    return (await Promise.all(parts)).flatMap((r) => r.demo);
  }

  /** node:crypto Ed25519 verifications per second on all workers at once. */
  async ed25519Rate(ms = 2000): Promise<{ perSecond: number; threads: number; seconds: number }> {
    const runs = await Promise.all(
      this.slots.map((s) =>
        this.submitTo<{ verified: number; seconds: number }>(s, { type: 'bench', id: 0, ms }, []),
      ),
    );
    const perSecond = Math.round(runs.reduce((sum, r) => sum + r.verified / r.seconds, 0));
    return { perSecond, threads: runs.length, seconds: ms / 1000 };
  }

  private submit<T>(request: WorkerRequest, transfer: ArrayBuffer[]): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ request, transfer, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  private submitTo<T>(slot: Slot, request: WorkerRequest, transfer: ArrayBuffer[]): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.send(slot, { request, transfer, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private send(slot: Slot, p: Pending): void {
    const id = this.nextId++;
    p.request.id = id;
    slot.inFlight.set(id, p);
    slot.worker.postMessage(p.request, p.transfer);
  }

  private pump(): void {
    while (this.queue.length) {
      let best: Slot | undefined;
      for (const s of this.slots)
        if (s.inFlight.size < DEPTH && (!best || s.inFlight.size < best.inFlight.size)) best = s;
      if (!best) return;
      this.send(best, this.queue.shift() as Pending);
    }
  }

  private settle(slot: Slot, reply: { id: number }): void {
    const p = slot.inFlight.get(reply.id);
    if (!p) return;
    slot.inFlight.delete(reply.id);
    p.resolve(reply);
    this.pump();
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = e instanceof Error ? e : new Error(String(e));
    for (const s of this.slots) {
      for (const p of s.inFlight.values()) p.reject(this.failed);
      s.inFlight.clear();
    }
    for (const p of this.queue.splice(0)) p.reject(this.failed);
  }

  async close(): Promise<void> {
    this.failed ??= new Error('the signature pool is closed');
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

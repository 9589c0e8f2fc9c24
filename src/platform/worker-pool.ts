// Worker-thread mechanics shared by every pool: a table of named jobs, typed
// on both sides; a few jobs in flight per worker, the rest queued on the
// least-loaded one; a worker that dies is replaced and its jobs refused. The
// workers hold the process open only while they have work, so a pool that
// someone forgot to close never hangs it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';

/** Job name -> what it is given and what it answers. */
export type JobTable = Record<string, { input: unknown; output: unknown }>;

/** A job's answer, with the buffers to transfer rather than copy. */
export interface Answer<T> {
  value: T;
  transfer?: ArrayBuffer[];
}

export type JobHandlers<J extends JobTable> = {
  [K in keyof J]: (input: J[K]['input']) => Answer<J[K]['output']>;
};

type Request = { id: number; job: string; input: unknown };
type Reply = { id: number; value: unknown } | { id: number; error: string } | { ready: true };

/** Worker side: answers the pool's jobs with `handlers`, once they are installed. */
export function serveJobs<J extends JobTable>(handlers: JobHandlers<J>): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs must run in a worker thread');
  port.on('message', ({ id, job, input }: Request) => {
    const handler = handlers[job as keyof J];
    try {
      if (!handler) throw new Error(`no job named ${job}`);
      const { value, transfer } = handler(input);
      port.postMessage({ id, value } satisfies Reply, transfer ?? []);
    } catch (e) {
      port.postMessage({ id, error: e instanceof Error ? e.message : String(e) } satisfies Reply);
    }
  });
  port.postMessage({ ready: true } satisfies Reply);
}

/** What the worker was started with (its `workerData`). */
export function jobData<T>(): T {
  return workerData as T;
}

/**
 * Starts the worker module `entry` (its compiled .js URL). Compiled (dist/),
 * it sits next to the caller; run from the TypeScript sources (tests, tsx),
 * the worker registers tsx itself, since Node 20 does not hand --import
 * loaders to worker threads.
 */
function startWorker(entry: URL, data: unknown): Worker {
  if (existsSync(fileURLToPath(entry))) return new Worker(entry, { workerData: data });
  const ts = new URL(entry.href.replace(/\.js$/, '.ts')).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

interface Pending {
  request: Request;
  transfer: ArrayBuffer[];
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending>;
}

/**
 * Jobs in flight per worker: one running and a few queued, so a worker never
 * waits while the main thread is busy.
 */
const DEPTH = 4;

export interface PoolOptions {
  threads: number;
  /** Given to every worker as its workerData. */
  data?: unknown;
}

export class WorkerPool<J extends JobTable> {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  /** How many jobs at the head of the queue were run `first`. */
  private firstQueued = 0;
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly entry: URL,
    private readonly data: unknown,
  ) {}

  /** Starts `threads` workers running `entry` and waits until each serves its jobs. */
  static async start<J extends JobTable>(entry: URL, o: PoolOptions): Promise<WorkerPool<J>> {
    const pool = new WorkerPool<J>(entry, o.data);
    const ready = Array.from({ length: Math.max(1, o.threads) }, () => pool.addWorker());
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

  /**
   * Runs `job` on the least-loaded worker. `first`: ahead of the jobs
   * queued (not of those a worker already has), for a short job whose
   * answer someone waits for; such jobs keep their order among themselves,
   * so work handed out in log order is answered in log order (a fold that
   * takes the answers in order then goes on while the rest is checked).
   */
  run<K extends keyof J & string>(
    job: K,
    input: J[K]['input'],
    transfer: ArrayBuffer[] = [],
    first = false,
  ): Promise<J[K]['output']> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('the worker pool is closed'));
      const p = { request: { id: 0, job, input }, transfer, resolve, reject } as Pending;
      if (first) this.queue.splice(this.firstQueued++, 0, p);
      else this.queue.push(p);
      this.pump();
    });
  }

  /** Runs `job` once on every worker at the same time. */
  runOnEach<K extends keyof J & string>(job: K, input: J[K]['input']): Promise<J[K]['output'][]> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<J[K]['output']>((resolve, reject) => {
            this.send(slot, {
              request: { id: 0, job, input },
              transfer: [],
              resolve,
              reject,
            } as Pending);
          }),
      ),
    );
  }

  /** Ends every worker; jobs not yet answered are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new Error('the worker pool is closed');
    this.firstQueued = 0;
    for (const p of this.queue.splice(0)) p.reject(error);
    const slots = this.slots.splice(0);
    for (const s of slots) this.refuse(s, error);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Starts one worker in a new slot; resolves once it serves jobs. */
  private addWorker(): Promise<void> {
    const slot: Slot = { worker: startWorker(this.entry, this.data), inFlight: new Map() };
    this.slots.push(slot);
    slot.worker.unref();
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let failure: Error | undefined;
      slot.worker.on('message', (m: Reply) => {
        if ('ready' in m) {
          ready = true;
          resolve();
        } else this.settle(slot, m);
      });
      slot.worker.on('error', (e) => {
        failure = e;
      });
      slot.worker.on('exit', (code) => {
        if (this.closed) return;
        const error = failure ?? new Error(`a worker exited with code ${code}`);
        this.refuse(slot, error);
        this.slots.splice(this.slots.indexOf(slot), 1);
        if (!ready) {
          if (this.slots.length === 0) {
            this.firstQueued = 0;
            for (const p of this.queue.splice(0)) p.reject(error);
          }
          return reject(error);
        }
        // A worker that served jobs and then died is replaced (one that never started is not).
        this.addWorker().catch(() => {});
        this.pump();
      });
    });
  }

  private send(slot: Slot, p: Pending): void {
    const id = this.nextId++;
    p.request.id = id;
    slot.inFlight.set(id, p);
    slot.worker.ref();
    slot.worker.postMessage(p.request, p.transfer);
  }

  private pump(): void {
    while (this.queue.length) {
      let best: Slot | undefined;
      for (const s of this.slots)
        if (s.inFlight.size < DEPTH && (!best || s.inFlight.size < best.inFlight.size)) best = s;
      if (!best) return;
      if (this.firstQueued > 0) this.firstQueued--;
      this.send(best, this.queue.shift() as Pending);
    }
  }

  private settle(slot: Slot, reply: Exclude<Reply, { ready: true }>): void {
    const p = slot.inFlight.get(reply.id);
    if (!p) return;
    slot.inFlight.delete(reply.id);
    if (slot.inFlight.size === 0) slot.worker.unref();
    if ('error' in reply) p.reject(new Error(reply.error));
    else p.resolve(reply.value);
    this.pump();
  }

  private refuse(slot: Slot, error: Error): void {
    for (const p of slot.inFlight.values()) p.reject(error);
    slot.inFlight.clear();
  }
}

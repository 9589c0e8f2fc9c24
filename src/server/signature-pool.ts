// Ed25519 verification on worker threads, so the one thread that runs HTTP,
// the sequencer and (embedded) the database is not also the one verifying
// thousands of signatures a second. Requests are batched per event-loop turn
// and spread over the workers; each worker keeps its own parsed-key cache.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

// CommonJS, evaluated in the worker: no file to locate from src/ or dist/.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const keys = new Map();
parentPort.on('message', ({ id, items }) => {
  const out = new Uint8Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const [pub, msg, sig] = items[i];
    try {
      if (pub.length !== 32 || sig.length !== 64) continue;
      const x = Buffer.from(pub).toString('base64url');
      let key = keys.get(x);
      if (!key) {
        key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
        if (keys.size > 200000) keys.clear();
        keys.set(x, key);
      }
      out[i] = verify(null, msg, key, sig) ? 1 : 0;
    } catch {}
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
`;

import { ed25519Verify } from '../log/crypto.js';

type Item = [Uint8Array, Uint8Array, Uint8Array];
interface Waiting {
  items: Item[];
  resolvers: Array<(ok: boolean) => void>;
}

export class SignaturePool {
  private readonly workers: Worker[];
  private queue: Waiting = { items: [], resolvers: [] };
  private scheduled = false;
  private next = 0;
  private batchId = 0;
  private readonly inFlight = new Map<number, Waiting & { worker: Worker }>();

  constructor(threads = Math.max(1, availableParallelism())) {
    this.workers = Array.from({ length: threads }, (_, i) => this.start(i));
  }

  private start(slot: number): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    w.on('message', ({ id, out }: { id: number; out: Uint8Array }) => {
      const batch = this.inFlight.get(id);
      this.inFlight.delete(id);
      batch?.resolvers.forEach((r, i) => {
        r(out[i] === 1);
      });
    });
    w.on('error', (e) => {
      // Its batches are verified here instead, and the worker replaced.
      console.error(`signature worker failed (${e.message}); replacing it`);
      for (const [id, batch] of this.inFlight) {
        if (batch.worker !== w) continue;
        this.inFlight.delete(id);
        batch.resolvers.forEach((r, i) => {
          const [pub, msg, sig] = batch.items[i] as Item;
          r(ed25519Verify(pub, msg, sig));
        });
      }
      this.workers[slot] = this.start(slot);
    });
    return w;
  }

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return new Promise((resolve) => {
      this.queue.items.push([publicKey, message, signature]);
      this.queue.resolvers.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.dispatch());
      }
    });
  }

  private dispatch(): void {
    this.scheduled = false;
    const { items, resolvers } = this.queue;
    this.queue = { items: [], resolvers: [] };
    const per = Math.ceil(items.length / this.workers.length);
    for (let start = 0; start < items.length; start += per) {
      const id = this.batchId++;
      const worker = this.workers[this.next++ % this.workers.length] as Worker;
      const batch = {
        items: items.slice(start, start + per),
        resolvers: resolvers.slice(start, start + per),
        worker,
      };
      this.inFlight.set(id, batch);
      worker.postMessage({ id, items: batch.items });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.removeAllListeners('error').terminate()));
  }
}

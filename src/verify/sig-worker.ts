// Worker thread of the signature pool (sig-pool.ts): decodes entries and runs
// the election's rules on them, Ed25519 signature included, exactly as the
// server does (decodeEntry + checkResult), and answers with one status and
// the plausibility flags per entry. The main thread folds the entries with
// these pre-checked flags, so no signature is verified twice.
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { ElectionDefinition } from '../election/definition.js';
import { demoDevicePublicKey } from '../election/demo-keys.js';
import { ElectionIndex } from '../election/election-index.js';
import { decodeEntry } from '../election/entries.js';
import { checkResult } from '../election/rules.js';
import {
  type CheckReply,
  type DemoKeysReply,
  FLAG_BITS,
  STATUS,
  type WorkerInit,
  type WorkerRequest,
} from './sig-protocol.js';

const init = workerData as WorkerInit;
const definition = JSON.parse(new TextDecoder().decode(init.definitionBytes)) as ElectionDefinition;
const index = new ElectionIndex(definition);
const port = parentPort;
if (!port) throw new Error('sig-worker must run in a worker thread');

port.on('message', (m: WorkerRequest) => {
  switch (m.type) {
    case 'check':
      port.postMessage(check(m.id, m.buffer, m.offsets));
      return;
    case 'demo-keys':
      port.postMessage(demoKeys(m.id, m.devices));
      return;
    case 'bench':
      port.postMessage({ id: m.id, ...bench(m.ms) });
      return;
  }
});
port.postMessage({ ready: true });

function check(id: number, buffer: Uint8Array, offsets: Uint32Array): CheckReply {
  const count = offsets.length - 1;
  const status = new Uint8Array(count);
  const flags = new Uint8Array(count);
  let signatures = 0;
  const t0 = performance.now();
  for (let k = 0; k < count; k++) {
    const bytes = buffer.subarray(offsets[k] as number, offsets[k + 1] as number);
    const decoded = decodeEntry(bytes);
    if (!decoded.ok) {
      status[k] = STATUS.UNDECODABLE;
      continue;
    }
    const entry = decoded.value;
    if (entry.type === 'election') {
      status[k] = STATUS.ELECTION;
      continue;
    }
    if (entry.type === 'official') {
      status[k] = STATUS.OFFICIAL;
      continue;
    }
    const checked = checkResult(index, entry);
    // checkResult verifies the signature last, after every cheaper rule passed.
    if (checked.ok || checked.error.code === 'BAD_SIGNATURE') signatures++;
    if (!checked.ok) {
      status[k] = STATUS.REFUSED;
      continue;
    }
    let bits = 0;
    for (const f of checked.value) bits |= FLAG_BITS[f];
    status[k] = STATUS.COUNTED;
    flags[k] = bits;
  }
  return { id, status, flags, signatures, ms: performance.now() - t0 };
}

function demoKeys(id: number, devices: Array<{ id: string; publicKey: string }>): DemoKeysReply {
  const demo: string[] = [];
  for (const d of devices)
    if (demoDevicePublicKey(definition.electionId, d.id) === d.publicKey) demo.push(d.id);
  return { id, demo };
}

/** node:crypto Ed25519 verifications for `ms` milliseconds, on a prepared key. */
function bench(ms: number): { verified: number; seconds: number } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const msg = Buffer.alloc(380, 7);
  const sig = sign(null, msg, privateKey);
  let verified = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 32; i++)
      if (!verify(null, msg, publicKey, sig)) throw new Error('Ed25519 bench: verify failed');
    verified += 32;
  }
  return { verified, seconds: (performance.now() - t0) / 1000 };
}

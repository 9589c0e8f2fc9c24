// Worker-thread entry for the Ed25519-verify limit: verifies signatures for a
// fixed time and reports how many it did.
//   prepared: node:crypto verify with an already-imported public KeyObject:
//     the pure cost of a verification, which is the limit;
//   kura: kura's own ed25519Verify (src/log/crypto.ts) on keys it has not
//     seen before, as on an election night, where each device sends one
//     result per contest: this includes importing the key from its raw bytes.
import { generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { ed25519Verify } from '../log/crypto.js';

export interface VerifyJob {
  mode: 'prepared' | 'kura';
  durationMs: number;
  /** kura mode: distinct keys to make (each is verified once). */
  keys: number;
}
export interface VerifyCount {
  verified: number;
  seconds: number;
}

const job = workerData as VerifyJob;
const SPKI_PREFIX_LENGTH = 12;
const count = job.mode === 'prepared' ? 256 : job.keys;
const keys: Array<{ pub: KeyObject; raw: Uint8Array; msg: Buffer; sig: Buffer }> = [];
for (let i = 0; i < count; i++) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // About the size of a result entry's signing message.
  const msg = Buffer.alloc(360, i);
  msg.writeUInt32BE(i, 0);
  const raw = new Uint8Array(
    publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX_LENGTH),
  );
  keys.push({ pub: publicKey, raw, msg, sig: sign(null, msg, privateKey) });
}

let verified = 0;
const t0 = performance.now();
const end = t0 + job.durationMs;
if (job.mode === 'prepared') {
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) {
      const k = keys[(verified + i) % count] as (typeof keys)[number];
      if (!verify(null, k.msg, k.pub, k.sig)) throw new Error('verification failed');
    }
    verified += 64;
  }
} else {
  while (verified < count && performance.now() < end) {
    const k = keys[verified] as (typeof keys)[number];
    if (!ed25519Verify(k.raw, k.msg, k.sig)) throw new Error('verification failed');
    verified++;
  }
}
parentPort?.postMessage({
  verified,
  seconds: (performance.now() - t0) / 1000,
} satisfies VerifyCount);

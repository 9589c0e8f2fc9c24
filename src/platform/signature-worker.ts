// Worker thread of the Ed25519 pool (signature-pool.ts).
import { generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import type { ElectionDefinition } from '../election/definition.js';
import { demoDevicePublicKey } from '../election/demo-keys.js';
import { ElectionIndex } from '../election/election-index.js';
import { checkEntries, hashEntries } from '../election/entry-checks.js';
import { ed25519Verify } from '../log/crypto.js';
import {
  type RateRun,
  type SignatureJobs,
  type SignatureWorkerData,
  signatureItem,
} from './signature-jobs.js';
import { jobData, serveJobs } from './worker-pool.js';

const { definitionBytes } = jobData<SignatureWorkerData>();
const definition = definitionBytes
  ? (JSON.parse(new TextDecoder().decode(definitionBytes)) as ElectionDefinition)
  : undefined;
const index = definition ? new ElectionIndex(definition) : undefined;

function needDefinition(): ElectionDefinition {
  if (!definition) throw new Error('this signature pool was started without an election');
  return definition;
}

serveJobs<SignatureJobs>({
  'verify signatures': (packed) => {
    const out = new Uint8Array((packed.offsets.length - 1) / 3);
    for (let i = 0; i < out.length; i++) {
      const [pub, msg, sig] = signatureItem(packed, i);
      out[i] = ed25519Verify(pub, msg, sig) ? 1 : 0;
    }
    return { value: out, transfer: [out.buffer] };
  },
  'hash entries': ({ entries, hashesFrom }) => {
    const h = hashEntries(entries, hashesFrom);
    return {
      value: { ...h, entries },
      transfer: [
        h.leaves.buffer as ArrayBuffer,
        h.hashes.buffer as ArrayBuffer,
        entries.buffer.buffer as ArrayBuffer,
        entries.bounds.buffer as ArrayBuffer,
      ],
    };
  },
  'check entries': ({ entries, checkFrom }) => {
    needDefinition();
    const t0 = performance.now();
    const v = checkEntries(index as ElectionIndex, entries, checkFrom);
    return {
      value: { ...v, ms: performance.now() - t0 },
      transfer: [v.status.buffer as ArrayBuffer, v.flags.buffer as ArrayBuffer],
    };
  },
  'find demo keys': (devices) => {
    const { electionId } = needDefinition();
    const demo = devices.filter((d) => demoDevicePublicKey(electionId, d.id) === d.publicKey);
    return { value: demo.map((d) => d.id) };
  },
  'measure rate': (run) => ({ value: measureRate(run) }),
});

const SPKI_PREFIX_LENGTH = 12;

function measureRate({ mode, ms, keys: keyCount = 0 }: RateRun): {
  verified: number;
  seconds: number;
} {
  const count = mode === 'prepared' ? 256 : keyCount;
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
  const end = t0 + ms;
  if (mode === 'prepared') {
    while (performance.now() < end) {
      for (let i = 0; i < 64; i++) {
        const k = keys[(verified + i) % count] as (typeof keys)[number];
        if (!verify(null, k.msg, k.pub, k.sig))
          throw new Error('Ed25519 rate: verification failed');
      }
      verified += 64;
    }
  } else {
    while (verified < count && performance.now() < end) {
      const k = keys[verified] as (typeof keys)[number];
      if (!ed25519Verify(k.raw, k.msg, k.sig)) throw new Error('Ed25519 rate: verification failed');
      verified++;
    }
  }
  return { verified, seconds: (performance.now() - t0) / 1000 };
}

// The Ed25519 pool's jobs, as both sides of the thread boundary see them.
import type { EntryHashes, EntryVerdicts, PackedEntries } from '../election/entry-checks.js';

/** A device signature to check: public key, signed message, signature. */
export type SignatureItem = [publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array];

/**
 * Signatures to check, in one buffer that is moved, not copied, to the
 * worker (structured-cloning thousands of small arrays cost the main thread
 * more than verifying them): item i's key, message and signature are parts
 * 3i, 3i+1 and 3i+2, part k being bytes[offsets[k] .. offsets[k+1]).
 */
export interface PackedSignatures {
  bytes: Uint8Array;
  offsets: Uint32Array;
}

export function packSignatures(items: readonly SignatureItem[]): PackedSignatures {
  let total = 0;
  for (const [key, message, signature] of items)
    total += key.length + message.length + signature.length;
  const bytes = new Uint8Array(total);
  const offsets = new Uint32Array(items.length * 3 + 1);
  let at = 0;
  let k = 0;
  for (const item of items)
    for (const part of item) {
      bytes.set(part, at);
      at += part.length;
      offsets[++k] = at;
    }
  return { bytes, offsets };
}

/** Item i of a PackedSignatures, as views into its buffer. */
export function signatureItem(p: PackedSignatures, i: number): SignatureItem {
  const part = (k: number) => p.bytes.subarray(p.offsets[k] as number, p.offsets[k + 1] as number);
  return [part(3 * i), part(3 * i + 1), part(3 * i + 2)];
}

export interface SignatureWorkerData {
  /** The election definition, for the entry checks (absent: the pool only verifies signatures). */
  definitionBytes?: Uint8Array;
}

export interface RateRun {
  /**
   * prepared: node:crypto verify with an already-imported public key, the
   * pure cost of a verification, which is the limit; first-sight: kura's
   * ed25519Verify on keys it has not seen before, as on an election night
   * (each device sends one result per contest), key import included.
   */
  mode: 'prepared' | 'first-sight';
  ms: number;
  /** first-sight: distinct keys to make (each is verified once). */
  keys?: number;
}

export type SignatureJobs = {
  /** One verdict per signature (1: valid). */
  'verify signatures': { input: PackedSignatures; output: Uint8Array };
  /** Hash every entry (leaf hash, and hash from `hashesFrom` on); the entries come back, for 'check entries'. */
  'hash entries': {
    input: { entries: PackedEntries; hashesFrom: number };
    output: EntryHashes & { entries: PackedEntries };
  };
  /** Decode and rule-check the entries from `checkFrom` on, signature included. */
  'check entries': {
    input: { entries: PackedEntries; checkFrom: number };
    output: EntryVerdicts & { ms: number };
  };
  /** The ids of the devices enrolled with their public demo key. */
  'find demo keys': { input: Array<{ id: string; publicKey: string }>; output: string[] };
  /** Ed25519 verifications done in `ms` milliseconds. */
  'measure rate': { input: RateRun; output: { verified: number; seconds: number } };
};

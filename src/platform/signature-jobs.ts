// The Ed25519 pool's jobs, as both sides of the thread boundary see them.
import type { EntryVerdicts, PackedEntries } from '../election/entry-checks.js';

/** A device signature to check: public key, signed message, signature. */
export type SignatureItem = [publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array];

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
  'verify signatures': { input: SignatureItem[]; output: Uint8Array };
  /** Decode and rule-check entries, signature included. */
  'check entries': { input: PackedEntries; output: EntryVerdicts & { ms: number } };
  /** The ids of the devices enrolled with their public demo key. */
  'find demo keys': { input: Array<{ id: string; publicKey: string }>; output: string[] };
  /** Ed25519 verifications done in `ms` milliseconds. */
  'measure rate': { input: RateRun; output: { verified: number; seconds: number } };
};

// Messages between the signature pool and its worker threads.
import type { ResultFlag } from '../election/rules.js';

/** Per-entry verdict of a worker. */
export const STATUS = {
  /** A result that passes every rule, signature included: the fold counts it (if first). */
  COUNTED: 0,
  /** A result the rules refuse (the fold records a rule-violation anomaly). */
  REFUSED: 1,
  /** Not a well-formed entry (an undecodable anomaly). */
  UNDECODABLE: 2,
  /** An election entry (valid only as entry 0). */
  ELECTION: 3,
  /** An official's act: checked by the fold on the main thread, in log order (its rules depend on the state before it). */
  OFFICIAL: 4,
} as const;

/** The flags in resultFlags' order, as bits. */
export const FLAG_ORDER: readonly ResultFlag[] = ['over-registered', 'over-cap', 'sum-mismatch'];
export const FLAG_BITS: Record<ResultFlag, number> = {
  'over-registered': 1,
  'over-cap': 2,
  'sum-mismatch': 4,
};

export function flagsOf(bits: number): ResultFlag[] {
  return FLAG_ORDER.filter((f) => bits & FLAG_BITS[f]);
}

export interface WorkerInit {
  definitionBytes: Uint8Array;
}

export type WorkerRequest =
  | { type: 'check'; id: number; buffer: Uint8Array; offsets: Uint32Array }
  | { type: 'demo-keys'; id: number; devices: Array<{ id: string; publicKey: string }> }
  | { type: 'bench'; id: number; ms: number };

export interface CheckReply {
  id: number;
  status: Uint8Array;
  flags: Uint8Array;
  /** Signatures verified (entries that reached the signature check). */
  signatures: number;
  ms: number;
}

export interface DemoKeysReply {
  id: number;
  /** Ids of the devices whose enrolled key is their public demo key. */
  demo: string[];
}

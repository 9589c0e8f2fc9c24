// Errors of the log core. Expected failures (bad proofs, malformed or forged
// input from the network) are returned as Result values carrying a LogError;
// exceptions are thrown only for programmer errors (e.g. asking for a proof of
// a leaf beyond the tree size).
import { err } from '../basics/result.js';

export type LogErrorCode =
  | 'INCLUSION_PROOF_INVALID'
  | 'CONSISTENCY_PROOF_INVALID'
  | 'NOTE_MALFORMED'
  | 'NOTE_UNVERIFIED'
  | 'NOTE_SIGNATURE_INVALID'
  | 'KEY_MALFORMED'
  | 'CHECKPOINT_MALFORMED'
  | 'CHECKPOINT_ORIGIN_MISMATCH'
  | 'CHECKPOINT_NOT_SIGNED_BY_LOG'
  | 'COSIGNATURE_MALFORMED'
  | 'WITNESS_POLICY_UNSATISFIED'
  | 'TILE_PATH_MALFORMED'
  | 'TILE_MALFORMED'
  | 'ENTRY_BUNDLE_MALFORMED'
  | 'TREE_STATE_INVALID'
  | 'RECEIPT_MALFORMED';

export class LogError extends Error {
  override readonly name = 'LogError';
  constructor(
    readonly code: LogErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Shorthand for `err(new LogError(code, message))`. */
export function logErr(code: LogErrorCode, message: string): { ok: false; error: LogError } {
  return err(new LogError(code, message));
}

// Why the sequencer refused or could not finish a submission. The sequencer
// knows nothing of HTTP; the API maps these codes to its own (errors.ts,
// ApiError.fromSequencer) in one place.
import type { AgentErrorCode } from '../election/agents.js';
import type { OfficialErrorCode } from '../election/officials.js';
import type { RuleErrorCode } from '../election/rules.js';

export type SequencerErrorCode =
  /** Stopped after a storage error: restart from the store. */
  | 'STOPPED'
  /** Too many results queued: send the same one again in a moment. */
  | 'BUSY'
  /** Storing the batch failed: nothing from it was logged. */
  | 'NOT_LOGGED'
  /** Logged, but no receipt yet (no checkpoint covers it, or making it failed): send it again. */
  | 'RECEIPT_PENDING'
  /** Another process took the writer lease over: this one appends and signs nothing more. */
  | 'DEPOSED'
  /** A different result for this station and contest is logged or queued. */
  | 'ALREADY_REPORTED'
  /** A rule refused it (the device was revoked meanwhile, say). */
  | RuleErrorCode
  /** The officials' rules refused the act. */
  | OfficialErrorCode
  /** The party agents' rules refused a roster entry or a word. */
  | AgentErrorCode;

export class SequencerError extends Error {
  constructor(
    readonly code: SequencerErrorCode,
    message: string,
    /** The field of the submission at fault, where there is one. */
    readonly field?: string,
    /** When several entries were submitted together: the place of the one at fault. */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'SequencerError';
  }
}

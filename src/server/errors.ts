// The one catalogue of API errors (error-catalogue.json): code, HTTP status and
// a default message.
// Every refusal names the field at fault where there is one, and a refused
// request changes nothing.
import type { AgentErrorCode } from '../election/agents.js';
import type { OfficialErrorCode } from '../election/officials.js';
import type { RuleErrorCode } from '../election/rules.js';
// One row per code: its HTTP status and default message.
import catalogue from './error-catalogue.json' with { type: 'json' };
import type { SequencerError, SequencerErrorCode } from './sequencer-error.js';

export const API_ERRORS: Readonly<
  Record<keyof typeof catalogue, { readonly status: number; readonly message: string }>
> = catalogue;

export type ApiErrorCode = keyof typeof API_ERRORS;

// Every refusal by the log's rules and every refusal of an official act has
// its entry in the table above (checked by the compiler), so the routes pass
// their codes through as they are.
const _refusalsCovered: readonly ApiErrorCode[] = [] as Array<
  RuleErrorCode | OfficialErrorCode | AgentErrorCode
>;
void _refusalsCovered;

/** The sequencer's own codes, as the API reports them; its rule refusals keep their names. */
const SEQUENCER_CODES: Record<
  Exclude<SequencerErrorCode, RuleErrorCode | OfficialErrorCode | AgentErrorCode>,
  ApiErrorCode
> = {
  STOPPED: 'SEQUENCER_UNAVAILABLE',
  BUSY: 'SEQUENCER_UNAVAILABLE',
  NOT_LOGGED: 'SEQUENCER_UNAVAILABLE',
  RECEIPT_PENDING: 'SEQUENCER_UNAVAILABLE',
  DEPOSED: 'WRITER_DEPOSED',
  ALREADY_REPORTED: 'ALREADY_REPORTED',
};

export interface FieldProblem {
  field: string;
  reason: string;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message?: string,
    readonly field?: string,
    readonly problems?: FieldProblem[],
  ) {
    super(message ?? API_ERRORS[code].message);
    this.name = 'ApiError';
    this.status = API_ERRORS[code].status;
  }

  /** 400 INVALID_FIELD for a list of field problems: the message names the first, the body lists all. */
  static invalidFields(problems: FieldProblem[]): ApiError {
    const [first] = problems;
    return new ApiError(
      'INVALID_FIELD',
      `${first?.field || 'body'} ${first?.reason}`,
      first?.field,
      problems,
    );
  }

  /** The API's answer to a sequencer's refusal. */
  static fromSequencer(e: SequencerError): ApiError {
    const code: ApiErrorCode =
      e.code in SEQUENCER_CODES
        ? SEQUENCER_CODES[e.code as keyof typeof SEQUENCER_CODES]
        : (e.code as RuleErrorCode | OfficialErrorCode | AgentErrorCode);
    return new ApiError(code, e.message, e.field);
  }

  toJSON() {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field !== undefined ? { field: this.field } : {}),
        ...(this.problems ? { problems: this.problems } : {}),
      },
    };
  }
}

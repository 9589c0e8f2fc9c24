// The one catalogue of API errors: code, HTTP status and a default message.
// Every refusal names the field at fault where there is one, and a refused
// request changes nothing.
import type { OfficialErrorCode } from '../election/officials.js';
import type { RuleErrorCode } from '../election/rules.js';

export const API_ERRORS = {
  MALFORMED_BODY: { status: 400, message: 'the request body is not valid JSON' },
  INVALID_FIELD: { status: 400, message: 'a field is missing or malformed' },
  BODY_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'unsupported content type' },
  WRONG_ELECTION: { status: 422, message: 'the result is for another election' },
  UNKNOWN_CONTEST: { status: 422, message: 'no such contest' },
  UNKNOWN_STATION: { status: 422, message: 'no such polling station' },
  STATION_NOT_IN_CONTEST: { status: 422, message: 'the station takes no part in that contest' },
  UNKNOWN_DEVICE: { status: 403, message: 'the device is not enrolled' },
  DEVICE_NOT_ENROLLED_AT_STATION: {
    status: 403,
    message: 'the device is not enrolled at that station',
  },
  DEVICE_REVOKED: { status: 403, message: 'the device has been revoked' },
  UNKNOWN_CANDIDATE: { status: 422, message: 'not a candidate in that race' },
  MISSING_CANDIDATE: { status: 422, message: 'a candidate of the race is missing' },
  BAD_SIGNATURE: { status: 401, message: 'the signature does not verify' },
  ALREADY_REPORTED: {
    status: 409,
    message: 'a different result for this station and contest is already logged',
  },
  FORM_HASH_MISMATCH: {
    status: 422,
    message: 'the uploaded form does not hash to the SHA-256 in the URL',
  },
  FORM_NOT_RECOGNISED: { status: 415, message: 'the form must be a JPEG, PNG or PDF' },
  FORM_NOT_SIGNED: {
    status: 401,
    message: 'a form upload must carry Kura-Device and Kura-Form-Signature (FORMATS.md §10.3)',
  },
  FORM_QUOTA_EXCEEDED: { status: 429, message: 'the device has stored as many forms as it may' },
  FORM_STORAGE_FULL: { status: 507, message: 'the server has no room for more forms' },
  NOT_FOUND: { status: 404, message: 'not found' },
  BAD_QUERY: { status: 400, message: 'a query parameter is missing or malformed' },
  BAD_URL: { status: 400, message: 'the URL path is not valid (malformed percent-encoding)' },
  PATH_TOO_LONG: { status: 414, message: 'a path parameter is over 512 characters' },
  MALFORMED_REQUEST: { status: 400, message: 'the request is not valid HTTP/1.1' },
  REQUEST_TIMEOUT: { status: 408, message: 'the request did not arrive in time' },
  HEADERS_TOO_LARGE: { status: 431, message: 'the request headers are too large' },
  BEYOND_TREE: { status: 400, message: 'the requested index or size is beyond the current tree' },
  SEQUENCER_UNAVAILABLE: {
    status: 503,
    message: 'the log is not accepting results right now; retry later',
  },
  READ_ONLY: { status: 405, message: 'this server is a read-only mirror' },
  // Officials: sessions (src/server/officials-service.ts) and acts (src/election/officials.ts).
  NOT_LOGGED_IN: { status: 401, message: 'log in first (Authorization: Bearer <token>)' },
  SESSION_EXPIRED: { status: 401, message: 'the session has expired; log in again' },
  LOGIN_FAILED: { status: 401, message: 'wrong account name, password or second factor' },
  ACCOUNT_LOCKED: {
    status: 429,
    message: 'too many failed logins; the account is locked for a while',
  },
  RATE_LIMITED: { status: 429, message: 'too many login attempts from this address; wait' },
  OFFICIALS_DISABLED: {
    status: 405,
    message: 'this server was started without the commission key; official acts are off',
  },
  BAD_COMMISSION_SIGNATURE: { status: 500, message: 'the commission signature failed' },
  UNKNOWN_ACCOUNT: { status: 404, message: 'no such account' },
  ACCOUNT_DISABLED: { status: 403, message: 'the account is disabled' },
  ROLE_MISMATCH: { status: 403, message: "the role is not the account's role" },
  NOT_PERMITTED: { status: 403, message: 'this role may not do that' },
  ACCOUNT_EXISTS: { status: 409, message: 'the account already exists' },
  TWO_PERSON_RULE: {
    status: 403,
    message: 'an account that can approve is proposed by one administrator and approved by another',
  },
  UNKNOWN_PROPOSAL: { status: 404, message: 'no such account proposal' },
  NOT_INDEPENDENT: {
    status: 403,
    message: 'the approver took part in making another participant, or the reverse',
  },
  ACTIVATION_FAILED: { status: 401, message: 'the activation codes do not match this account' },
  BAD_SCOPE: { status: 422, message: "the account's scope does not suit its role" },
  UNKNOWN_UNIT: { status: 422, message: 'no such unit' },
  DEVICE_EXISTS: { status: 409, message: 'the device is already on the record' },
  WEAK_DEVICE_KEY: { status: 422, message: 'the public key is not a usable Ed25519 key' },
  NO_SUCH_RESULT: { status: 422, message: 'no such result to correct' },
  CORRECTION_PENDING: { status: 409, message: 'a correction of this result awaits approval' },
  UNKNOWN_CORRECTION: { status: 404, message: 'no such correction' },
  CORRECTION_NOT_PENDING: { status: 409, message: 'the correction is already in force' },
  SELF_APPROVAL: {
    status: 403,
    message: 'an official may not approve a correction they proposed or approved',
  },
  WRONG_APPROVER: { status: 403, message: 'this correction needs another approver' },
  NOT_A_RACE_UNIT: { status: 422, message: 'no single race to declare in that unit' },
  ALREADY_DECLARED: { status: 409, message: 'already declared' },
  DECLARATION_MISMATCH: {
    status: 409,
    message: "the declared figures differ from the log's sums",
  },
  INTERNAL: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

// Every rule refusal must have a catalogue entry (checked by the compiler).
const _ruleCodesCovered: Record<RuleErrorCode, ApiErrorCode> = {
  WRONG_ELECTION: 'WRONG_ELECTION',
  UNKNOWN_CONTEST: 'UNKNOWN_CONTEST',
  UNKNOWN_STATION: 'UNKNOWN_STATION',
  STATION_NOT_IN_CONTEST: 'STATION_NOT_IN_CONTEST',
  UNKNOWN_DEVICE: 'UNKNOWN_DEVICE',
  DEVICE_NOT_ENROLLED_AT_STATION: 'DEVICE_NOT_ENROLLED_AT_STATION',
  DEVICE_REVOKED: 'DEVICE_REVOKED',
  UNKNOWN_CANDIDATE: 'UNKNOWN_CANDIDATE',
  MISSING_CANDIDATE: 'MISSING_CANDIDATE',
  BAD_SIGNATURE: 'BAD_SIGNATURE',
};
void _ruleCodesCovered;
// And every refusal of an official act.
const _officialCodesCovered: readonly ApiErrorCode[] = [] as OfficialErrorCode[];
void _officialCodesCovered;

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

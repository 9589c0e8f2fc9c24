// The official entry: one privileged act or access event, on the record. The
// server writes one for every login attempt and every privileged call (account
// changes, device enrolment and revocation, corrections and their approvals,
// declarations), signed with the commission's key that the server holds while
// it runs. Never a secret: no password, token or second-factor code is ever
// part of one. The fold (officials.ts) checks each act against the log's
// state at its index; see FORMATS.md §14.
import type { CandidateId, ContestId, DeviceId, StationCode, UnitCode } from './definition.js';
import { BASE64_SIG, type Checker, HEX64, ID, RFC3339_UTC } from './shape.js';

/** Who may do what (FORMATS.md §14.2). A presiding officer's device has no account: it signs results. */
export type Role = 'commission-admin' | 'returning-officer' | 'observer';
export const ROLES: readonly Role[] = ['commission-admin', 'returning-officer', 'observer'];
export type AccountId = string;

/** The roles whose acts can approve (corrections, other accounts): made by two administrators. */
export const APPROVING_ROLES: readonly Role[] = ['commission-admin', 'returning-officer'];

/**
 * How a login attempt ended. One outcome for every failure (unknown name, wrong
 * password or code, locked or disabled account): the public log must not tell
 * a password guesser which factor was wrong.
 */
export type LoginOutcome = 'success' | 'failed';
export const LOGIN_OUTCOMES: readonly LoginOutcome[] = ['success', 'failed'];

/** An IPv4 /24 ("192.0.2.0/24"), an IPv6 /48 ("2001:db8:0::/48"), or "" (FORMATS.md §14.1). */
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const GROUP = '(?:0|[1-9a-f][0-9a-f]{0,3})';
export const ADDRESS_CLASS = new RegExp(
  `^(?:${OCTET}\\.${OCTET}\\.${OCTET}\\.0/24|${GROUP}:${GROUP}:${GROUP}::/48|)$`,
);

export interface Figures {
  votes: Record<CandidateId, number>;
  rejected: number;
  totalValid: number;
}

export type OfficialAct =
  | { kind: 'account-created'; account: AccountId; role: Role; scope: UnitCode }
  /** An approving account, proposed by one administrator … */
  | { kind: 'account-proposed'; account: AccountId; role: Role; scope: UnitCode }
  /** … made by another's approval of the proposal (the index of the account-proposed entry). */
  | { kind: 'account-approved'; proposal: number }
  | { kind: 'account-disabled'; account: AccountId }
  /** `address`: the class of the address the attempt came from (never the address itself). */
  | { kind: 'login'; outcome: LoginOutcome; address: string }
  | { kind: 'logout' }
  | {
      kind: 'device-enrolled';
      device: DeviceId;
      station: StationCode;
      publicKey: string;
      /** A lost or broken kit this one replaces ("" for none): it is revoked by this act. */
      replaces: DeviceId | '';
    }
  | { kind: 'device-revoked'; device: DeviceId; reason: string }
  | ({
      kind: 'correction-proposed';
      contest: ContestId;
      station: StationCode;
      /** Index of the result entry being corrected. */
      original: number;
      reason: string;
      /** SHA-256 of the corrected form's scan (or of the original scan, if the form itself stands). */
      form: string;
    } & Figures)
  | { kind: 'correction-approved'; correction: number }
  | ({
      kind: 'declaration';
      contest: ContestId;
      /** "" for the nation (Form 34C); a constituency or county code (Form 34B and its kin). */
      unit: UnitCode;
      /** Why the declared figures differ from the log's sums; "" when they must agree. */
      override: string;
    } & Figures);

export type OfficialActKind = OfficialAct['kind'];

export interface OfficialEntry {
  type: 'official';
  v: 1;
  election: string;
  /** The acting account; "" for the server console (`kura admin create`) or an unknown login name. */
  account: AccountId;
  /** The acting account's role when it acted; "" with account "". */
  role: Role | '';
  /** The server's clock (RFC 3339, UTC). Informational: the log order is authoritative. */
  at: string;
  act: OfficialAct;
  /** Signed by the commission key named in entry 0. */
  sig: string;
}

const ENTRY_KEYS = ['type', 'v', 'election', 'account', 'role', 'at', 'act', 'sig'] as const;
const FIGURES = ['votes', 'rejected', 'totalValid'] as const;
const ACT_KEYS: Record<OfficialActKind, readonly string[]> = {
  'account-created': ['kind', 'account', 'role', 'scope'],
  'account-proposed': ['kind', 'account', 'role', 'scope'],
  'account-approved': ['kind', 'proposal'],
  'account-disabled': ['kind', 'account'],
  login: ['kind', 'outcome', 'address'],
  logout: ['kind'],
  'device-enrolled': ['kind', 'device', 'station', 'publicKey', 'replaces'],
  'device-revoked': ['kind', 'device', 'reason'],
  'correction-proposed': ['kind', 'contest', 'station', 'original', 'reason', 'form', ...FIGURES],
  'correction-approved': ['kind', 'correction'],
  declaration: ['kind', 'contest', 'unit', 'override', ...FIGURES],
};

const ROLE_OR_NONE = /^(commission-admin|returning-officer|observer|)$/;
const ROLE = /^(commission-admin|returning-officer|observer)$/;
const ID_OR_EMPTY = new RegExp(`^(${ID.source.slice(1, -1)})?$`);
const REASON = /^[^\p{Cc}]{1,500}$/u;
const REASON_OR_EMPTY = /^[^\p{Cc}]{0,500}$/u;

/** Checks the fields of an official entry (the caller has checked `type`). */
export function checkOfficialShape(c: Checker): void {
  c.onlyKeys(ENTRY_KEYS);
  c.literal('v', 1);
  c.string('election', ID, 'an identifier');
  c.string('account', ID_OR_EMPTY, 'an account identifier, or "" for the server console');
  c.string('role', ROLE_OR_NONE, 'a role (commission-admin, returning-officer, observer) or ""');
  c.string('at', RFC3339_UTC, 'an RFC 3339 UTC time');
  c.string('sig', BASE64_SIG, 'a base64 Ed25519 signature (64 bytes)');
  const act = c.nested('act');
  if (act) checkActShape(act);
}

/** Checks one act's fields: exactly those of its kind. */
export function checkActShape(a: Checker): void {
  const kind = a.obj.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(ACT_KEYS, kind)) {
    a.fail(
      'kind',
      kind === undefined
        ? 'is required'
        : `must be one of ${Object.keys(ACT_KEYS).join(', ')}, not ${JSON.stringify(kind)}`,
    );
    return;
  }
  const k = kind as OfficialActKind;
  a.onlyKeys(ACT_KEYS[k]);
  switch (k) {
    case 'account-created':
    case 'account-proposed':
      a.string('account', ID, 'an account identifier');
      a.string('role', ROLE, 'commission-admin, returning-officer or observer');
      a.string('scope', ID_OR_EMPTY, 'a unit code, or "" for the nation');
      return;
    case 'account-approved':
      a.count('proposal');
      return;
    case 'account-disabled':
      a.string('account', ID, 'an account identifier');
      return;
    case 'login': {
      const outcome = a.string('outcome');
      if (outcome && !(LOGIN_OUTCOMES as readonly string[]).includes(outcome))
        a.fail('outcome', `must be one of ${LOGIN_OUTCOMES.join(', ')}`);
      a.string('address', ADDRESS_CLASS, 'an address class (a.b.c.0/24, x:y:z::/48) or ""');
      return;
    }
    case 'logout':
      return;
    case 'device-enrolled':
      a.string('device', ID, 'a device id');
      a.string('station', ID, 'a station code');
      a.string('publicKey', /^[A-Za-z0-9+/]{43}=$/, 'a base64 Ed25519 public key (32 bytes)');
      a.string('replaces', ID_OR_EMPTY, 'a device id, or ""');
      return;
    case 'device-revoked':
      a.string('device', ID, 'a device id');
      a.string('reason', REASON, 'a reason of 1 to 500 printable characters');
      return;
    case 'correction-proposed':
      a.string('contest', ID, 'an identifier');
      a.string('station', ID, 'a station code');
      a.count('original');
      a.string('reason', REASON, 'a reason of 1 to 500 printable characters');
      a.string('form', HEX64, 'a lower-case hex SHA-256 (64 characters)');
      checkFigures(a);
      return;
    case 'correction-approved':
      a.count('correction');
      return;
    case 'declaration':
      a.string('contest', ID, 'an identifier');
      a.string('unit', ID_OR_EMPTY, 'a unit code, or "" for the nation');
      a.string('override', REASON_OR_EMPTY, 'a reason of at most 500 printable characters, or ""');
      checkFigures(a);
      return;
  }
}

function checkFigures(a: Checker): void {
  a.votes('votes');
  a.count('rejected');
  a.count('totalValid');
}

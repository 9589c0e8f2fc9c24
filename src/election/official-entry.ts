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
export type Role = 'commission-admin' | 'returning-officer' | 'observer' | 'audit-board';
export const ROLES: readonly Role[] = [
  'commission-admin',
  'returning-officer',
  'observer',
  'audit-board',
];
export type AccountId = string;

/** The roles whose acts can approve (corrections, other accounts). */
export const APPROVING_ROLES: readonly Role[] = ['commission-admin', 'returning-officer'];

/**
 * The roles made by two administrators (proposed, then approved), or by the
 * console: the approving roles, and the audit boards, whose entries say what
 * the paper says (FORMATS.md §15).
 */
export const TWO_PERSON_ROLES: readonly Role[] = [...APPROVING_ROLES, 'audit-board'];

/** How an audit measures risk (FORMATS.md §15): batch comparison, or ballot polling. */
export type AuditMethod = 'macro' | 'bravo' | 'minerva';
export const AUDIT_METHODS: readonly AuditMethod[] = ['macro', 'bravo', 'minerva'];
/** What an audit board found: the station's paper form counted, or no paper to count. */
export type PaperFinding = 'counted' | 'not-found';
export const PAPER_FINDINGS: readonly PaperFinding[] = ['counted', 'not-found'];
export type RoundOutcome = 'risk-limit-met' | 'continue' | 'confirmed' | 'overturned';
export const ROUND_OUTCOMES: readonly RoundOutcome[] = [
  'risk-limit-met',
  'continue',
  'confirmed',
  'overturned',
];
/** A public seed: the digits of dice rolled in public. */
export const AUDIT_SEED = /^[0-9]{20,100}$/;
/**
 * A risk as ECMAScript String(x) writes a binary64 in [0, 1]: "0", "1", a
 * decimal from 0.000001 (at most 5 zeros after the point) with no trailing
 * zero, or below 10^-6 the exponent form "d.ddde-N" (7 ≤ N ≤ 324).
 */
export const RISK_STRING =
  /^(?:0|1|0\.0{0,5}[1-9](?:[0-9]*[1-9])?|[1-9](?:\.[0-9]*[1-9])?e-(?:[7-9]|[1-9][0-9]|[12][0-9]{2}|3[01][0-9]|32[0-4]))$/;
/** The form hash of a paper that was not found. */
export const NO_FORM = '0'.repeat(64);

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
      /** The index of a party agent's dissent on this result: present exactly when the station has one (FORMATS.md §16). */
      dissent?: number;
    } & Figures)
  | { kind: 'correction-approved'; correction: number }
  | ({
      kind: 'declaration';
      contest: ContestId;
      /** "" for the nation (Form 34C); a constituency or county code (Form 34B and its kin). */
      unit: UnitCode;
      /** Why the declared figures differ from the log's sums; "" when they must agree. */
      override: string;
    } & Figures)
  // Risk-limiting audits (FORMATS.md §15).
  | {
      kind: 'audit-proposed';
      audit: string;
      contest: ContestId;
      method: AuditMethod;
      /** Percent, 1 to 20. */
      riskLimit: number;
      /** The log checkpoint whose results are audited: nothing of the contest changes from there on. */
      treeSize: number;
    }
  /** The index of the audit-proposed entry, approved by a second, independent administrator. */
  | { kind: 'audit-approved'; proposal: number }
  | { kind: 'audit-seed'; audit: string; seed: string }
  /** `draws` new draws; `sample`: SHA-256 of the round's canonical sample JSON. */
  | { kind: 'audit-round'; audit: string; round: number; draws: number; sample: string }
  | { kind: 'audit-full-count'; audit: string; round: number }
  | ({
      kind: 'audit-paper';
      audit: string;
      round: number;
      station: StationCode;
      paper: PaperFinding;
      /** SHA-256 of the form's photo; NO_FORM when not found. */
      form: string;
    } & Figures)
  | {
      kind: 'audit-ballots';
      audit: string;
      round: number;
      station: StationCode;
      /** How the station's sampled ballots of the round read, per candidate. */
      votes: Record<CandidateId, number>;
      invalid: number;
      notFound: number;
      form: string;
    }
  /** The index of an audit-paper or audit-ballots entry, confirmed by a second audit-board account. */
  | { kind: 'audit-confirmed'; entry: number }
  | {
      kind: 'audit-round-closed';
      audit: string;
      round: number;
      risk: string;
      outcome: RoundOutcome;
    }
  // Party agents (FORMATS.md §16): a party (or candidate) and the key that signs its roster.
  | { kind: 'party-enrolled'; party: string; name: string; publicKey: string };

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
  'audit-proposed': ['kind', 'audit', 'contest', 'method', 'riskLimit', 'treeSize'],
  'audit-approved': ['kind', 'proposal'],
  'audit-seed': ['kind', 'audit', 'seed'],
  'audit-round': ['kind', 'audit', 'round', 'draws', 'sample'],
  'audit-full-count': ['kind', 'audit', 'round'],
  'audit-paper': ['kind', 'audit', 'round', 'station', 'paper', 'form', ...FIGURES],
  'audit-ballots': ['kind', 'audit', 'round', 'station', 'votes', 'invalid', 'notFound', 'form'],
  'audit-confirmed': ['kind', 'entry'],
  'audit-round-closed': ['kind', 'audit', 'round', 'risk', 'outcome'],
  'party-enrolled': ['kind', 'party', 'name', 'publicKey'],
};
/** Members an act of a kind may have besides ACT_KEYS (present only when a rule needs them). */
const OPTIONAL_ACT_KEYS: Partial<Record<OfficialActKind, readonly string[]>> = {
  'correction-proposed': ['dissent'],
};

const ROLE_OR_NONE = /^(commission-admin|returning-officer|observer|audit-board|)$/;
const ROLE = /^(commission-admin|returning-officer|observer|audit-board)$/;
const ROLE_NAMES = 'commission-admin, returning-officer, observer or audit-board';
const ID_OR_EMPTY = new RegExp(`^(${ID.source.slice(1, -1)})?$`);
const REASON = /^[^\p{Cc}]{1,500}$/u;
const REASON_OR_EMPTY = /^[^\p{Cc}]{0,500}$/u;

/** Checks the fields of an official entry (the caller has checked `type`). */
export function checkOfficialShape(c: Checker): void {
  c.onlyKeys(ENTRY_KEYS);
  c.literal('v', 1);
  c.string('election', ID, 'an identifier');
  c.string('account', ID_OR_EMPTY, 'an account identifier, or "" for the server console');
  c.string('role', ROLE_OR_NONE, `a role (${ROLE_NAMES}) or ""`);
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
  a.onlyKeys([...ACT_KEYS[k], ...(OPTIONAL_ACT_KEYS[k] ?? [])]);
  switch (k) {
    case 'account-created':
    case 'account-proposed':
      a.string('account', ID, 'an account identifier');
      a.string('role', ROLE, ROLE_NAMES);
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
      if (Object.hasOwn(a.obj, 'dissent')) a.count('dissent');
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
    case 'audit-proposed': {
      a.string('audit', ID, 'an audit identifier');
      a.string('contest', ID, 'an identifier');
      oneOf(a, 'method', AUDIT_METHODS);
      const before = a.errors.length;
      const limit = a.count('riskLimit');
      if (a.errors.length === before && (limit < 1 || limit > 20))
        a.fail('riskLimit', 'must be a percentage from 1 to 20');
      a.count('treeSize');
      return;
    }
    case 'audit-approved':
      a.count('proposal');
      return;
    case 'audit-seed':
      a.string('audit', ID, 'an audit identifier');
      a.string('seed', AUDIT_SEED, 'the digits of dice rolled in public (20 to 100 digits 0-9)');
      return;
    case 'audit-round': {
      a.string('audit', ID, 'an audit identifier');
      a.count('round');
      const before = a.errors.length;
      const draws = a.count('draws');
      if (a.errors.length === before && draws === 0) a.fail('draws', 'must be at least 1');
      a.string('sample', HEX64, 'a lower-case hex SHA-256 (64 characters)');
      return;
    }
    case 'audit-full-count':
      a.string('audit', ID, 'an audit identifier');
      a.count('round');
      return;
    case 'audit-paper':
      a.string('audit', ID, 'an audit identifier');
      a.count('round');
      a.string('station', ID, 'a station code');
      oneOf(a, 'paper', PAPER_FINDINGS);
      a.string('form', HEX64, 'a lower-case hex SHA-256 (64 characters)');
      checkFigures(a);
      return;
    case 'audit-ballots':
      a.string('audit', ID, 'an audit identifier');
      a.count('round');
      a.string('station', ID, 'a station code');
      a.votes('votes');
      a.count('invalid');
      a.count('notFound');
      a.string('form', HEX64, 'a lower-case hex SHA-256 (64 characters)');
      return;
    case 'audit-confirmed':
      a.count('entry');
      return;
    case 'audit-round-closed':
      a.string('audit', ID, 'an audit identifier');
      a.count('round');
      a.string('risk', RISK_STRING, 'a risk as ECMAScript String() writes a number from 0 to 1');
      oneOf(a, 'outcome', ROUND_OUTCOMES);
      return;
    // Party agents (FORMATS.md §16).
    case 'party-enrolled':
      a.string('party', ID, 'a party identifier');
      a.string('name', PARTY_NAME, 'a name of 1 to 200 printable characters');
      a.string('publicKey', /^[A-Za-z0-9+/]{43}=$/, 'a base64 Ed25519 public key (32 bytes)');
      return;
  }
}

const PARTY_NAME = /^[^\p{Cc}]{1,200}$/u;

function oneOf(a: Checker, field: string, values: readonly string[]): void {
  const v = a.string(field);
  if (typeof a.obj[field] === 'string' && !values.includes(v))
    a.fail(field, `must be one of ${values.join(', ')}`);
}

function checkFigures(a: Checker): void {
  a.votes('votes');
  a.count('rejected');
  a.count('totalValid');
}

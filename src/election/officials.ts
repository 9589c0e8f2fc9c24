// Officials on the record: the state that official entries build up (accounts
// and who made them, devices enrolled and revoked, corrections and their
// approvals, declarations, and the access log), and the rules each act must
// pass given the state before it. The two-person rule holds against one
// person: an account that can approve is made by two administrators, and an
// approval counts only from an account independent of the other participants
// (FORMATS.md §14.2). Part of the fold: the server checks an act with these rules before it
// logs it, and `kura verify` and the browser replay the same rules over the log.
import { err, ok, type Result } from '../basics/result.js';
import { fromBase64 } from '../log/bytes.js';
import { ed25519Verify, isWeakEd25519Key } from '../log/crypto.js';
import { decodeVerifierKey } from '../log/note.js';
import { AgentBook, type PartyErrorCode } from './agents.js';
import { type AuditErrorCode, type AuditFoldView, Audits } from './audits.js';
import type { ContestId, DeviceId, StationCode, UnitCode } from './definition.js';
import { type ElectionIndex, NATION } from './election-index.js';
import { signingMessage } from './entries.js';
import {
  type AccountId,
  APPROVING_ROLES,
  type Figures,
  type OfficialAct,
  type OfficialActKind,
  type OfficialEntry,
  type Role,
  TWO_PERSON_ROLES,
} from './official-entry.js';

/** Why an official act is refused. The server answers with the same code. */
export type OfficialErrorCode =
  | 'WRONG_ELECTION'
  | 'BAD_COMMISSION_SIGNATURE'
  | 'UNKNOWN_ACCOUNT'
  | 'ACCOUNT_DISABLED'
  | 'ROLE_MISMATCH'
  | 'NOT_PERMITTED'
  | 'ACCOUNT_EXISTS'
  | 'TWO_PERSON_RULE'
  | 'UNKNOWN_PROPOSAL'
  | 'NOT_INDEPENDENT'
  | 'BAD_SCOPE'
  | 'UNKNOWN_STATION'
  | 'UNKNOWN_CONTEST'
  | 'STATION_NOT_IN_CONTEST'
  | 'UNKNOWN_UNIT'
  | 'UNKNOWN_DEVICE'
  | 'DEVICE_EXISTS'
  | 'DEVICE_REVOKED'
  | 'WEAK_DEVICE_KEY'
  | 'UNKNOWN_CANDIDATE'
  | 'MISSING_CANDIDATE'
  | 'NO_SUCH_RESULT'
  | 'CORRECTION_PENDING'
  | 'UNKNOWN_CORRECTION'
  | 'CORRECTION_NOT_PENDING'
  | 'SELF_APPROVAL'
  | 'WRONG_APPROVER'
  | 'NOT_A_RACE_UNIT'
  | 'ALREADY_DECLARED'
  | 'DECLARATION_MISMATCH'
  // Party agents (FORMATS.md §16).
  | PartyErrorCode
  | 'DISSENT_NOT_CITED'
  | 'NOT_A_DISSENT'
  | AuditErrorCode;

export interface OfficialError {
  code: OfficialErrorCode;
  field: string;
  message: string;
}

export interface Account {
  id: AccountId;
  role: Role;
  /** "" (nation) for administrators and observers; a county or constituency for a returning officer. */
  scope: UnitCode;
  createdAt: number;
  disabledAt: number | null;
  /** The accounts whose acts made this one: [] from the console, [admin] for an observer, [proposer, approver]. */
  createdBy: AccountId[];
  /** Every account that took part in making this one, transitively (sorted): it never acts beside any of them. */
  lineage: AccountId[];
}

/** An approving account proposed by one administrator, awaiting another's approval. */
export interface AccountProposal {
  entryIndex: number;
  account: AccountId;
  role: Role;
  scope: UnitCode;
  proposedBy: AccountId;
  /** The account-approved entry that made the account, or null while it awaits approval. */
  approvedAt: number | null;
}

/** A device as the log now stands: from the definition (enrolledAt -1) or enrolled by an official entry. */
export interface DeviceState {
  id: DeviceId;
  station: StationCode;
  publicKey: string;
  enrolledAt: number;
  revokedAt: number | null;
  revokedReason: string;
}

export interface Approval {
  account: AccountId;
  role: Role;
  entryIndex: number;
}

export type CorrectionStatus = 'awaiting-returning-officer' | 'awaiting-commission' | 'in-force';

export interface Correction extends Figures {
  entryIndex: number;
  contest: ContestId;
  station: StationCode;
  original: number;
  reason: string;
  form: string;
  /** The dissent the proposal cites (FORMATS.md §16): present exactly when the station had one. */
  dissent?: number;
  proposedBy: AccountId;
  approvals: Approval[];
  status: CorrectionStatus;
}

export interface Difference {
  /** "votes.<candidate>", "rejected" or "totalValid". */
  field: string;
  declared: number;
  logged: number;
}

export interface Declaration extends Figures {
  entryIndex: number;
  contest: ContestId;
  unit: UnitCode;
  account: AccountId;
  role: Role;
  at: string;
  override: string;
  /** Where the declared figures differ from the log's sums at the declaration's index (only with an override). */
  differences: Difference[];
  /** Log size the declaration was checked against (its own index). */
  stationsReported: number;
}

/** One line of "who did what": every official entry, in log order. */
export interface ActRecord {
  entryIndex: number;
  account: AccountId;
  role: Role | '';
  at: string;
  kind: OfficialActKind;
  /** What it acted on: an account, device, station/contest, correction index or unit; "" for a login. */
  object: string;
  /** The login outcome, for logins. */
  outcome?: string;
}

/** The logged figures of a unit's race (what a declaration is checked against). */
export type RaceFigures = Figures & { stationsReported: number };

/** What the fold tells the officials' rules about results and tallies. */
export interface FoldView extends AuditFoldView {
  /** The result entry index and figures a station's contest is counted with, if any. */
  resultIndex(contest: ContestId, station: StationCode): number | undefined;
  /** The race tally of a unit, or null if the unit holds several races (a party tally) or none. */
  raceFigures(contest: ContestId, unit: UnitCode): RaceFigures | null | undefined;
}

/** What an accepted act changes beyond the officials' own state. */
export type OfficialEffect =
  | { kind: 'none' }
  | { kind: 'correction-in-force'; correction: Correction };

const NONE: OfficialEffect = { kind: 'none' };

function refuse(
  code: OfficialErrorCode,
  field: string,
  message: string,
): { ok: false; error: OfficialError } {
  return err({ code, field, message });
}

type ActOf<K extends OfficialActKind> = Extract<OfficialAct, { kind: K }>;

/** What an act's rules are given besides the act: who acts, where in the log, and the fold. */
export interface ActContext {
  entry: OfficialEntry;
  /** The acting account; null for the console or an unknown login name. */
  actor: Account | null;
  /** The act's log index. */
  at: number;
  fold: FoldView;
}

/**
 * One kind of official act: the rules it must pass given the state before it,
 * and what it then changes, side by side. `apply` runs only after `check`
 * passed, and returns what the act acted on (ActRecord.object).
 */
interface ActRules<K extends OfficialActKind> {
  check(o: Officials, act: ActOf<K>, c: ActContext): Result<OfficialEffect, OfficialError>;
  apply(o: Officials, act: ActOf<K>, c: ActContext): string;
}

type AuditActKind = Extract<OfficialActKind, `audit-${string}`>;

/** Every audit act goes to the audits' own rules (audits.ts); none changes a tally. */
function auditAct<K extends AuditActKind>(): ActRules<K> {
  return {
    check: (o, act, c) => {
      const r = o.audits.check(act, o.auditContextOf(c));
      return r.ok ? ok(NONE) : r;
    },
    apply: (o, act, c) => o.audits.apply(act, o.auditContextOf(c)),
  };
}

export class Officials {
  readonly accounts = new Map<AccountId, Account>();
  /** account-proposed entries by index. */
  readonly accountProposals = new Map<number, AccountProposal>();
  /** account id → index of its proposal awaiting approval. */
  private readonly pendingAccounts = new Map<AccountId, number>();
  readonly devices = new Map<DeviceId, DeviceState>();
  readonly corrections = new Map<number, Correction>();
  /** contest → station → index of the correction awaiting approval. */
  private readonly pendingByStation = new Map<string, number>();
  readonly declarations = new Map<string, Declaration>();
  readonly acts: ActRecord[] = [];
  /** Risk-limiting audits (FORMATS.md §15). */
  readonly audits: Audits;
  private readonly commissionKey: Uint8Array | null;

  constructor(
    readonly index: ElectionIndex,
    /** Parties, their agents and their words (FORMATS.md §16): a party is enrolled by an official act. */
    readonly agents: AgentBook = new AgentBook(index),
  ) {
    this.audits = new Audits(index);
    for (const d of index.definition.devices)
      this.devices.set(d.id, {
        id: d.id,
        station: d.station,
        publicKey: d.publicKey,
        enrolledAt: -1,
        revokedAt: null,
        revokedReason: '',
      });
    const key = decodeVerifierKey(index.definition.commissionKey);
    this.commissionKey = key.ok && key.value.publicKey.length === 32 ? key.value.publicKey : null;
  }

  static declarationKey(contest: ContestId, unit: UnitCode): string {
    return `${contest}\u0000${unit}`;
  }

  pendingCorrection(contest: ContestId, station: StationCode): Correction | undefined {
    const i = this.pendingByStation.get(`${contest}\u0000${station}`);
    return i === undefined ? undefined : this.corrections.get(i);
  }

  /** The proposal awaiting approval for an account id, if any. */
  pendingAccount(id: AccountId): AccountProposal | undefined {
    const i = this.pendingAccounts.get(id);
    return i === undefined ? undefined : this.accountProposals.get(i);
  }

  /**
   * Whether two accounts may take part in one two-person act: distinct, and
   * neither took part (however indirectly) in making the other.
   */
  independent(a: AccountId, b: AccountId): boolean {
    if (a === b) return false;
    const la = this.accounts.get(a)?.lineage ?? [];
    const lb = this.accounts.get(b)?.lineage ?? [];
    return !la.includes(b) && !lb.includes(a);
  }

  /** Whether an account's scope covers a station: the nation ("") covers every station. */
  covers(scope: UnitCode, station: StationCode): boolean {
    return scope === NATION || this.index.rollup(station).includes(scope);
  }

  /**
   * Checks an act against the state before it, signature included unless the
   * caller has just made it (`signed`: the server, which signs its own acts).
   * Everything in the entry is attacker-controlled when it comes from a log.
   */
  check(
    entry: OfficialEntry,
    at: number,
    fold: FoldView,
    signed = false,
  ): Result<OfficialEffect, OfficialError> {
    if (entry.election !== this.index.definition.electionId)
      return refuse(
        'WRONG_ELECTION',
        'election',
        `this log is election "${this.index.definition.electionId}", not "${entry.election}"`,
      );
    if (!signed) {
      const sig = fromBase64(entry.sig);
      if (
        !this.commissionKey ||
        !sig ||
        !ed25519Verify(this.commissionKey, signingMessage(entry), sig)
      )
        return refuse(
          'BAD_COMMISSION_SIGNATURE',
          'sig',
          'the signature does not verify with the commission key named in entry 0',
        );
    }
    const actor = this.checkActor(entry);
    if (!actor.ok) return actor;
    return Officials.rulesOf(entry.act).check(this, entry.act, {
      entry,
      actor: actor.value,
      at,
      fold,
    });
  }

  /** Records an act that check() accepted. */
  apply(entry: OfficialEntry, at: number, fold: FoldView): void {
    const { act } = entry;
    const actor = entry.account === '' ? null : (this.accounts.get(entry.account) ?? null);
    const object = Officials.rulesOf(act).apply(this, act, { entry, actor, at, fold });
    this.acts.push({
      entryIndex: at,
      account: entry.account,
      role: entry.role,
      at: entry.at,
      kind: act.kind,
      object,
      ...(act.kind === 'login' ? { outcome: act.outcome } : {}),
    });
  }

  private static rulesOf(act: OfficialAct): ActRules<OfficialActKind> {
    // Each kind's rules take that kind's act: the table below is typed per kind.
    return Officials.ACTS[act.kind] as ActRules<OfficialActKind>;
  }

  /** The acting account (null for the console or an unknown login name), checked against the log. */
  private checkActor(entry: OfficialEntry): Result<Account | null, OfficialError> {
    const { act } = entry;
    if (entry.account === '') {
      if (entry.role !== '')
        return refuse('ROLE_MISMATCH', 'role', 'the server console (account "") has no role');
      const consoleMay =
        act.kind === 'account-created' ||
        act.kind === 'party-enrolled' ||
        (act.kind === 'login' && act.outcome === 'failed');
      if (!consoleMay)
        return refuse(
          'NOT_PERMITTED',
          'account',
          `a ${act.kind}${act.kind === 'login' ? ` (${act.outcome})` : ''} act needs an account; only account creation, party enrolment and failed logins may have none`,
        );
      return ok(null);
    }
    const account = this.accounts.get(entry.account);
    if (!account)
      return refuse('UNKNOWN_ACCOUNT', 'account', `no account "${entry.account}" in the log`);
    if (entry.role !== account.role)
      return refuse(
        'ROLE_MISMATCH',
        'role',
        `account ${account.id} is a ${account.role}, not a ${entry.role || 'console'}`,
      );
    // A disabled account's failed logins are still recorded; it can do nothing else.
    if (account.disabledAt !== null && !(act.kind === 'login' && act.outcome === 'failed'))
      return refuse(
        'ACCOUNT_DISABLED',
        'account',
        `account ${account.id} was disabled at log entry ${account.disabledAt}`,
      );
    return ok(account);
  }

  /** The acts, each with its rules and its effect (FORMATS.md §14.2, §15). */
  private static readonly ACTS: { [K in OfficialActKind]: ActRules<K> } = {
    'audit-proposed': auditAct(),
    'audit-approved': auditAct(),
    'audit-seed': auditAct(),
    'audit-round': auditAct(),
    'audit-full-count': auditAct(),
    'audit-paper': auditAct(),
    'audit-ballots': auditAct(),
    'audit-confirmed': auditAct(),
    'audit-round-closed': auditAct(),

    'party-enrolled': {
      check: (o, act, { actor }) => {
        // The console (the commission itself) enrols parties alone, as an administrator does.
        if (actor !== null) {
          const no = permit(actor, ['commission-admin'], 'enrol parties');
          if (no) return no;
        }
        const refused = o.agents.checkNewParty(act);
        return refused ? err(refused) : ok(NONE);
      },
      apply: (o, act, { at }) => {
        o.agents.addParty(act, at);
        return act.party;
      },
    },

    login: { check: () => ok(NONE), apply: () => '' },
    logout: { check: () => ok(NONE), apply: () => '' },

    'account-created': {
      check: (o, act, { actor }) => {
        // The console (the commission, bootstrapping) creates any account alone.
        if (actor !== null) {
          const no = permit(actor, ['commission-admin'], 'create accounts');
          if (no) return no;
          if (TWO_PERSON_ROLES.includes(act.role))
            return refuse(
              'TWO_PERSON_RULE',
              'act.role',
              `a ${act.role} account is proposed by one administrator and approved by another (account-proposed, account-approved)`,
            );
        }
        return o.checkNewAccount(act);
      },
      apply: (o, act, { entry, at }) => {
        o.addAccount(
          act.account,
          act.role,
          act.scope,
          at,
          entry.account === '' ? [] : [entry.account],
        );
        return act.account;
      },
    },

    'account-proposed': {
      check: (o, act, { actor }) => {
        const no = permit(actor, ['commission-admin'], 'create accounts');
        if (no) return no;
        if (!TWO_PERSON_ROLES.includes(act.role))
          return refuse(
            'NOT_PERMITTED',
            'act.role',
            `an ${act.role} cannot approve anything: an administrator creates it alone (account-created)`,
          );
        return o.checkNewAccount(act);
      },
      apply: (o, act, { entry, at }) => {
        o.accountProposals.set(at, {
          entryIndex: at,
          account: act.account,
          role: act.role,
          scope: act.scope,
          proposedBy: entry.account,
          approvedAt: null,
        });
        o.pendingAccounts.set(act.account, at);
        return act.account;
      },
    },

    'account-approved': {
      check: (o, act, { actor }) => {
        const no = permit(actor, ['commission-admin'], 'approve accounts');
        if (no) return no;
        const p = o.accountProposals.get(act.proposal);
        if (!p)
          return refuse(
            'UNKNOWN_PROPOSAL',
            'act.proposal',
            `entry ${act.proposal} is not an account proposal`,
          );
        if (p.approvedAt !== null)
          return refuse(
            'ACCOUNT_EXISTS',
            'act.proposal',
            `account ${p.account} was approved at log entry ${p.approvedAt}`,
          );
        if (actor === null) return refuse('NOT_PERMITTED', 'account', 'needs an account');
        if (actor.id === p.proposedBy)
          return refuse(
            'SELF_APPROVAL',
            'account',
            `${actor.id} proposed account ${p.account}; another administrator must approve it`,
          );
        return o.dependence(actor, [p.proposedBy], `the account ${p.account}`) ?? ok(NONE);
      },
      apply: (o, act, { entry, at }) => {
        const p = o.accountProposals.get(act.proposal);
        if (!p) return '';
        p.approvedAt = at;
        o.pendingAccounts.delete(p.account);
        o.addAccount(p.account, p.role, p.scope, at, [p.proposedBy, entry.account]);
        return p.account;
      },
    },

    'account-disabled': {
      check: (o, act, { actor }) => {
        const no = permit(actor, ['commission-admin'], 'disable accounts');
        if (no) return no;
        const target = o.accounts.get(act.account);
        if (!target) return refuse('UNKNOWN_ACCOUNT', 'act.account', `no account "${act.account}"`);
        if (target.disabledAt !== null)
          return refuse(
            'ACCOUNT_DISABLED',
            'act.account',
            `account ${act.account} was disabled at log entry ${target.disabledAt}`,
          );
        return ok(NONE);
      },
      apply: (o, act, { at }) => {
        const a = o.accounts.get(act.account);
        if (a) a.disabledAt = at;
        return act.account;
      },
    },

    'device-enrolled': {
      check: (o, act, { actor }) => {
        const no = permit(actor, ['commission-admin'], 'enroll devices');
        if (no) return no;
        if (!o.index.stations.has(act.station))
          return refuse('UNKNOWN_STATION', 'act.station', `no polling station "${act.station}"`);
        if (o.devices.has(act.device))
          return refuse(
            'DEVICE_EXISTS',
            'act.device',
            `device ${act.device} is already on the record; enroll a new kit under a new id`,
          );
        const key = fromBase64(act.publicKey);
        if (key?.length !== 32 || isWeakEd25519Key(key))
          return refuse(
            'WEAK_DEVICE_KEY',
            'act.publicKey',
            'the public key is not a usable Ed25519 key',
          );
        for (const d of o.devices.values())
          if (d.publicKey === act.publicKey)
            return refuse(
              'DEVICE_EXISTS',
              'act.publicKey',
              `device ${d.id} already has this public key`,
            );
        if (act.replaces !== '') {
          const old = o.devices.get(act.replaces);
          if (!old) return refuse('UNKNOWN_DEVICE', 'act.replaces', `no device "${act.replaces}"`);
          if (old.station !== act.station)
            return refuse(
              'NOT_PERMITTED',
              'act.replaces',
              `device ${old.id} serves station ${old.station}, not ${act.station}`,
            );
          if (old.revokedAt !== null)
            return refuse(
              'DEVICE_REVOKED',
              'act.replaces',
              `device ${old.id} was already revoked at log entry ${old.revokedAt}`,
            );
        }
        return ok(NONE);
      },
      apply: (o, act, { at }) => {
        if (act.replaces !== '') o.revoke(act.replaces, at, `replaced by ${act.device}`);
        o.devices.set(act.device, {
          id: act.device,
          station: act.station,
          publicKey: act.publicKey,
          enrolledAt: at,
          revokedAt: null,
          revokedReason: '',
        });
        return act.device;
      },
    },

    'device-revoked': {
      check: (o, act, { actor }) => {
        const no = permit(actor, ['commission-admin'], 'revoke devices');
        if (no) return no;
        const d = o.devices.get(act.device);
        if (!d) return refuse('UNKNOWN_DEVICE', 'act.device', `no device "${act.device}"`);
        if (d.revokedAt !== null)
          return refuse(
            'DEVICE_REVOKED',
            'act.device',
            `device ${d.id} was already revoked at log entry ${d.revokedAt}`,
          );
        return ok(NONE);
      },
      apply: (o, act, { at }) => {
        o.revoke(act.device, at, act.reason);
        return act.device;
      },
    },

    'correction-proposed': {
      check: (o, act, { actor, fold }) => {
        const no = permit(actor, ['returning-officer', 'commission-admin'], 'propose corrections');
        if (no) return no;
        const where = o.checkFigures(act.contest, act.station, act);
        if (!where.ok) return where;
        if (actor && !o.covers(actor.scope, act.station))
          return refuse(
            'NOT_PERMITTED',
            'act.station',
            `station ${act.station} is outside ${actor.id}'s area (${actor.scope})`,
          );
        const logged = fold.resultIndex(act.contest, act.station);
        if (logged === undefined || logged !== act.original)
          return refuse(
            'NO_SUCH_RESULT',
            'act.original',
            logged === undefined
              ? `station ${act.station} has no ${act.contest} result to correct`
              : `the ${act.contest} result of station ${act.station} is entry ${logged}, not ${act.original}`,
          );
        const pending = o.pendingCorrection(act.contest, act.station);
        if (pending)
          return refuse(
            'CORRECTION_PENDING',
            'act.station',
            `correction ${pending.entryIndex} of this result is awaiting approval`,
          );
        return o.checkDissentCited(act);
      },
      apply: (o, act, { entry, at }) => {
        o.corrections.set(at, {
          entryIndex: at,
          contest: act.contest,
          station: act.station,
          original: act.original,
          reason: act.reason,
          form: act.form,
          ...(act.dissent === undefined ? {} : { dissent: act.dissent }),
          votes: act.votes,
          rejected: act.rejected,
          totalValid: act.totalValid,
          proposedBy: entry.account,
          approvals: [],
          status: 'awaiting-returning-officer',
        });
        o.pendingByStation.set(`${act.contest}\u0000${act.station}`, at);
        return `${act.contest}/${act.station}`;
      },
    },

    'correction-approved': {
      check: (o, act, { actor }) => {
        const c = o.corrections.get(act.correction);
        if (!c)
          return refuse(
            'UNKNOWN_CORRECTION',
            'act.correction',
            `entry ${act.correction} is not a correction`,
          );
        if (c.status === 'in-force')
          return refuse(
            'CORRECTION_NOT_PENDING',
            'act.correction',
            `correction ${c.entryIndex} is already in force`,
          );
        if (actor === null || !APPROVING_ROLES.includes(actor.role))
          return refuse(
            'NOT_PERMITTED',
            'role',
            `${actor ? `a ${actor.role}` : 'the console'} may not approve corrections`,
          );
        if (actor.id === c.proposedBy || c.approvals.some((a) => a.account === actor.id))
          return refuse(
            'SELF_APPROVAL',
            'account',
            `${actor.id} ${actor.id === c.proposedBy ? 'proposed' : 'already approved'} correction ${c.entryIndex}; another official must approve it`,
          );
        if (c.status === 'awaiting-returning-officer') {
          if (actor.role !== 'returning-officer' || !o.covers(actor.scope, c.station))
            return refuse(
              'WRONG_APPROVER',
              'role',
              `correction ${c.entryIndex} first needs the returning officer for station ${c.station}`,
            );
        } else if (actor.role !== 'commission-admin')
          return refuse(
            'WRONG_APPROVER',
            'role',
            `correction ${c.entryIndex} now needs the commission's approval`,
          );
        const dep = o.dependence(
          actor,
          [c.proposedBy, ...c.approvals.map((a) => a.account)],
          `correction ${c.entryIndex}`,
        );
        if (dep) return dep;
        if (c.status === 'awaiting-returning-officer') return ok(NONE);
        // Still the result it corrects (nothing else can replace it while pending).
        return ok({ kind: 'correction-in-force', correction: c });
      },
      apply: (o, act, { entry, at }) => {
        const c = o.corrections.get(act.correction);
        if (c && entry.role !== '') {
          c.approvals.push({ account: entry.account, role: entry.role, entryIndex: at });
          if (c.status === 'awaiting-returning-officer') c.status = 'awaiting-commission';
          else {
            c.status = 'in-force';
            o.pendingByStation.delete(`${c.contest}\u0000${c.station}`);
          }
        }
        return String(act.correction);
      },
    },

    declaration: {
      check: (o, act, { actor, at, fold }) => {
        const no = permit(actor, ['returning-officer', 'commission-admin'], 'declare');
        if (no) return no;
        if (!o.index.contests.has(act.contest))
          return refuse('UNKNOWN_CONTEST', 'act.contest', `no contest "${act.contest}"`);
        if (act.unit !== NATION && !o.index.units.has(act.unit))
          return refuse('UNKNOWN_UNIT', 'act.unit', `no unit "${act.unit}"`);
        if (actor && actor.role === 'returning-officer' && actor.scope !== act.unit)
          return refuse(
            'NOT_PERMITTED',
            'act.unit',
            `${actor.id} declares for ${actor.scope} only, not "${act.unit}"`,
          );
        const logged = fold.raceFigures(act.contest, act.unit);
        if (!logged)
          return refuse(
            'NOT_A_RACE_UNIT',
            'act.unit',
            `${act.contest} has no single race in "${act.unit || 'the nation'}" to declare`,
          );
        const before = o.declarations.get(Officials.declarationKey(act.contest, act.unit));
        if (before)
          return refuse(
            'ALREADY_DECLARED',
            'act.unit',
            `${act.contest} in "${act.unit || 'the nation'}" was declared at log entry ${before.entryIndex}`,
          );
        const candidates = Object.keys(logged.votes).sort();
        const counts = checkCandidates(act.votes, new Set(candidates), candidates);
        if (!counts.ok) return counts;
        const diff = differences(act, logged);
        if (diff.length && act.override === '')
          return refuse(
            'DECLARATION_MISMATCH',
            diff[0]?.field ? `act.${diff[0].field}` : 'act',
            `the declared figures differ from the log's sums at entry ${at}: ${describe(diff)}; declare the logged figures, or give an override with a reason`,
          );
        return ok(NONE);
      },
      apply: (o, act, { entry, at, fold }) => {
        const logged = fold.raceFigures(act.contest, act.unit);
        if (logged && entry.role !== '')
          o.declarations.set(Officials.declarationKey(act.contest, act.unit), {
            entryIndex: at,
            contest: act.contest,
            unit: act.unit,
            account: entry.account,
            role: entry.role,
            at: entry.at,
            override: act.override,
            votes: act.votes,
            rejected: act.rejected,
            totalValid: act.totalValid,
            differences: differences(act, logged),
            stationsReported: logged.stationsReported,
          });
        return `${act.contest}/${act.unit}`;
      },
    },
  };

  /** An audit act's context: who acts, where, and the officials' two-person and scope rules. */
  auditContextOf({ actor, at, fold }: ActContext) {
    return {
      actor,
      at,
      fold,
      independent: (a: AccountId, b: AccountId) => this.independent(a, b),
      covers: (scope: UnitCode, station: StationCode) => this.covers(scope, station),
    };
  }

  /**
   * A correction of a result an agent dissented from cites a dissent on it
   * (FORMATS.md §16): the dispute is on the record where the correction is.
   */
  private checkDissentCited(act: {
    contest: ContestId;
    station: StationCode;
    dissent?: number;
  }): Result<OfficialEffect, OfficialError> {
    const dissents = this.agents.dissentIndexes(act.contest, act.station);
    if (act.dissent === undefined)
      return dissents.length
        ? refuse(
            'DISSENT_NOT_CITED',
            'act.dissent',
            `station ${act.station}'s ${act.contest} result has a dissent (entry ${dissents.join(', ')}): a correction must cite it`,
          )
        : ok(NONE);
    if (!dissents.includes(act.dissent))
      return refuse(
        'NOT_A_DISSENT',
        'act.dissent',
        dissents.length
          ? `entry ${act.dissent} is not a dissent on this result; its dissents are entries ${dissents.join(', ')}`
          : `entry ${act.dissent} is not a dissent on this result, which has none: leave dissent out`,
      );
    return ok(NONE);
  }

  /** The rules an account being made must pass, whether created at once or proposed. */
  private checkNewAccount(act: {
    account: AccountId;
    role: Role;
    scope: UnitCode;
  }): Result<OfficialEffect, OfficialError> {
    const taken = this.accountTaken(act.account);
    if (taken) return taken;
    if (act.role === 'returning-officer') {
      const unit = this.index.units.get(act.scope);
      if (!unit || unit.level === 'ward')
        return refuse(
          'BAD_SCOPE',
          'act.scope',
          `a returning officer's scope must be a county or constituency of this election, not "${act.scope}"`,
        );
    } else if (act.role === 'audit-board') {
      if (act.scope !== NATION && this.index.units.get(act.scope)?.level !== 'county')
        return refuse(
          'BAD_SCOPE',
          'act.scope',
          `an audit board's scope is the nation ("") or a county of this election, not "${act.scope}"`,
        );
    } else if (act.scope !== NATION)
      return refuse(
        'BAD_SCOPE',
        'act.scope',
        `a ${act.role}'s scope is the nation (""), not "${act.scope}"`,
      );
    return ok(NONE);
  }

  /** ACCOUNT_EXISTS when an id is an account or awaits approval as one. */
  private accountTaken(id: AccountId): { ok: false; error: OfficialError } | null {
    if (this.accounts.has(id))
      return refuse('ACCOUNT_EXISTS', 'act.account', `account ${id} already exists`);
    const p = this.pendingAccount(id);
    if (p)
      return refuse(
        'ACCOUNT_EXISTS',
        'act.account',
        `account ${id} was proposed at log entry ${p.entryIndex} and awaits approval`,
      );
    return null;
  }

  /** The first of `others` that `actor` is not independent of (a NOT_INDEPENDENT refusal), or null. */
  private dependence(actor: Account, others: readonly AccountId[], what: string) {
    for (const o of others)
      if (!this.independent(actor.id, o))
        return refuse(
          'NOT_INDEPENDENT',
          'account',
          `${actor.id} cannot approve ${what}: ${
            this.accounts.get(actor.id)?.lineage.includes(o)
              ? `${o} took part in making ${actor.id}`
              : `${actor.id} took part in making ${o}`
          }; the two-person rule needs an official independent of both`,
        );
    return null;
  }

  /** A station's figures for a contest: a race there, and a count for each of its candidates. */
  private checkFigures(
    contest: ContestId,
    station: StationCode,
    f: Figures,
  ): Result<null, OfficialError> {
    if (!this.index.contests.has(contest))
      return refuse('UNKNOWN_CONTEST', 'act.contest', `no contest "${contest}"`);
    if (!this.index.stations.has(station))
      return refuse('UNKNOWN_STATION', 'act.station', `no polling station "${station}"`);
    const race = this.index.raceFor(contest, station);
    if (!race)
      return refuse(
        'STATION_NOT_IN_CONTEST',
        'act.contest',
        `station ${station} has no race in ${contest}`,
      );
    return checkCandidates(f.votes, race.candidateSet, race.candidates);
  }

  private addAccount(
    id: AccountId,
    role: Role,
    scope: UnitCode,
    at: number,
    createdBy: AccountId[],
  ): void {
    const lineage = new Set<AccountId>(createdBy);
    for (const c of createdBy) for (const l of this.accounts.get(c)?.lineage ?? []) lineage.add(l);
    this.accounts.set(id, {
      id,
      role,
      scope,
      createdAt: at,
      disabledAt: null,
      createdBy,
      lineage: [...lineage].sort(),
    });
  }

  private revoke(device: DeviceId, at: number, reason: string): void {
    const d = this.devices.get(device);
    if (d && d.revokedAt === null) {
      d.revokedAt = at;
      d.revokedReason = reason;
    }
  }
}

/** NOT_PERMITTED unless the actor is an account in one of `roles`. */
function permit(
  actor: Account | null,
  roles: readonly Role[],
  what: string,
): { ok: false; error: OfficialError } | null {
  if (actor === null || !roles.includes(actor.role))
    return refuse(
      'NOT_PERMITTED',
      'role',
      `${actor ? `a ${actor.role}` : 'the console'} may not ${what}; ${roles.join(' or ')} only`,
    );
  return null;
}

/**
 * A count for each candidate and no one else: the first unknown name (sorted),
 * then the first missing one in `order`, so every implementation names the same.
 */
function checkCandidates(
  votes: Figures['votes'],
  known: ReadonlySet<string>,
  order: readonly string[],
): Result<null, OfficialError> {
  for (const c of Object.keys(votes).sort())
    if (!known.has(c))
      return refuse('UNKNOWN_CANDIDATE', `act.votes.${c}`, `"${c}" is not in this race`);
  for (const c of order)
    if (!Object.hasOwn(votes, c))
      return refuse('MISSING_CANDIDATE', `act.votes.${c}`, `a count for "${c}" is missing`);
  return ok(null);
}

/** Declared against logged figures, field by field, candidates sorted. */
export function differences(declared: Figures, logged: Figures): Difference[] {
  const out: Difference[] = [];
  for (const c of Object.keys(logged.votes).sort()) {
    const d = declared.votes[c] ?? 0;
    const l = logged.votes[c] ?? 0;
    if (d !== l) out.push({ field: `votes.${c}`, declared: d, logged: l });
  }
  if (declared.rejected !== logged.rejected)
    out.push({ field: 'rejected', declared: declared.rejected, logged: logged.rejected });
  if (declared.totalValid !== logged.totalValid)
    out.push({ field: 'totalValid', declared: declared.totalValid, logged: logged.totalValid });
  return out;
}

function describe(diff: readonly Difference[]): string {
  const shown = diff
    .slice(0, 5)
    .map((d) => `${d.field} declared ${d.declared}, logged ${d.logged}`);
  return shown.join('; ') + (diff.length > 5 ? `; and ${diff.length - 5} more` : '');
}

// Officials at the server: logins, sessions and acts. Every login attempt and
// every accepted privileged act becomes an official entry in the log, signed
// with the commission key the server holds while it runs; credentials and
// sessions stay in the store's accounts tables and never reach the log.
import { createHash, randomBytes } from 'node:crypto';
import { addressClass, throttleKey } from '../accounts/address.js';
import type { LoginAudit } from '../accounts/login-audit.js';
import {
  checkPassword,
  decoyHash,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from '../accounts/password.js';
import { base32Encode, matchTotp, newTotpSecret, totpUri } from '../accounts/totp.js';
import type { Session } from '../api/contract.js';
import { encodeEntry, signingMessage } from '../election/entries.js';
import type { OfficialAct, OfficialEntry, Role } from '../election/official-entry.js';
import type { Account } from '../election/officials.js';
import { toBase64 } from '../log/bytes.js';
import { ed25519Sign } from '../log/crypto.js';
import type { AccountStore } from '../store/account-store.js';
import { ApiError } from './errors.js';
import type { Receipt, Sequencer } from './sequencer.js';

/** Failed logins in a row that lock an account, and for how long. */
export const LOCKOUT_AFTER = 5;
export const LOCKOUT_MS = 15 * 60_000;
/**
 * Login (and activation) attempts one address may make per fixed window; past
 * it, 429 before any check and no log entry: one address cannot flood the log.
 */
export const ATTEMPTS_PER_ADDRESS = 20;
export const ATTEMPT_WINDOW_MS = 15 * 60_000;
/** A session lasts this long from login. */
export const SESSION_MS = 8 * 60 * 60_000;

/** A new session, as POST /api/v1/login answers it. */
export type SessionInfo = Session;

export interface OfficialsOptions {
  sequencer: Sequencer;
  accounts: AccountStore;
  /** The commission's 32-byte Ed25519 seed (its key signs official entries). */
  commissionSeed: Uint8Array;
  electionId: string;
  now?: () => number;
  /** The private audit of login attempts (which check failed); the log says only "failed". */
  audit?: LoginAudit;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class OfficialsService {
  private readonly now: () => number;
  /** The start of the throttle window whose predecessors were last pruned from the store. */
  private prunedBefore = -1;
  constructor(private readonly o: OfficialsOptions) {
    this.now = o.now ?? Date.now;
  }

  private get fold() {
    return this.o.sequencer.fold;
  }

  /** The entry for an act by `actor` (null: the server console), before it is signed. */
  private draft(actor: Account | null, act: OfficialAct): Omit<OfficialEntry, 'sig'> {
    return {
      type: 'official',
      v: 1,
      election: this.o.electionId,
      account: actor?.id ?? '',
      role: actor?.role ?? '',
      at: rfc3339(this.now()),
      act,
    };
  }

  /** Signs and logs an act by `actor` (null: the server console). Resolves once it is durable. */
  async act(actor: Account | null, act: OfficialAct): Promise<Receipt> {
    const unsigned = this.draft(actor, act);
    const sig = toBase64(ed25519Sign(this.o.commissionSeed, signingMessage(unsigned)));
    const entry: OfficialEntry = { ...unsigned, sig };
    return this.o.sequencer.submitOfficial(entry, encodeEntry(entry));
  }

  /**
   * Creates an account at once: any role from the console (the commission
   * bootstrapping, account null), an observer from an administrator. Its
   * credentials go to the store, then its creation to the log. An
   * administrator gets a TOTP secret, returned once, here.
   */
  async createAccount(
    actor: Account | null,
    a: { account: string; role: Role; scope: string; password: string },
  ): Promise<{ receipt: Receipt; totpSecret: string | null; totpUri: string | null }> {
    checkPasswordLength(a.password);
    if (this.fold.officials.accounts.has(a.account))
      throw new ApiError('ACCOUNT_EXISTS', `account ${a.account} already exists`, 'account');
    const act = accountAct('account-created', a);
    // Refuse before touching the credentials table: the same rules the log will apply.
    this.precheck(actor, act);
    const totpSecret = a.role === 'commission-admin' ? newTotpSecret() : null;
    // Credentials first: an account in the log without them could never log in;
    // credentials without the log entry are inert (login needs the account in the log).
    await this.o.accounts.putAccount({
      id: a.account,
      role: a.role,
      scope: a.scope,
      passwordHash: await hashPassword(a.password),
      totpSecret,
    });
    const receipt = await this.act(actor, act);
    return {
      receipt,
      totpSecret,
      totpUri: totpSecret ? totpUri(totpSecret, a.account) : null,
    };
  }

  /** Runs the log's rules for an act now, so a refusal comes before any side effect. */
  precheck(actor: Account | null, act: OfficialAct): void {
    // Unsigned: the signature is the server's own, made only once the act passes.
    const probe: OfficialEntry = { ...this.draft(actor, act), sig: '' };
    const c = this.fold.checkOfficial(probe, { signedHere: true });
    if (!c.ok) throw new ApiError(c.error.code, c.error.message, c.error.field);
  }

  /**
   * Proposes an approving account (returning officer, administrator): nothing
   * secret is set yet. Returns the proposer's half of the activation code.
   */
  async proposeAccount(
    actor: Account,
    a: { account: string; role: Role; scope: string },
  ): Promise<{ receipt: Receipt; activationCode: string }> {
    const act = accountAct('account-proposed', a);
    this.precheck(actor, act);
    const code = activationCode();
    await this.o.accounts.putProposedAccount({
      id: a.account,
      role: a.role,
      scope: a.scope,
      proposerCodeSha256: sha256Hex(code),
    });
    return { receipt: await this.act(actor, act), activationCode: code };
  }

  /** Approves a proposed account (another administrator). Returns the approver's half of its activation code. */
  async approveAccount(
    actor: Account,
    account: string,
  ): Promise<{ receipt: Receipt; activationCode: string }> {
    const p = this.fold.officials.pendingAccount(account);
    if (!p)
      throw new ApiError(
        this.fold.officials.accounts.has(account) ? 'ACCOUNT_EXISTS' : 'UNKNOWN_PROPOSAL',
        `no proposal of account ${account} awaits approval`,
        'account',
      );
    const act: OfficialAct = { kind: 'account-approved', proposal: p.entryIndex };
    this.precheck(actor, act);
    const code = activationCode();
    // Only the first approver's half is kept: a second, racing approval is refused here.
    if (!(await this.o.accounts.setApproverCode(account, sha256Hex(code))))
      throw new ApiError('ACCOUNT_EXISTS', `account ${account} is already approved`, 'account');
    return { receipt: await this.act(actor, act), activationCode: code };
  }

  /**
   * The new official sets their password with both halves of the activation
   * code (one from each administrator, so neither alone can take the account).
   */
  async activate(
    a: { account: string; proposerCode: string; approverCode: string; password: string },
    address = '',
  ): Promise<{
    account: string;
    role: Role;
    scope: string;
    totpSecret: string | null;
    totpUri: string | null;
  }> {
    await this.throttle(address, a.account);
    checkPasswordLength(a.password);
    const account = this.fold.officials.accounts.get(a.account);
    if (!account || account.disabledAt !== null) throw new ApiError('ACTIVATION_FAILED');
    const totpSecret = account.role === 'commission-admin' ? newTotpSecret() : null;
    const done = await this.o.accounts.activate({
      id: a.account,
      proposerCodeSha256: sha256Hex(a.proposerCode),
      approverCodeSha256: sha256Hex(a.approverCode),
      passwordHash: await hashPassword(a.password),
      totpSecret,
    });
    if (!done) throw new ApiError('ACTIVATION_FAILED');
    return {
      account: account.id,
      role: account.role,
      scope: account.scope,
      totpSecret,
      totpUri: totpSecret ? totpUri(totpSecret, account.id) : null,
    };
  }

  /**
   * Checks a login and logs the attempt, whatever its outcome, as "success" or
   * "failed" (which check failed goes to the private audit only). The guess is
   * reserved in the store before the password is evaluated, so parallel
   * attempts cannot get past the lockout, and a TOTP step is consumed there
   * atomically, so one code opens one session.
   */
  async login(name: string, password: string, code: string, address = ''): Promise<SessionInfo> {
    await this.throttle(address, name);
    const row = await this.o.accounts.getAccount(name);
    const account = this.fold.officials.accounts.get(name);
    const now = this.now();
    const fail = async (detail: string, error: ApiError): Promise<never> => {
      this.o.audit?.({ at: rfc3339(now), account: name, address, outcome: 'failed', detail });
      await this.act(account ?? null, {
        kind: 'login',
        outcome: 'failed',
        address: addressClass(address),
      });
      throw error;
    };
    if (!row || !account) {
      await checkPassword(password, await decoyHash()); // the same time as a real account
      return fail('unknown-account', new ApiError('LOGIN_FAILED'));
    }
    // Disabling is public (in the log), so saying so leaks nothing.
    if (account.disabledAt !== null || row.disabled)
      return fail(
        'disabled',
        new ApiError('ACCOUNT_DISABLED', `account ${name} is disabled`, 'account'),
      );
    const attempt = await this.o.accounts.reserveLoginAttempt(
      name,
      new Date(now),
      LOCKOUT_AFTER,
      new Date(now + LOCKOUT_MS),
    );
    if (attempt === null)
      return fail(
        'locked',
        new ApiError(
          'ACCOUNT_LOCKED',
          `account ${name} is locked after ${LOCKOUT_AFTER} failed logins; try again later`,
          'account',
        ),
      );
    const wrong = async (detail: string): Promise<never> => {
      if (attempt < LOCKOUT_AFTER) return fail(detail, new ApiError('LOGIN_FAILED'));
      // This guess was the last one allowed: the lock stands, and live sessions end.
      await this.o.accounts.deleteSessions(name);
      return fail(
        detail,
        new ApiError(
          'ACCOUNT_LOCKED',
          `${LOCKOUT_AFTER} failed logins: account ${name} is locked until ${rfc3339(now + LOCKOUT_MS)}`,
          'account',
        ),
      );
    };
    const hash = row.awaitingActivation ? await decoyHash() : row.passwordHash;
    if (!(await checkPassword(password, hash)) || row.awaitingActivation)
      return wrong('bad-password');
    if (account.role === 'commission-admin') {
      const step = row.totpSecret ? matchTotp(row.totpSecret, code, now, row.totpLastStep) : null;
      if (step === null || !(await this.o.accounts.consumeTotpStep(name, step)))
        return wrong('bad-second-factor');
    }
    await this.o.accounts.recordSuccess(name);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now + SESSION_MS);
    await this.o.accounts.createSession(sha256Hex(token), name, expiresAt);
    this.o.audit?.({ at: rfc3339(now), account: name, address, outcome: 'success', detail: '' });
    await this.act(account, { kind: 'login', outcome: 'success', address: addressClass(address) });
    return {
      token,
      account: name,
      role: account.role,
      scope: account.scope,
      expiresAt: rfc3339(expiresAt.getTime()),
    };
  }

  /**
   * Counts an attempt from an address in the store (shared by every process,
   * kept across restarts) and refuses past the limit, before any check and
   * without a log entry. Windows are fixed; older ones are pruned.
   */
  private async throttle(address: string, name: string): Promise<void> {
    const now = this.now();
    const windowStart = now - (now % ATTEMPT_WINDOW_MS);
    if (windowStart !== this.prunedBefore) {
      this.prunedBefore = windowStart;
      await this.o.accounts.pruneAddressAttempts(windowStart);
    }
    const n = await this.o.accounts.countAddressAttempt(throttleKey(address), windowStart);
    if (n > ATTEMPTS_PER_ADDRESS) {
      this.o.audit?.({
        at: rfc3339(now),
        account: name,
        address,
        outcome: 'throttled',
        detail: 'rate-limited',
      });
      throw new ApiError(
        'RATE_LIMITED',
        `${ATTEMPTS_PER_ADDRESS} login attempts from this address in ${ATTEMPT_WINDOW_MS / 60_000} minutes; wait until ${rfc3339(windowStart + ATTEMPT_WINDOW_MS)}`,
      );
    }
  }

  /** The account behind a bearer token, or a 401/403/429: checked against the store's account state on each use. */
  async authenticate(
    authorization: string | undefined,
  ): Promise<{ account: Account; tokenHash: string }> {
    const m = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(authorization ?? '');
    if (!m?.[1]) throw new ApiError('NOT_LOGGED_IN');
    const tokenHash = sha256Hex(m[1]);
    const session = await this.o.accounts.getSession(tokenHash);
    if (!session) throw new ApiError('NOT_LOGGED_IN', 'no such session; log in again');
    const now = this.now();
    if (session.expiresAt.getTime() <= now) {
      await this.o.accounts.deleteSession(tokenHash);
      throw new ApiError('SESSION_EXPIRED');
    }
    const account = this.fold.officials.accounts.get(session.account);
    if (!account) throw new ApiError('NOT_LOGGED_IN', 'the session has no account in the log');
    if (account.disabledAt !== null || session.disabled) {
      await this.o.accounts.deleteSessions(account.id);
      throw new ApiError('ACCOUNT_DISABLED');
    }
    if (session.lockedUntil && session.lockedUntil.getTime() > now) {
      await this.o.accounts.deleteSession(tokenHash);
      throw new ApiError('ACCOUNT_LOCKED', 'the account was locked; its sessions have ended');
    }
    return { account, tokenHash };
  }

  async logout(account: Account, tokenHash: string): Promise<Receipt> {
    await this.o.accounts.deleteSession(tokenHash);
    return this.act(account, { kind: 'logout' });
  }

  async disable(actor: Account, target: string): Promise<Receipt> {
    const act: OfficialAct = { kind: 'account-disabled', account: target };
    this.precheck(actor, act);
    const receipt = await this.act(actor, act);
    await this.o.accounts.markDisabled(target);
    return receipt;
  }
}

function checkPasswordLength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH)
    throw new ApiError(
      'INVALID_FIELD',
      `password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`,
      'password',
    );
}

/** One half of an activation code: 160 random bits, base32. */
function activationCode(): string {
  return base32Encode(randomBytes(20));
}

/** The act that makes an account: its id, role and scope, and nothing secret (never the password). */
function accountAct(
  kind: 'account-created' | 'account-proposed',
  a: { account: string; role: Role; scope: string },
): OfficialAct {
  return { kind, account: a.account, role: a.role, scope: a.scope };
}

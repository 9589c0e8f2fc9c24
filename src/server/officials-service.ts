// Officials at the server: logins, sessions and acts. Every login attempt and
// every accepted privileged act becomes an official entry in the log, signed
// with the commission key the server holds while it runs; credentials and
// sessions stay in the store's accounts tables and never reach the log.
import { createHash, randomBytes } from 'node:crypto';
import {
  checkPassword,
  decoyHash,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from '../accounts/password.js';
import { matchTotp, newTotpSecret, totpUri } from '../accounts/totp.js';
import { encodeEntry, signingMessage } from '../election/entries.js';
import type { LoginOutcome, OfficialAct, OfficialEntry, Role } from '../election/official-entry.js';
import type { Account } from '../election/officials.js';
import { toBase64 } from '../log/bytes.js';
import { ed25519Sign } from '../log/crypto.js';
import type { AccountStore } from '../store/account-store.js';
import { ApiError } from './errors.js';
import type { Receipt, Sequencer } from './sequencer.js';

/** Failed logins in a row that lock an account, and for how long. */
export const LOCKOUT_AFTER = 5;
export const LOCKOUT_MS = 15 * 60_000;
/** Login attempts one address may make per window; past it, 429 before any check (and no entry, so the log cannot be flooded). */
export const ATTEMPTS_PER_ADDRESS = 30;
export const ATTEMPT_WINDOW_MS = 5 * 60_000;
/** A session lasts this long from login. */
export const SESSION_MS = 8 * 60 * 60_000;

export interface SessionInfo {
  token: string;
  account: string;
  role: Role;
  scope: string;
  expiresAt: string;
}

export interface OfficialsOptions {
  sequencer: Sequencer;
  accounts: AccountStore;
  /** The commission's 32-byte Ed25519 seed (its key signs official entries). */
  commissionSeed: Uint8Array;
  electionId: string;
  now?: () => number;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class OfficialsService {
  private readonly now: () => number;
  /** address → times of its recent login attempts. */
  private readonly attempts = new Map<string, number[]>();
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
   * Creates an account: its credentials in the store, then its creation in the
   * log. An administrator gets a TOTP secret, returned once, here.
   */
  async createAccount(
    actor: Account | null,
    a: { account: string; role: Role; scope: string; password: string },
  ): Promise<{ receipt: Receipt; totpSecret: string | null; totpUri: string | null }> {
    if (a.password.length < MIN_PASSWORD_LENGTH || a.password.length > MAX_PASSWORD_LENGTH)
      throw new ApiError(
        'INVALID_FIELD',
        `password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`,
        'password',
      );
    if (this.fold.officials.accounts.has(a.account))
      throw new ApiError('ACCOUNT_EXISTS', `account ${a.account} already exists`, 'account');
    const act: OfficialAct = {
      kind: 'account-created',
      account: a.account,
      role: a.role,
      scope: a.scope,
    };
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
    const c = this.fold.officials.check(probe, this.fold.size, this.fold.view, true);
    if (!c.ok) throw new ApiError(c.error.code, c.error.message, c.error.field);
  }

  /** Checks a login; logs the attempt whatever its outcome; returns a session token. */
  async login(name: string, password: string, code: string, address = ''): Promise<SessionInfo> {
    this.throttle(address);
    const row = await this.o.accounts.getAccount(name);
    const account = this.fold.officials.accounts.get(name);
    const fail = async (outcome: LoginOutcome, error: ApiError): Promise<never> => {
      await this.act(account ?? null, { kind: 'login', outcome });
      throw error;
    };
    if (!row || !account) {
      await checkPassword(password, await decoyHash()); // the same time as a real account
      return fail('unknown-account', new ApiError('LOGIN_FAILED'));
    }
    if (account.disabledAt !== null)
      return fail(
        'locked',
        new ApiError('ACCOUNT_DISABLED', `account ${name} is disabled`, 'account'),
      );
    const now = this.now();
    if (row.lockedUntil && row.lockedUntil.getTime() > now)
      return fail(
        'locked',
        new ApiError(
          'ACCOUNT_LOCKED',
          `account ${name} is locked after ${LOCKOUT_AFTER} failed logins until ${rfc3339(row.lockedUntil.getTime())}`,
          'account',
        ),
      );
    const failure = async (outcome: LoginOutcome) => {
      const lock = row.failedLogins + 1 >= LOCKOUT_AFTER ? new Date(now + LOCKOUT_MS) : null;
      await this.o.accounts.recordFailure(name, lock);
      return fail(
        outcome,
        lock
          ? new ApiError(
              'ACCOUNT_LOCKED',
              `${LOCKOUT_AFTER} failed logins: account ${name} is locked until ${rfc3339(lock.getTime())}`,
              'account',
            )
          : new ApiError('LOGIN_FAILED'),
      );
    };
    if (!(await checkPassword(password, row.passwordHash))) return failure('bad-password');
    let step = 0;
    if (account.role === 'commission-admin') {
      const matched = row.totpSecret
        ? matchTotp(row.totpSecret, code, now, row.totpLastStep)
        : null;
      if (matched === null) return failure('bad-second-factor');
      step = matched;
    }
    await this.o.accounts.recordSuccess(name, step);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now + SESSION_MS);
    await this.o.accounts.createSession(sha256Hex(token), name, expiresAt);
    await this.act(account, { kind: 'login', outcome: 'success' });
    return {
      token,
      account: name,
      role: account.role,
      scope: account.scope,
      expiresAt: rfc3339(expiresAt.getTime()),
    };
  }

  /** Refuses an address that has tried to log in too often lately (guessing across many accounts). */
  private throttle(address: string): void {
    const now = this.now();
    const recent = (this.attempts.get(address) ?? []).filter((t) => t > now - ATTEMPT_WINDOW_MS);
    if (recent.length >= ATTEMPTS_PER_ADDRESS) {
      this.attempts.set(address, recent);
      throw new ApiError(
        'RATE_LIMITED',
        `${ATTEMPTS_PER_ADDRESS} login attempts from this address in ${ATTEMPT_WINDOW_MS / 60_000} minutes; wait and try again`,
      );
    }
    recent.push(now);
    this.attempts.set(address, recent);
    if (this.attempts.size > 100_000) this.attempts.clear();
  }

  /** The account behind a bearer token, or a 401. */
  async authenticate(
    authorization: string | undefined,
  ): Promise<{ account: Account; tokenHash: string }> {
    const m = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(authorization ?? '');
    if (!m?.[1]) throw new ApiError('NOT_LOGGED_IN');
    const tokenHash = sha256Hex(m[1]);
    const session = await this.o.accounts.getSession(tokenHash);
    if (!session) throw new ApiError('NOT_LOGGED_IN', 'no such session; log in again');
    if (session.expiresAt.getTime() <= this.now()) {
      await this.o.accounts.deleteSession(tokenHash);
      throw new ApiError('SESSION_EXPIRED');
    }
    const account = this.fold.officials.accounts.get(session.account);
    if (!account) throw new ApiError('NOT_LOGGED_IN', 'the session has no account in the log');
    if (account.disabledAt !== null) throw new ApiError('ACCOUNT_DISABLED');
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
    await this.o.accounts.deleteSessions(target);
    return receipt;
  }
}

// Officials' credentials, sessions and login guard (migrations/002_accounts.sql,
// 004_login_guard.sql): the secrets that must never reach the log, and the
// counters that must hold under concurrency, across restarts and across every
// process on one database. Each check-and-change is one SQL statement, so two
// parallel logins cannot both pass a check that only one may pass. Plain SQL,
// the same on PostgreSQL and PGlite.
import type { Queryable } from './db.js';

export interface AccountRow {
  id: string;
  role: string;
  scope: string;
  passwordHash: string;
  totpSecret: string | null;
  totpLastStep: number;
  failedLogins: number;
  lockedUntil: Date | null;
  disabled: boolean;
  /** Proposed and not yet activated by its holder: no password can match. */
  awaitingActivation: boolean;
}

export interface SessionRow {
  account: string;
  expiresAt: Date;
  /** The account's state now (not when the session began). */
  lockedUntil: Date | null;
  disabled: boolean;
}

/** A password hash that no password matches (an account awaiting activation). */
export const NO_PASSWORD = '!';

export interface AccountStore {
  getAccount(id: string): Promise<AccountRow | null>;
  /** Creates the account's credentials, or replaces those of an account the log does not know yet. */
  putAccount(a: {
    id: string;
    role: string;
    scope: string;
    passwordHash: string;
    totpSecret: string | null;
  }): Promise<void>;
  /** A proposed approving account: no password, the SHA-256 of the proposer's half of its activation code. */
  putProposedAccount(a: {
    id: string;
    role: string;
    scope: string;
    proposerCodeSha256: string;
  }): Promise<void>;
  /** Records the approver's half (SHA-256) once; false if the account awaits no approval. */
  setApproverCode(id: string, approverCodeSha256: string): Promise<boolean>;
  /**
   * Sets the holder's password (and TOTP secret) if both halves match and the
   * account still awaits activation; clears the halves. Atomic: one success.
   */
  activate(a: {
    id: string;
    proposerCodeSha256: string;
    approverCodeSha256: string;
    passwordHash: string;
    totpSecret: string | null;
  }): Promise<boolean>;
  /**
   * Reserves one password guess before it is evaluated: counts it as a failure
   * (a success clears the count) and, at the `lockAfter`-th, locks the account
   * until `lockUntil`. Returns the attempt's number in the series, or null when
   * the account is locked now (or does not exist): then nothing is evaluated.
   */
  reserveLoginAttempt(
    id: string,
    now: Date,
    lockAfter: number,
    lockUntil: Date,
  ): Promise<number | null>;
  /** After a successful login: clears the failure count and any lock. */
  recordSuccess(id: string): Promise<void>;
  /** Marks a TOTP time step used; false if it (or a later one) already was: each code opens one session. */
  consumeTotpStep(id: string, step: number): Promise<boolean>;
  /** Counts one attempt from an address in the window starting at `windowStart` (ms); returns the count so far. */
  countAddressAttempt(address: string, windowStart: number): Promise<number>;
  /** Forgets the counts of windows that started before `windowStart`. */
  pruneAddressAttempts(windowStart: number): Promise<void>;
  /** Marks the account disabled and ends its sessions. */
  markDisabled(id: string): Promise<void>;
  createSession(tokenSha256: string, account: string, expiresAt: Date): Promise<void>;
  getSession(tokenSha256: string): Promise<SessionRow | null>;
  deleteSession(tokenSha256: string): Promise<void>;
  /** Ends every session of an account (when it is disabled or locked). */
  deleteSessions(account: string): Promise<void>;
}

type Row = {
  id: string;
  role: string;
  scope: string;
  password_hash: string;
  totp_secret: string | null;
  totp_last_step: string;
  failed_logins: number;
  locked_until: Date | null;
  disabled: boolean;
  activation_proposer_sha256: string | null;
};

function date(v: Date | string | null): Date | null {
  return v === null ? null : new Date(v);
}

export class SqlAccountStore implements AccountStore {
  constructor(
    private readonly db: Queryable,
    private readonly durable: () => Promise<void>,
  ) {}

  async getAccount(id: string): Promise<AccountRow | null> {
    const [r] = await this.db.query<Row>('SELECT * FROM accounts WHERE id = $1', [id]);
    if (!r) return null;
    return {
      id: r.id,
      role: r.role,
      scope: r.scope,
      passwordHash: r.password_hash,
      totpSecret: r.totp_secret,
      totpLastStep: Number(r.totp_last_step),
      failedLogins: r.failed_logins,
      lockedUntil: date(r.locked_until),
      disabled: r.disabled,
      awaitingActivation: r.activation_proposer_sha256 !== null,
    };
  }

  async putAccount(a: {
    id: string;
    role: string;
    scope: string;
    passwordHash: string;
    totpSecret: string | null;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO accounts (id, role, scope, password_hash, totp_secret) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, scope = EXCLUDED.scope,
         password_hash = EXCLUDED.password_hash, totp_secret = EXCLUDED.totp_secret,
         totp_last_step = 0, failed_logins = 0, locked_until = NULL, disabled = false,
         activation_proposer_sha256 = NULL, activation_approver_sha256 = NULL`,
      [a.id, a.role, a.scope, a.passwordHash, a.totpSecret],
    );
    await this.durable();
  }

  async putProposedAccount(a: {
    id: string;
    role: string;
    scope: string;
    proposerCodeSha256: string;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO accounts (id, role, scope, password_hash, activation_proposer_sha256)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, scope = EXCLUDED.scope,
         password_hash = EXCLUDED.password_hash, totp_secret = NULL, totp_last_step = 0,
         failed_logins = 0, locked_until = NULL, disabled = false,
         activation_proposer_sha256 = EXCLUDED.activation_proposer_sha256,
         activation_approver_sha256 = NULL`,
      [a.id, a.role, a.scope, NO_PASSWORD, a.proposerCodeSha256],
    );
    await this.durable();
  }

  async setApproverCode(id: string, approverCodeSha256: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE accounts SET activation_approver_sha256 = $2
       WHERE id = $1 AND activation_proposer_sha256 IS NOT NULL
         AND activation_approver_sha256 IS NULL
       RETURNING id`,
      [id, approverCodeSha256],
    );
    await this.durable();
    return rows.length === 1;
  }

  async activate(a: {
    id: string;
    proposerCodeSha256: string;
    approverCodeSha256: string;
    passwordHash: string;
    totpSecret: string | null;
  }): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE accounts SET password_hash = $4, totp_secret = $5,
         activation_proposer_sha256 = NULL, activation_approver_sha256 = NULL
       WHERE id = $1 AND activation_proposer_sha256 = $2 AND activation_approver_sha256 = $3
       RETURNING id`,
      [a.id, a.proposerCodeSha256, a.approverCodeSha256, a.passwordHash, a.totpSecret],
    );
    await this.durable();
    return rows.length === 1;
  }

  async reserveLoginAttempt(
    id: string,
    now: Date,
    lockAfter: number,
    lockUntil: Date,
  ): Promise<number | null> {
    // One statement: the row lock serialises parallel reservations, and each
    // sees the count the one before it left. A lock that has run out starts a
    // new series (the WHERE lets through only unlocked or expired rows).
    const [r] = await this.db.query<{ failed_logins: number }>(
      `UPDATE accounts SET
         failed_logins = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_logins + 1 END,
         locked_until = CASE
           WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_logins + 1 END) >= $3
           THEN $4::timestamptz ELSE NULL END
       WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2::timestamptz)
       RETURNING failed_logins`,
      [id, now.toISOString(), lockAfter, lockUntil.toISOString()],
    );
    await this.durable();
    return r ? r.failed_logins : null;
  }

  async recordSuccess(id: string): Promise<void> {
    await this.db.query(
      'UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1',
      [id],
    );
    await this.durable();
  }

  async consumeTotpStep(id: string, step: number): Promise<boolean> {
    const rows = await this.db.query(
      'UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2 RETURNING id',
      [id, step],
    );
    await this.durable();
    return rows.length === 1;
  }

  async countAddressAttempt(address: string, windowStart: number): Promise<number> {
    const [r] = await this.db.query<{ attempts: number }>(
      `INSERT INTO login_throttle (address, window_start, attempts) VALUES ($1, $2, 1)
       ON CONFLICT (address) DO UPDATE SET
         attempts = CASE WHEN login_throttle.window_start = EXCLUDED.window_start
                         THEN login_throttle.attempts + 1 ELSE 1 END,
         window_start = EXCLUDED.window_start
       RETURNING attempts`,
      [address, windowStart],
    );
    await this.durable();
    return r?.attempts ?? 0;
  }

  async pruneAddressAttempts(windowStart: number): Promise<void> {
    await this.db.query('DELETE FROM login_throttle WHERE window_start < $1', [windowStart]);
    await this.durable();
  }

  async markDisabled(id: string): Promise<void> {
    await this.db.query('UPDATE accounts SET disabled = true WHERE id = $1', [id]);
    await this.db.query('DELETE FROM sessions WHERE account = $1', [id]);
    await this.durable();
  }

  async createSession(tokenSha256: string, account: string, expiresAt: Date): Promise<void> {
    await this.db.query(
      'INSERT INTO sessions (token_sha256, account, expires_at) VALUES ($1, $2, $3)',
      [tokenSha256, account, expiresAt.toISOString()],
    );
    await this.durable();
  }

  async getSession(tokenSha256: string): Promise<SessionRow | null> {
    const [r] = await this.db.query<{
      account: string;
      expires_at: Date;
      locked_until: Date | null;
      disabled: boolean;
    }>(
      `SELECT s.account, s.expires_at, a.locked_until, a.disabled
       FROM sessions s JOIN accounts a ON a.id = s.account WHERE s.token_sha256 = $1`,
      [tokenSha256],
    );
    return r
      ? {
          account: r.account,
          expiresAt: new Date(r.expires_at),
          lockedUntil: date(r.locked_until),
          disabled: r.disabled,
        }
      : null;
  }

  async deleteSession(tokenSha256: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE token_sha256 = $1', [tokenSha256]);
    await this.durable();
  }

  async deleteSessions(account: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE account = $1', [account]);
    await this.durable();
  }
}

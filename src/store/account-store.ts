// Officials' credentials and sessions (migrations/002_accounts.sql): the
// secrets that must never reach the log. Plain SQL, the same on PostgreSQL and
// PGlite.
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
}

export interface SessionRow {
  account: string;
  expiresAt: Date;
}

export interface AccountStore {
  getAccount(id: string): Promise<AccountRow | null>;
  /** Creates the account's credentials, or replaces those of an account the log does not know yet. */
  putAccount(a: Omit<AccountRow, 'failedLogins' | 'lockedUntil' | 'totpLastStep'>): Promise<void>;
  /** Counts a failed login; locks the account until `lockUntil` when given. Returns the new count. */
  recordFailure(id: string, lockUntil: Date | null): Promise<number>;
  /** After a successful login: clears the failure count and remembers the TOTP step used. */
  recordSuccess(id: string, totpStep: number): Promise<void>;
  createSession(tokenSha256: string, account: string, expiresAt: Date): Promise<void>;
  getSession(tokenSha256: string): Promise<SessionRow | null>;
  deleteSession(tokenSha256: string): Promise<void>;
  /** Ends every session of an account (when it is disabled). */
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
};

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
      lockedUntil: r.locked_until ? new Date(r.locked_until) : null,
    };
  }

  async putAccount(
    a: Omit<AccountRow, 'failedLogins' | 'lockedUntil' | 'totpLastStep'>,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO accounts (id, role, scope, password_hash, totp_secret) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, scope = EXCLUDED.scope,
         password_hash = EXCLUDED.password_hash, totp_secret = EXCLUDED.totp_secret,
         totp_last_step = 0, failed_logins = 0, locked_until = NULL`,
      [a.id, a.role, a.scope, a.passwordHash, a.totpSecret],
    );
    await this.durable();
  }

  async recordFailure(id: string, lockUntil: Date | null): Promise<number> {
    const [r] = await this.db.query<{ failed_logins: number }>(
      `UPDATE accounts SET failed_logins = failed_logins + 1,
         locked_until = COALESCE($2::timestamptz, locked_until)
       WHERE id = $1 RETURNING failed_logins`,
      [id, lockUntil?.toISOString() ?? null],
    );
    await this.durable();
    return r?.failed_logins ?? 0;
  }

  async recordSuccess(id: string, totpStep: number): Promise<void> {
    await this.db.query(
      `UPDATE accounts SET failed_logins = 0, locked_until = NULL,
         totp_last_step = GREATEST(totp_last_step, $2) WHERE id = $1`,
      [id, totpStep],
    );
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
    const [r] = await this.db.query<{ account: string; expires_at: Date }>(
      'SELECT account, expires_at FROM sessions WHERE token_sha256 = $1',
      [tokenSha256],
    );
    return r ? { account: r.account, expiresAt: new Date(r.expires_at) } : null;
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

// The private login audit: what the public log deliberately leaves out of a
// failed login (which check failed), for the commission's own eyes. One JSON
// line per attempt, appended to a file only the server's user can read.
import { appendFileSync } from 'node:fs';

export interface LoginAuditLine {
  at: string;
  /** The name tried (also when it is no account). */
  account: string;
  /** The full client address. */
  address: string;
  outcome: 'success' | 'failed' | 'throttled';
  /** Why it failed: unknown-account, disabled, locked, bad-password, bad-second-factor, rate-limited. */
  detail: string;
}

export type LoginAudit = (line: LoginAuditLine) => void;

/** An audit that appends JSON lines to `path` (created with mode 0600). */
export function loginAuditFile(path: string): LoginAudit {
  return (line) => appendFileSync(path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
}

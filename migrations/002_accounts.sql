-- Officials' credentials and sessions: secrets, so never in the log. The log
-- holds every account's creation, role and scope, and every login and act
-- (official entries); these tables hold only what checks a password.
CREATE TABLE accounts (
  id            text PRIMARY KEY,
  role          text NOT NULL,
  scope         text NOT NULL,
  -- scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>
  password_hash text NOT NULL,
  -- RFC 6238 TOTP secret (base32), required for commission administrators.
  totp_secret   text,
  -- The last TOTP time step accepted, so a code cannot be replayed.
  totp_last_step bigint NOT NULL DEFAULT 0,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  -- SHA-256 of the bearer token: a stolen database does not give live sessions.
  token_sha256  text PRIMARY KEY,
  account       text NOT NULL REFERENCES accounts (id),
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_by_account ON sessions (account);

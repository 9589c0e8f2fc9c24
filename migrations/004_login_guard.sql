-- Login guard state in the store, so it survives restarts and is shared by
-- every process on the database (FORMATS.md §14.4): the per-address attempt
-- counter, an account's disabling (sessions are checked against it on each
-- use), and the two halves of a new approving account's activation code.
CREATE TABLE login_throttle (
  -- An IPv4 address, or the /64 of an IPv6 address.
  address      text PRIMARY KEY,
  -- Start of the fixed window the count is for (milliseconds since 1970).
  window_start bigint NOT NULL,
  attempts     integer NOT NULL
);
CREATE INDEX login_throttle_by_window ON login_throttle (window_start);

ALTER TABLE accounts ADD COLUMN disabled boolean NOT NULL DEFAULT false;
-- SHA-256 of the proposer's and the approver's halves of the activation code;
-- both NULL once the holder has set a password (or for accounts made whole).
ALTER TABLE accounts ADD COLUMN activation_proposer_sha256 text;
ALTER TABLE accounts ADD COLUMN activation_approver_sha256 text;

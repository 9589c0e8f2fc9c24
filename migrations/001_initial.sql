-- kura storage schema, version 1. Plain SQL for PostgreSQL >= 15 and PGlite.
-- Applied by src/store/migrate.ts inside one transaction; names are unqualified
-- so the schema follows search_path.

-- The log's size, in ONE row. appendBatch locks it (SELECT ... FOR UPDATE) so
-- concurrent appenders serialise, and checks the batch starts at `size`.
CREATE TABLE log_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  size bigint NOT NULL CHECK (size >= 0)
);
INSERT INTO log_head (id, size) VALUES (true, 0);

-- The log entries: append-only (a trigger below refuses UPDATE, DELETE, TRUNCATE).
CREATE TABLE entries (
  idx bigint PRIMARY KEY CHECK (idx >= 0),
  data bytea NOT NULL,
  leaf_hash bytea NOT NULL CHECK (octet_length(leaf_hash) = 32),
  kind text NOT NULL,
  contest text,
  station text,
  CHECK (kind <> 'result' OR (contest IS NOT NULL AND station IS NOT NULL))
);
-- Exactly-once at the database level: one result entry per (contest, station).
CREATE UNIQUE INDEX entries_result_once ON entries (contest, station) WHERE kind = 'result';

CREATE FUNCTION kura_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'kura: log entries are append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER entries_no_update_delete BEFORE UPDATE OR DELETE ON entries
  FOR EACH ROW EXECUTE FUNCTION kura_entries_append_only();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
  FOR EACH STATEMENT EXECUTE FUNCTION kura_entries_append_only();

-- tlog-tiles hash tiles, each at its widest version (a narrower width is a prefix).
CREATE TABLE tiles (
  level integer NOT NULL CHECK (level >= 0),
  idx bigint NOT NULL CHECK (idx >= 0),
  width integer NOT NULL CHECK (width BETWEEN 1 AND 256),
  data bytea NOT NULL,
  PRIMARY KEY (level, idx),
  CHECK (octet_length(data) = width * 32)
);

-- Signed checkpoints (note text), the latest per size.
CREATE TABLE checkpoints (
  size bigint PRIMARY KEY CHECK (size >= 0),
  note text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Content-addressed blobs (e.g. form images), keyed by lower-case hex SHA-256.
CREATE TABLE blobs (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text NOT NULL,
  data bytea NOT NULL
);

-- Derived state (the fold's output), rewritten by each batch.
CREATE TABLE station_results (
  contest text NOT NULL,
  station text NOT NULL,
  entry_idx bigint NOT NULL REFERENCES entries (idx),
  result jsonb NOT NULL,
  PRIMARY KEY (contest, station)
);
CREATE INDEX station_results_by_station ON station_results (station);

CREATE TABLE tallies (
  contest text NOT NULL,
  unit text NOT NULL,
  tally jsonb NOT NULL,
  PRIMARY KEY (contest, unit)
);

CREATE TABLE meta (
  key text PRIMARY KEY,
  value text NOT NULL
);

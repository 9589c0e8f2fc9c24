-- The fold the writer kept when it last stopped (FORMATS.md §10.6): the
-- tallies, station results and everything else derived from entries
-- 0 .. size-1, sealed with a key derived from the log key. A restarted writer
-- still reads and hashes every entry, but folds only those from size on. One
-- row; a writer replaces it with one of its own, never with a smaller one.
CREATE TABLE kept_fold (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  size       bigint NOT NULL CHECK (size > 0),
  bytes      bytea NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
-- Stored as it is: compressing tens of MB would cost the writer's stop and
-- the next start seconds, to save disk the log itself dwarfs.
ALTER TABLE kept_fold ALTER COLUMN bytes SET STORAGE EXTERNAL;

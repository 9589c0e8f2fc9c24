-- The single-writer lease (FORMATS.md §16, README "Operations"). One row: the
-- fencing token, raised by one on every takeover, and who holds it. A writer
-- holds a session advisory lock (src/store/writer-lease.ts) and, once it has
-- it, raises the token; every append and every stored checkpoint checks the
-- token inside its transaction, so a writer that was deposed while it still
-- runs cannot add anything to the log.
CREATE TABLE writer_lease (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  token       bigint NOT NULL CHECK (token >= 0),
  holder      text NOT NULL,
  acquired_at timestamptz
);
INSERT INTO writer_lease (id, token, holder) VALUES (true, 0, '');

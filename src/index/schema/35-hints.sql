-- Paths an application announced with `peersync hint` (csync2 -h): local absolute paths, as
-- given. The next check looks at them only (unless --full) and deletes the rows it covered,
-- up to the highest seq it read, so a hint recorded during a check survives for the next one.
CREATE TABLE IF NOT EXISTS hints (
  path      TEXT    NOT NULL,
  recursive INTEGER NOT NULL CHECK (recursive IN (0, 1)),
  seq       INTEGER NOT NULL,
  PRIMARY KEY (path, recursive)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS hints_by_seq ON hints (seq);

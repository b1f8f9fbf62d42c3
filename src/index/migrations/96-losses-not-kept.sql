-- A version lost under `backup-generations 0` is recorded too, with no copy: backup NULL.
-- Without a row, status never named such a loss (the run's warning was its only trace).
-- SQLite cannot drop a NOT NULL in place, so the table is rebuilt with its rows and index.
CREATE TABLE losses_new (
  id     INTEGER PRIMARY KEY,
  grp    TEXT    NOT NULL,
  path   TEXT    NOT NULL,
  backup TEXT,
  reason TEXT    NOT NULL,
  peer   TEXT    NOT NULL,
  at_ms  INTEGER NOT NULL
) STRICT;
INSERT INTO losses_new (id, grp, path, backup, reason, peer, at_ms) SELECT id, grp, path, backup, reason, peer, at_ms FROM losses;
DROP TABLE losses;
ALTER TABLE losses_new RENAME TO losses;
CREATE INDEX IF NOT EXISTS losses_by_group ON losses (grp, id);

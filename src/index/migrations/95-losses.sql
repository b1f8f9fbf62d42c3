-- Versions of this node that lost to a peer's and were kept in the backup directory: a
-- conflict the group's `auto` policy settled against this node, drift on a receive-only node,
-- a file a peer's directory or symlink replaced. The log says so as it happens; this table is
-- what `peersync status` shows afterwards (a daemon's log may be long gone by then).
-- reason: the decision's label as sync -v prints it ("conflict-remote-wins (younger)", "drift").
-- peer: whose version replaced ours. backup: the copy's path (backup.ts naming).
-- Bounded per group (index/losses.ts keeps the newest rows only).
CREATE TABLE IF NOT EXISTS losses (
  id     INTEGER PRIMARY KEY,
  grp    TEXT    NOT NULL,
  path   TEXT    NOT NULL,
  backup TEXT    NOT NULL,
  reason TEXT    NOT NULL,
  peer   TEXT    NOT NULL,
  at_ms  INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS losses_by_group ON losses (grp, id);

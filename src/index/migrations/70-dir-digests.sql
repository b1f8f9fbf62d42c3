-- What a check's last full look at a directory saw (src/index/dir-digests.ts): a digest of its
-- children's names and lstat results, seeded with the group's rules (fs/dir-probe.ts), and how
-- many entries that look lstat'ed. A later check that computes the same digest skips the
-- directory's entries: neither the disk nor the rules moved, and the triggers below drop the
-- digest whenever anything else changes what is recorded there.
--
-- dir: the directory's logical path with a trailing slash ("/srv/www/", "%data%/a/"; "/" for
--   the root), which is what rtrim(path, replace(path, '/', '')) makes of a child's path.
CREATE TABLE IF NOT EXISTS dir_digests (
  grp     TEXT    NOT NULL,
  dir     TEXT    NOT NULL,
  digest  INTEGER NOT NULL,
  scanned INTEGER NOT NULL,
  PRIMARY KEY (grp, dir)
) STRICT, WITHOUT ROWID;

-- A write that changes what a check compares for a row (its path, fingerprint or tombstone),
-- or removes it, forgets the digest of the row's directory: the sync engine's writes, prune, a
-- check's own records (it stores the new digest after them), a hand-made repair. A new row needs
-- no trigger (and a trigger costs ~1 us per row, 10 % of a first check): it is a name that
-- appeared on disk since the digest was made, which moved the digest, or a tombstone of a
-- name that is not on disk, which a check passes over anyway. import-csync2 forgets every
-- digest before it records anything.
CREATE TRIGGER IF NOT EXISTS dir_digests_on_delete AFTER DELETE ON entries
BEGIN
  DELETE FROM dir_digests WHERE grp = OLD.grp AND dir = rtrim(OLD.path, replace(OLD.path, '/', ''));
END;

CREATE TRIGGER IF NOT EXISTS dir_digests_on_update AFTER UPDATE OF grp, path, fp, deleted_ns ON entries
WHEN NEW.fp IS NOT OLD.fp OR NEW.deleted_ns IS NOT OLD.deleted_ns OR NEW.path IS NOT OLD.path OR NEW.grp IS NOT OLD.grp
BEGIN
  DELETE FROM dir_digests WHERE grp = OLD.grp AND dir = rtrim(OLD.path, replace(OLD.path, '/', ''));
  DELETE FROM dir_digests WHERE grp = NEW.grp AND dir = rtrim(NEW.path, replace(NEW.path, '/', ''));
END;

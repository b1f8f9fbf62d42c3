-- A live row inserted in a directory forgets its digest too. 70-dir-digests.sql left inserts out
-- on the grounds that a new row is a name that appeared on disk and so moved the digest; but a
-- name can come and go between two checks: a peer's file is received (the sync engine inserts
-- its row), then removed here before this node checks again. The directory then holds what its
-- digest saw, the check skipped it, and the deletion never left this node (test:
-- index/check-digests.test.ts). A tombstone still needs nothing: its name is not on disk, and a
-- check passes over it. Costs ~1 us per new row, in a first check mostly (no digest to forget).
CREATE TRIGGER IF NOT EXISTS dir_digests_on_insert AFTER INSERT ON entries
WHEN NEW.deleted_ns IS NULL
BEGIN
  DELETE FROM dir_digests WHERE grp = NEW.grp AND dir = rtrim(NEW.path, replace(NEW.path, '/', ''));
END;

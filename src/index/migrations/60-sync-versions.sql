-- The sync engine's per-entry facts (src/sync/, core/entry.ts VersionInfo):
-- modified_by: the node whose change produced the recorded version (a vector node name). NULL
--   means this node: a check records local changes without knowing of these columns, and the
--   trigger below resets them whenever the vector moves; the sync engine writes them right
--   after it records a version it received (index/versions.ts), in the same transaction.
-- changed_at_ms: when modified_by recorded that change (ms since the epoch, its clock); NULL for
--   a local change, read as the change's ctime (or the deletion time of a tombstone).
-- forced: `peersync force` marked this node's version: it wins its next conflict.
-- conflict_*: `auto none` left this version and a peer's concurrent one both standing; the
--   peer's version (wire JSON, core/entry.ts entryToWire) is kept for list-pending and status.
ALTER TABLE entries ADD COLUMN modified_by TEXT;
ALTER TABLE entries ADD COLUMN changed_at_ms INTEGER;
ALTER TABLE entries ADD COLUMN forced INTEGER NOT NULL DEFAULT 0 CHECK (forced IN (0, 1));

CREATE TABLE IF NOT EXISTS conflicts (
  entry_id    INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
  peer        TEXT    NOT NULL,
  remote      TEXT    NOT NULL,
  detected_ms INTEGER NOT NULL,
  PRIMARY KEY (entry_id, peer)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS entries_version_reset AFTER UPDATE OF vv ON entries
WHEN NEW.vv IS NOT OLD.vv
BEGIN
  UPDATE entries SET modified_by = NULL, changed_at_ms = NULL WHERE id = NEW.id;
END;

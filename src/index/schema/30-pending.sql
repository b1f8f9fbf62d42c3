-- What each peer has not acknowledged yet: one row per (entry, peer), csync2's `dirty` table.
-- A check adds rows in the same transaction that records the entry's new state, so a change and
-- its pending rows are never apart. The sync engine deletes a row when the peer acknowledged the
-- version it was sent. forced: csync2's -F / -f (skip the comparison, send anyway).
CREATE TABLE IF NOT EXISTS pending (
  entry_id INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
  peer     TEXT    NOT NULL,
  forced   INTEGER NOT NULL DEFAULT 0 CHECK (forced IN (0, 1)),
  PRIMARY KEY (entry_id, peer)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS pending_by_peer ON pending (peer, entry_id);

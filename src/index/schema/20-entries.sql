-- One row per (group, logical path) this node has seen: the last recorded state of the entry, its
-- version vector, and the stat fingerprint that lets a check skip unchanged entries without
-- reading them. A deleted entry stays as a tombstone (deleted_ns set) so that its deletion can
-- travel to peers and a peer that comes back late cannot resurrect it.
--
-- path: the logical path (csync2's name: absolute, or %prefix%/rest), UTF-8. Bytes of a file name
--   that are not valid UTF-8 are written as U+FFFD followed by two upper-case hex digits, one
--   escape per byte (see src/fs/name-codec.ts); so is a literal U+FFFD. Ordering is BINARY, i.e.
--   byte order of the UTF-8 text, which the scanner reproduces.
-- mode: the full st_mode (type bits included), as csync2's checktxt prints it.
-- vv: the version vector as canonical JSON text {"node":counter} (sorted keys, no zeros); see
--   src/core/vector.ts.
-- hash: content hash of a regular file (meta.hash_algorithm); NULL for directories and symlinks.
-- target: a symlink's target (same escaping as path); NULL otherwise.
-- ctime_ns, ino, dev: the rest of the fingerprint (with mtime_ns, size, mode, uid, gid). Any
--   change to content, mode, owner or times moves ctime; a replaced file has a new inode.
-- fp: a 53-bit hash of that fingerprint as Node's number lstat reports it (core/file-state.ts
--   fingerprintHash), so a check reads one column per unchanged entry; 0 for a tombstone.
CREATE TABLE IF NOT EXISTS entries (
  id         INTEGER PRIMARY KEY,
  grp        TEXT    NOT NULL,
  path       TEXT    NOT NULL,
  kind       TEXT    NOT NULL CHECK (kind IN ('file', 'dir', 'symlink')),
  mode       INTEGER NOT NULL,
  uid        INTEGER NOT NULL,
  gid        INTEGER NOT NULL,
  user_name  TEXT,
  group_name TEXT,
  mtime_ns   INTEGER NOT NULL,
  size       INTEGER NOT NULL,
  hash       BLOB,
  target     TEXT,
  vv         TEXT    NOT NULL,
  deleted_ns INTEGER,
  ctime_ns   INTEGER NOT NULL,
  ino        INTEGER NOT NULL,
  dev        INTEGER NOT NULL,
  fp         INTEGER NOT NULL,
  UNIQUE (grp, path)
) STRICT;

-- Tombstones by age: every sync looks for those past the retention (sync-index.ts
-- purgeTombstones); without this it read every row of the group (1 ms per 10,000 entries).
-- Partial, so recording a live entry costs nothing more.
CREATE INDEX IF NOT EXISTS entries_tombstones ON entries (grp, deleted_ns) WHERE deleted_ns IS NOT NULL;

-- Actions owed for applied batches (csync2's `action` table), kept until they ran: a batch
-- applied just before the daemon was killed still runs its action after the restart. The sync
-- engine may enqueue in the same transaction that records the applied entries, so a batch and
-- its actions are never apart. A row is deleted when its run finished, whatever its exit status
-- (a failing action is reported, not retried forever, as in csync2).
--
-- id: AUTOINCREMENT so an id is never reused; a run deletes exactly the rows it took even when
--   new rows for the same action arrive while it runs.
-- grp: the group name; action_id: core/action-match.ts actionIdOf() (hash of exec + logfile),
--   stable across restarts and config reordering.
-- paths: JSON array of the matching logical paths (prefix-encoded, never URL-encoded); the
--   runner maps them to local paths at run time through this node's prefixes.
-- enqueued_at: ms since the epoch, for status and the age of stuck rows.
CREATE TABLE IF NOT EXISTS action_queue (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  grp         TEXT    NOT NULL,
  action_id   TEXT    NOT NULL,
  paths       TEXT    NOT NULL CHECK (json_valid(paths) AND json_type(paths) = 'array'),
  enqueued_at INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS action_queue_by_action ON action_queue (grp, action_id, id);

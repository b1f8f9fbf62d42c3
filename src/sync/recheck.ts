// Which offered or put paths need a re-check before deciding: a targeted lstat of each, compared
// with its index record the way a check's fast path compares (fingerprint hash), so the full
// check (runCheck) runs only for paths whose disk state moved since it was recorded. On a first
// sync every offered path is both absent and unrecorded, and nothing needs a re-check. The
// lstats run per directory on the thread pool where the addon is built (fs/stat-paths.ts).

import type { Config, Group } from "../config/types.js";
import { fingerprintHash } from "../core/file-state.js";
import type { LogicalPath } from "../core/path.js";
import { fingerprintAt, STAT_MISSING, STAT_OK } from "../fs/stat-batch.js";
import { statPaths } from "../fs/stat-paths.js";
import type { EntryStore } from "../index/entries.js";

/** The paths whose disk state differs from what the index recorded (or that lstat could not read). */
export async function stalePaths(config: Config, entries: EntryStore, group: Group, paths: readonly LogicalPath[]): Promise<LogicalPath[]> {
  const stats = await statPaths(paths.map((p) => config.toLocalPath(p)));
  const rows = entries.fingerprintsOf(group.name, paths);
  return paths.filter((path, i) => {
    const row = rows[i];
    const status = stats.status[i];
    if (status === STAT_MISSING) return row !== undefined && !row.deleted;
    if (status !== STAT_OK) return true;
    return row === undefined || row.deleted || row.fp !== fingerprintHash(fingerprintAt(stats, i));
  });
}

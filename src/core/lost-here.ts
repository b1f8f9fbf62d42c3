// What became of this node's versions that lost a conflict in one run, for the run's summary
// and --json. "Lost and backed up here" was said of every loss, while a losing deletion has
// nothing to back up, a directory has no content to keep, and `backup-generations 0` keeps no
// copy at all: an operator looking for the backups found fewer than the summary promised.

import type { EntryKind } from "./entry.js";

/** How one lost version was kept: a copy in the backup directory, or why there is none. */
export type LostKeep = "backedUp" | "deletions" | "directories" | "notKept";

export type LostCounts = Readonly<Record<LostKeep, number>>;

export const NO_LOSSES: LostCounts = Object.freeze({ backedUp: 0, deletions: 0, directories: 0, notKept: 0 });

/**
 * `kind`: our version that lost; `backedUp`: a copy of it was made. A file or symlink without
 * a copy is one the group keeps none of (backup-generations 0): a failed backup stops the
 * replacement instead (sync/backup.ts BackupError).
 */
export function lostKeep(kind: EntryKind, backedUp: boolean): LostKeep {
  if (backedUp) return "backedUp";
  if (kind === "deleted") return "deletions";
  if (kind === "dir") return "directories";
  return "notKept";
}

export function addLost(counts: LostCounts, keep: LostKeep, n = 1): LostCounts {
  return { ...counts, [keep]: counts[keep] + n };
}

export function sumLost(a: LostCounts, b: LostCounts): LostCounts {
  return { backedUp: a.backedUp + b.backedUp, deletions: a.deletions + b.deletions, directories: a.directories + b.directories, notKept: a.notKept + b.notKept };
}

export function totalLost(counts: LostCounts): number {
  return counts.backedUp + counts.deletions + counts.directories + counts.notKept;
}

/**
 * "3 lost here: 1 backed up, 1 deletion, 1 not kept (backup-generations 0)": the total, then
 * each way it was kept that counts any (backed up always, so a glance finds the copies).
 */
export function lostHereText(counts: LostCounts): string {
  const total = totalLost(counts);
  if (total === 0) return "0 lost here";
  const parts = [`${counts.backedUp} backed up`];
  if (counts.deletions > 0) parts.push(`${counts.deletions} deletion${counts.deletions === 1 ? "" : "s"}`);
  if (counts.directories > 0) parts.push(`${counts.directories} director${counts.directories === 1 ? "y" : "ies"}`);
  if (counts.notKept > 0) parts.push(`${counts.notKept} not kept (backup-generations 0)`);
  return `${total} lost here: ${parts.join(", ")}`;
}

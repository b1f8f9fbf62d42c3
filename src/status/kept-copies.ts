// How many copies of the versions this node lost are still in the backup directory. The
// losses table counts every loss recorded, but `backup-generations N` keeps N copies of a
// path, so status said "4 version(s) kept" where rotation had left 2. The disk is asked, not
// the config: generations changed since, or copies removed by hand, count as they are. Cheap:
// at most one lstat per recorded loss (the table keeps 1000 per group, index/losses.ts).

import { lstatSync } from "node:fs";
import { fsPath } from "../fs/name-codec.js";
import { generationPath } from "../sync/backup.js";

/**
 * The copies that the recorded losses can still have: for a path lost n times, its n newest
 * generations (older ones belong to losses no longer recorded). Pure.
 */
export function copyPaths(byBackup: readonly { readonly backup: string; readonly n: number }[]): string[] {
  return byBackup.flatMap(({ backup, n }) => Array.from({ length: n }, (_, g) => generationPath(backup, g)));
}

/** How many of `paths` (escaped, as backups are named) exist; undefined when one cannot be looked at (the backup directory is 0700: another user). */
export function countPresent(paths: readonly string[]): number | undefined {
  let present = 0;
  for (const p of paths) {
    try {
      // A directory there holds backups of paths below it, not a copy (sync/backup.ts).
      const st = lstatSync(fsPath(p), { throwIfNoEntry: false });
      if (st !== undefined && !st.isDirectory()) present++;
    } catch (err) {
      if ((err as { code?: unknown }).code !== "ENOTDIR") return undefined;
    }
  }
  return present;
}

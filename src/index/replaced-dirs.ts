// A directory on disk that is not the one the index holds at its path (rm -rf d; mkdir d): the
// disk's and the index's side of core/subtree-check.ts, for the check (index/check-run.ts)
// and continuous mode (watch/continuous.ts), which both must walk such a directory whole.

import { lstatSync, type PathLike } from "node:fs";
import type { Config, Group } from "../config/types.js";
import { isReplacedDirectory, type DiskNow, type RecordedDir } from "../core/subtree-check.js";
import { fsPath } from "../fs/name-codec.js";
import { dedupe, type CheckTarget } from "./check-targets.js";
import type { EntryStore } from "./entries.js";

/**
 * The path on disk now (lstat, as given), as core/subtree-check.ts needs it. A path that cannot
 * be looked at (EACCES, ENOTDIR) is "other": nothing to walk there, and no cause to walk the
 * subtree its record names either.
 */
export function diskNow(path: PathLike): DiskNow {
  let st;
  try {
    st = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return { kind: "other" };
  }
  if (st === undefined) return { kind: "missing" };
  return st.isDirectory() ? { kind: "dir", ino: st.ino, dev: st.dev, birthNs: st.birthtimeNs } : { kind: "other" };
}

/** The index record at `path`, as core/subtree-check.ts needs it. */
export function recordedDir(entries: EntryStore, group: string, path: string): RecordedDir | undefined {
  const r = entries.get(group, path);
  return r && { kind: r.kind, deleted: r.deletedNs !== undefined, ino: r.ino, dev: r.dev, ctimeNs: r.ctimeNs };
}

/**
 * The targets, with every directory that replaced the one recorded walked even when only it,
 * or a path below it, was asked for: its files may never have been looked at, and once its
 * record is rewritten as a parent nothing would tell any more. Decided before the walk and
 * deduplicated again, so no path below it is recorded twice. Not a root: a replaced root (a
 * remount) is the full check's (continuous mode runs one when its watch of the root is lost),
 * not a side effect of looking at one file.
 */
export function walkReplaced(config: Config, entries: EntryStore, group: Group, targets: readonly CheckTarget[]): readonly CheckTarget[] {
  let changed = false;
  const out = targets.map((t) => {
    if (t.recursive || t.path === t.root) return t;
    if (!isReplacedDirectory(diskNow(fsPath(config.toLocalPath(t.path))), recordedDir(entries, group.name, t.path))) return t;
    changed = true;
    return { ...t, recursive: true };
  });
  return changed ? dedupe(out) : out;
}

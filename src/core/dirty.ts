// Change detection: the recorded state of an entry against what a check observed, reduced to
// one change kind. Pure; the check (src/index/check-run.ts) calls it only for entries whose
// stat fingerprint moved (or all, with --checksum), after hashing the content.

import { permissionBits, type FileState } from "./file-state.js";

/**
 * - new: not recorded (or recorded as deleted) and now present
 * - deleted: recorded and now absent
 * - type: the kind changed (file ↔ dir ↔ symlink)
 * - content: a file's bytes (or a symlink's target) changed
 * - meta: permission bits or owner changed (content equal)
 * - mtime: only a file's modification time changed
 * - none: nothing that syncs changed (e.g. only ctime moved: a chmod to the same mode)
 * When several apply, the first in this list wins: a sync transfers every attribute anyway.
 */
export type ChangeKind = "new" | "deleted" | "type" | "content" | "meta" | "mtime" | "none";

/** csync2's `ignore uid|gid|mod`: attributes that are neither compared nor synced. */
export interface IgnoreAttributes {
  readonly uid: boolean;
  readonly gid: boolean;
  readonly mod: boolean;
}

export const IGNORE_NOTHING: IgnoreAttributes = Object.freeze({ uid: false, gid: false, mod: false });

/** Classifies the difference between the recorded and the observed state of one entry. */
export function classifyChange(
  recorded: FileState | undefined,
  observed: FileState | undefined,
  ignore: IgnoreAttributes = IGNORE_NOTHING,
): ChangeKind {
  if (recorded === undefined) return observed === undefined ? "none" : "new";
  if (observed === undefined) return "deleted";
  if (recorded.kind !== observed.kind) return "type";
  if (contentDiffers(recorded, observed)) return "content";
  if (metaDiffers(recorded, observed, ignore)) return "meta";
  // Directory and symlink mtimes are not compared (as in csync2's checktxt): a directory's
  // mtime moves whenever a child is added, and would make every parent pending.
  if (recorded.kind === "file" && recorded.mtimeNs !== observed.mtimeNs) return "mtime";
  return "none";
}

function contentDiffers(a: FileState, b: FileState): boolean {
  if (a.kind === "file" && b.kind === "file") return a.size !== b.size || a.hash !== b.hash;
  if (a.kind === "symlink" && b.kind === "symlink") return a.target !== b.target;
  return false;
}

function metaDiffers(a: FileState, b: FileState, ignore: IgnoreAttributes): boolean {
  // Symlink permission bits are always 0777 on Linux and cannot be set; owners can (lchown).
  if (!ignore.mod && a.kind !== "symlink" && permissionBits(a.mode) !== permissionBits(b.mode)) return true;
  if (!ignore.uid && a.uid !== b.uid) return true;
  if (!ignore.gid && a.gid !== b.gid) return true;
  return false;
}

/** True for the kinds that bump the version vector and make the entry pending. */
export function isChange(kind: ChangeKind): boolean {
  return kind !== "none";
}

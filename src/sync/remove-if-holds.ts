// Removing what is at a target only while it still holds the state a decision was made on: the
// removal half of replace.ts (read its header). A file or symlink is first renamed to a hidden
// name, so what is removed is exactly what was looked at after the move; anything else is put
// back, never over a file created meanwhile. A directory goes only when empty, and when it is
// not, the error names what is in the way.

import { linkSync, readdirSync, renameSync, rmdirSync, unlinkSync } from "node:fs";
import { PeersyncError } from "../errors.js";
import { decodeName } from "../fs/name-codec.js";
import { renameNoReplace } from "../fs/rename-at2.js";
import { ChangedHereError, holdPathFs, holds, look, noHardLinks, sameInode, type Expected, type RaceHooks } from "./replace.js";
import type { Target } from "./target.js";

/**
 * A peer's deletion of a directory that still holds what this node does not sync (an excluded
 * file, one not checked yet). It was a bare ENOTEMPTY, refused on every run, with nothing to
 * say that the names in the way are on this node and that moving them lets the deletion go.
 */
export class DirNotEmptyError extends PeersyncError {
  constructor(path: string, names: readonly string[]) {
    const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? `, and ${names.length - 3} more` : "");
    super("DIR_NOT_EMPTY", `Cannot delete the directory "${path}": it still holds ${shown}, which the group does not sync from here (excluded, or not checked yet)`, {
      hint: "move or remove those on this node (or add them to the group); the deletion stays pending and goes at the next sync",
    });
  }
}

/**
 * Removes what is at `target` if it still holds `expected` (a directory only when empty). A
 * file or symlink is first renamed to a hidden name, so what is removed is exactly what was
 * looked at after the move; anything else is put back (never over a file created meanwhile).
 */
export function removeIfHolds(target: Target, expected: Expected, hooks: RaceHooks = {}): void {
  const before = look(target.fs);
  if (before === undefined) return;
  if (!holds(before, expected)) throw new ChangedHereError(target.local);
  hooks.beforeSwap?.();
  if (before.isDirectory()) return removeDir(target);
  const hold = holdPathFs(target);
  try {
    renameSync(target.fs, hold);
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return; // RACE: removed here meanwhile, as decided
    throw err;
  }
  if (sameInode(look(hold), before)) return unlinkSync(hold);
  putBack(hold, target);
  throw new ChangedHereError(target.local);
}

/** rmdir, saying what is in the way when the directory is not empty. */
export function removeDir(target: Target): void {
  try {
    rmdirSync(target.fs);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
    const names = readdirSync(target.fs, { encoding: "buffer" }).map((n) => decodeName(n)).sort();
    throw new DirNotEmptyError(target.local, names);
  }
}

/** `hold` back at the target, unless a file was created there meanwhile (then `hold` stays, for the start-up sweep). */
function putBack(hold: string | Buffer, target: Target): void {
  try {
    if (renameNoReplace(hold, target.fs)) return;
    linkSync(hold, target.fs);
    unlinkSync(hold);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "EEXIST") return;
    if (!noHardLinks(err)) throw err;
    renameSync(hold, target.fs);
  }
}

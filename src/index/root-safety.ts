// Whether an include root looks unmounted: vanished, or empty while the index knows entries
// below it. A check (of the whole root or of paths below it, a receiver's re-check included)
// then records nothing there and reports a safety problem; `--allow-empty-roots` overrides.

import { lstatSync, opendirSync } from "node:fs";
import type { Problem } from "../core/problem.js";
import { fsPath } from "../fs/name-codec.js";
import type { EntryStore } from "./entries.js";
import { isTransferPath } from "./transfer-paths.js";

/**
 * A configured root that vanished, or is empty while the index knows entries below it: an
 * unmounted disk leaves an empty mount point, and a group of a dozen files is worth as much
 * as one of thousands (a threshold of 100 entries once let a small group's emptied root go
 * out to every peer as deletions).
 */
export function looksUnmounted(local: string, entries: EntryStore, group: string, root: string): boolean {
  try {
    const st = lstatSync(fsPath(local), { throwIfNoEntry: false });
    if (st === undefined) return entries.countLiveUnder(group, root) > 0;
    if (!st.isDirectory() || !isEmptyDir(local)) return false;
  } catch {
    return false; // the walk reports why it cannot read the root
  }
  return entries.countLiveBelow(group, root) > 0;
}

/**
 * Entries read until the first that is not a writer's temp or partial file (a receiver writes a
 * batch's temp files into the root before it re-checks the batch's paths), not the whole
 * listing: a receiver asks this of a root for every offer.
 */
function isEmptyDir(local: string): boolean {
  const dir = opendirSync(fsPath(local));
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) if (!isTransferPath(entry.name)) return false;
    return true;
  } finally {
    dir.closeSync();
  }
}

/** A path named on the command line that no group of the check covers. */
export function outsideGroupsProblem(path: string): Problem {
  return {
    path,
    op: "path",
    severity: "skipped",
    message: "Cannot check it: it lies under no include root of the groups checked (`peersync config-check` lists them)",
  };
}

/**
 * `local` is where the config puts the root on this node: after a `prefix` or `include` was
 * pointed at a new, empty directory, the operator must see which one, and that the way out is
 * to move the files there. The old hint offered only --allow-empty-roots, which records every
 * file as deleted and sends the deletions to every peer.
 */
export function unmountedProblem(root: string, local: string): Problem {
  return {
    path: root,
    op: "root",
    severity: "safety",
    message:
      `Cannot check root: it vanished or is empty (${local}) while the index knows its files: an unmounted disk, or a config whose prefix or include now names another directory? ` +
      "Nothing was recorded as deleted. Mount the disk, or move the files to the directory the config names; " +
      "only if the files were removed on purpose, run `peersync check --allow-empty-roots` (their deletions then go to every peer)",
  };
}

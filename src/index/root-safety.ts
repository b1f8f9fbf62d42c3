// Whether an include root looks unmounted: vanished, or holding none of the entries the index
// knows below it (empty, or another directory holding only names the index never saw). A check (of the whole root or of paths below it, a receiver's re-check included)
// then records nothing there and reports a safety problem; `--allow-empty-roots` overrides.

import { lstatSync, opendirSync, type BigIntStats } from "node:fs";
import type { Group } from "../config/types.js";
import { noEntryMessage, whyNoEntry } from "../core/no-entry.js";
import type { Problem } from "../core/problem.js";
import { decodeName, fsPath } from "../fs/name-codec.js";
import type { EntryRecord, EntryStore } from "./entries.js";
import { isTransferPath } from "./transfer-paths.js";

/**
 * A configured root that vanished, or holds none of the names the index knows directly below
 * it (as entries, or as directories of entries): an unmounted disk leaves an empty mount point,
 * and a group of a dozen files is worth as much as one of thousands (a threshold of 100 entries
 * once let a small group's emptied root go out to every peer as deletions). A root holding only
 * names the index never saw is taken for unmounted when it is also another directory than the
 * one recorded (another inode or device): a log or upload written into the bare mount point
 * made it "not empty", and every file of the disk went out as a deletion (exploratory run, an
 * unmounted tmpfs with one stray file), while the same directory with every name renamed (`mv
 * images img` of its only child) is a change like any other.
 */
export function looksUnmounted(local: string, entries: EntryStore, group: string, root: string): boolean {
  try {
    const st = lstatSync(fsPath(local), { throwIfNoEntry: false, bigint: true });
    if (st === undefined) return entries.countLiveUnder(group, root) > 0;
    if (!st.isDirectory()) return false;
    const names = namesOf(local, entries, group, root);
    if (names === "known") return false;
    if (names === "unknown" && !isAnotherDirectory(entries.get(group, root), st)) return false;
  } catch {
    return false; // the walk reports why it cannot read the root
  }
  return entries.countLiveBelow(group, root) > 0;
}

/**
 * Whether the root directory holds a name the index knows as a live entry or as the parent of
 * live entries ("known"), only names it does not ("unknown"), or nothing ("none"). Names are
 * read until the first known one, not the whole listing: a receiver asks this of a root for
 * every offer, and in a mounted root the first name is nearly always known. A writer's temp or
 * partial file (a receiver writes a batch's temp files into the root before it re-checks the
 * batch's paths) does not count.
 */
function namesOf(local: string, entries: EntryStore, group: string, root: string): "known" | "unknown" | "none" {
  // "buffer": a name that is not UTF-8 is looked up under the escaped form the index keeps.
  const dir = opendirSync(fsPath(local), { encoding: "buffer" as BufferEncoding });
  const prefix = root.endsWith("/") ? root : `${root}/`;
  let seen: "unknown" | "none" = "none";
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      const path = prefix + decodeName(entry.name as unknown as Buffer);
      if (isTransferPath(path)) continue;
      // At or below: a directory the walk only passes through to reach an include pattern
      // (`include /srv/*/conf`) is no entry itself, but leads to the entries it holds.
      if (entries.countLiveUnder(group, path) > 0) return "known";
      seen = "unknown";
    }
    return seen;
  } finally {
    dir.closeSync();
  }
}

/** The root's record names another directory (inode 0: recorded without one, no evidence). */
function isAnotherDirectory(recorded: EntryRecord | undefined, st: BigIntStats): boolean {
  if (recorded === undefined || recorded.deletedNs !== undefined || recorded.ino === 0n) return false;
  return recorded.ino !== st.ino || recorded.dev !== st.dev;
}

/**
 * A path named on the command line, under a root of `groups`, that each of them excludes (by
 * its own name or a directory above it): what it is, and the line that drops it. Undefined when
 * a group takes it, or with -r passes through it to reach an include line.
 */
export function excludedArgumentProblem(groups: readonly Group[], path: string, recursive: boolean, shown: string): Problem | undefined {
  const reason = whyNoEntry(groups, path, { recursive, onDisk: true });
  if (reason.kind !== "excluded") return undefined;
  const { why, hint } = noEntryMessage(reason);
  return { path: shown, op: "path", severity: "skipped", message: `Not checked: ${why}; ${hint}` };
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
      `Cannot check root: it vanished or holds none of the files the index knows there (${local}): an unmounted disk, or a config whose prefix or include now names another directory? ` +
      "Nothing was recorded as deleted. Mount the disk, or move the files to the directory the config names; " +
      "only if the files were removed on purpose, run `peersync check --allow-empty-roots` (their deletions then go to every peer)",
  };
}

// Where a logical path from a peer lives on this disk, checked (DESIGN.md §5): the group must
// include it (Group.match says "match"), it must lie under one of the group's roots, and no
// component below the root may be a symlink or a non-directory. fs/safe-path.ts does the same
// for plain names; this version also takes names with non-UTF-8 bytes (fs/name-codec.ts), by
// handing node:fs the raw bytes of each component.

import { lstatSync, type BigIntStats } from "node:fs";
import * as fsp from "node:fs/promises";
import type { Config, Group } from "../config/types.js";
import { isWithin, type LogicalPath } from "../core/path.js";
import { PeersyncError } from "../errors.js";
import { fsPath } from "../fs/name-codec.js";
import { pickRoot, UnsafePathError } from "../fs/safe-path.js";
import type { EntryStore } from "../index/entries.js";
import { looksUnmounted } from "../index/root-safety.js";

export interface Target {
  readonly path: LogicalPath;
  /** The local path, name-codec escaped (a string for logs and backups). */
  readonly local: string;
  /** What to hand node:fs. */
  readonly fs: string | Buffer;
  /** lstat of what is there now, or undefined. */
  readonly stat: BigIntStats | undefined;
}

/**
 * The path is not one this node syncs for that group; nothing was touched. The refusal travels
 * to the pusher, where "this node" would read as the pusher: it names the node.
 */
export class NotIncludedError extends PeersyncError {
  constructor(group: Pick<Group, "name" | "local">, path: string) {
    super("NOT_INCLUDED", `Cannot accept "${path}": group "${group.name}" on node "${group.local.name}" does not include it`, {
      hint: "every node of a group needs the same include and exclude lines (one config everywhere, as with csync2): compare the nodes' configs, then sync again",
    });
  }
}

/**
 * The group's include root is missing on this node: an entry below it has nowhere to go. Said
 * as such rather than as the ENOENT of the first write (the pusher printed "ENOENT: no such
 * file or directory, open '/srv/www'", and this node's operator read nothing at all).
 */
export class RootMissingError extends PeersyncError {
  constructor(group: string, root: string) {
    super("ROOT_MISSING", `Cannot accept entries below it: the include root ${root} of group "${group}" does not exist on this node`, {
      hint: "create that directory, or mount the disk it lives on, then sync again",
    });
  }
}

/**
 * The group's include root is empty while this node's index knows entries below it: an
 * unmounted disk's mount point. A version written there would land on the wrong disk, hidden
 * once the disk is mounted again, and the next check would take the disk's state for
 * deletions; a check stops at such a root (index/root-safety.ts), and so does a receiver.
 */
export class RootUnmountedError extends PeersyncError {
  constructor(group: string, root: string) {
    super("ROOT_UNMOUNTED", `Cannot accept entries below it: the include root ${root} of group "${group}" holds none of the entries this node's index knows below it (an unmounted disk?)`, {
      hint: "mount the disk; if its files were removed on purpose, run `peersync check --allow-empty-roots` on this node first",
    });
  }
}

export interface ResolveOptions {
  readonly createParents?: boolean;
  /** A batch's checks of the root and of shared parents, each made once (local path → its check). */
  readonly checked?: Map<string, Promise<void>>;
  readonly stat?: boolean;
  /** A receiver's index: with it, a root that looks unmounted refuses what goes below it. */
  readonly entries?: EntryStore;
}

/**
 * Maps `path` for `group`; creates missing parents (0755) when `createParents`. Throws
 * NotIncludedError, UnsafePathError, RootMissingError, RootUnmountedError.
 */
export async function resolveTarget(config: Config, group: Group, path: LogicalPath, options: ResolveOptions = {}): Promise<Target> {
  if (group.match(path) !== "match") throw new NotIncludedError(group, path);
  const roots = group.roots.map((r) => ({ logical: r as LogicalPath, local: config.toLocalPath(r) }));
  const root = pickRoot(roots, path);
  if (root === undefined || !isWithin(path, root.logical)) throw new NotIncludedError(group, path);
  const rest = path.slice(root.logical.length).split("/").filter((s) => s !== "");
  let current = root.local;
  // The root itself may be missing only for the root's own entry, which a write creates.
  if (rest.length > 0) {
    const seen = options.checked?.get(root.local);
    if (seen) await seen;
    else {
      const check = checkRoot(group.name, root, options.entries);
      options.checked?.set(root.local, check);
      await check;
    }
  }
  for (const segment of rest.slice(0, -1)) {
    current = `${current}/${segment}`;
    // A batch of files checks each shared parent once (`checked`, local path → its check).
    const seen = options.checked?.get(current);
    if (seen) await seen;
    else {
      const check = checkParent(path, current, options.createParents ?? false);
      options.checked?.set(current, check);
      await check;
    }
  }
  const local = rest.length === 0 ? root.local : `${current}/${rest[rest.length - 1]}`;
  const fs = fsPath(local);
  // A reader that opens the target with O_NOFOLLOW (the pusher's put-batch) needs no lstat of it.
  return { path, local, fs, stat: options.stat === false ? undefined : await lstatOrUndefined(fs) };
}

/** Throws RootMissingError for a root that is gone; with the index, RootUnmountedError for one that looks unmounted. */
export async function checkRoot(group: string, root: { readonly logical: string; readonly local: string }, entries: EntryStore | undefined): Promise<void> {
  if ((await lstatOrUndefined(fsPath(root.local))) === undefined) throw new RootMissingError(group, root.local);
  if (entries !== undefined && looksUnmounted(root.local, entries, group, root.logical)) throw new RootUnmountedError(group, root.local);
}

async function checkParent(path: string, local: string, create: boolean): Promise<void> {
  let stat = await lstatOrUndefined(fsPath(local));
  if (stat === undefined && create) {
    await fsp.mkdir(fsPath(local), { mode: 0o755 }).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== "EEXIST") throw err;
    });
    stat = await lstatOrUndefined(fsPath(local));
  }
  if (stat === undefined) throw new UnsafePathError(path, "missing-parent", local, `parent directory "${local}" does not exist`);
  if (stat.isSymbolicLink()) throw new UnsafePathError(path, "symlink-parent", local, `parent "${local}" is a symlink`);
  if (!stat.isDirectory()) throw new UnsafePathError(path, "not-directory", local, `parent "${local}" is not a directory`);
}

/**
 * lstat, undefined when nothing is there. Synchronous inside: an lstat reads the inode cache and
 * costs a few µs, a trip through the thread pool ten times that, several times per received
 * file (measured: ~0.6 s of the daemon's main thread per 10,000 files of a put-batch run).
 */
export async function lstatOrUndefined(path: string | Buffer): Promise<BigIntStats | undefined> {
  try {
    return lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOTDIR") return undefined;
    throw err;
  }
}

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

export interface Target {
  readonly path: LogicalPath;
  /** The local path, name-codec escaped (a string for logs and backups). */
  readonly local: string;
  /** What to hand node:fs. */
  readonly fs: string | Buffer;
  /** lstat of what is there now, or undefined. */
  readonly stat: BigIntStats | undefined;
}

/** The path is not one this node syncs for that group; nothing was touched. */
export class NotIncludedError extends PeersyncError {
  constructor(group: string, path: string) {
    super("NOT_INCLUDED", `Cannot accept "${path}": group "${group}" on this node does not include it`);
  }
}

/**
 * The group's include root is missing on this node: an entry below it has nowhere to go. Said
 * as such rather than as the ENOENT of the first write (the pusher printed "ENOENT: no such
 * file or directory, open '/srv/www'", and this node's operator read nothing at all).
 */
export class RootMissingError extends PeersyncError {
  constructor(group: string, path: string, root: string) {
    super("ROOT_MISSING", `Cannot accept "${path}": the include root ${root} of group "${group}" does not exist on this node`, {
      hint: "create that directory, or mount the disk it lives on, then sync again",
    });
  }
}

/** Maps `path` for `group`; creates missing parents (0755) when `createParents`. Throws NotIncludedError, UnsafePathError, RootMissingError. */
export async function resolveTarget(config: Config, group: Group, path: LogicalPath, options: { readonly createParents?: boolean; readonly checked?: Map<string, Promise<void>>; readonly stat?: boolean } = {}): Promise<Target> {
  if (group.match(path) !== "match") throw new NotIncludedError(group.name, path);
  const roots = group.roots.map((r) => ({ logical: r as LogicalPath, local: config.toLocalPath(r) }));
  const root = pickRoot(roots, path);
  if (root === undefined || !isWithin(path, root.logical)) throw new NotIncludedError(group.name, path);
  const rest = path.slice(root.logical.length).split("/").filter((s) => s !== "");
  let current = root.local;
  // The root itself may be missing only for the root's own entry, which a write creates.
  if (rest.length > 0) {
    const seen = options.checked?.get(root.local);
    if (seen) await seen;
    else {
      const check = checkRoot(group.name, path, root.local);
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

async function checkRoot(group: string, path: string, local: string): Promise<void> {
  if ((await lstatOrUndefined(fsPath(local))) === undefined) throw new RootMissingError(group, path, local);
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

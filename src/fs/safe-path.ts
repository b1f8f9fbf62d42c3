// Mapping a logical path from a peer onto this node's disk without ever leaving a root
// (DESIGN.md §5): every component below the root is lstat'ed, and a parent that is a symlink
// or not a directory is refused, so a link planted inside a synced tree (`/srv/www/x ->
// /etc`) cannot redirect a write to `/srv/www/x/passwd` into /etc. The final component may be
// a symlink only when the caller says so (the entry is a symlink, or will be renamed over).
//
// The root itself comes from the admin's config and is trusted: it may be a symlink
// (`/var/www -> /data/www`). Nothing below it is followed.
//
// Paths are name-codec escaped (fs/name-codec.ts), as logical paths are: a name that is not
// UTF-8 is looked up and made under its bytes (fsPath() at each fs call).
//
// RACE: the checks are lstat calls; a local user who can write inside the root could swap a
// checked directory for a symlink before the caller's open or rename. Such a user can already
// change the synced files themselves; closing the window needs openat()/renameat() relative
// to O_NOFOLLOW directory handles, which node:fs does not offer.

import type { Stats } from "node:fs";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import { isWithin, type LogicalPath } from "../core/path.js";
import { PeersyncError } from "../errors.js";
import { fsPath } from "./name-codec.js";

/** A group root: a logical path (`/etc`, `%www%`) and the local directory it maps to here. */
export interface SafeRoot {
  readonly logical: LogicalPath;
  /** Absolute local directory (escaped, as every path here). */
  readonly local: string;
}

export type UnsafeReason = "outside-root" | "root-not-directory" | "symlink-parent" | "not-directory" | "missing-parent" | "final-symlink";

/** A logical path cannot be mapped safely under its root; nothing was written. */
export class UnsafePathError extends PeersyncError {
  readonly path: string;
  readonly reason: UnsafeReason;
  /** The local path of the component that failed the check. */
  readonly at: string;
  constructor(path: string, reason: UnsafeReason, at: string, why: string) {
    super("UNSAFE_PATH", `Cannot use path "${path}": ${why}`);
    this.path = path;
    this.reason = reason;
    this.at = at;
  }
}

export interface ResolveOptions {
  /** Accept a symlink as the final component (the entry is one, or will be renamed over). @default false */
  readonly allowFinalSymlink?: boolean;
  /** Create missing parent directories with this mode, one checked component at a time. @default undefined: refuse */
  readonly createParentsMode?: number;
}

export interface ResolvedPath {
  /** The local path; every parent below the root is a real directory. */
  readonly local: string;
  /** What lstat found at the final component, or undefined when nothing is there. */
  readonly existing: "file" | "dir" | "symlink" | "other" | undefined;
}

/** The root that holds `path`: the deepest one, as roots may nest (`/etc` and `/etc/nginx`). */
export function pickRoot(roots: readonly SafeRoot[], path: LogicalPath): SafeRoot | undefined {
  let best: SafeRoot | undefined;
  for (const root of roots) {
    if (isWithin(path, root.logical) && (best === undefined || root.logical.length > best.logical.length)) best = root;
  }
  return best;
}

/** Resolves `path` under `root`, checking every component below the root; throws UnsafePathError. */
export async function resolveSafePath(root: SafeRoot, path: LogicalPath, options: ResolveOptions = {}): Promise<ResolvedPath> {
  const segments = segmentsBelow(root, path);
  await checkRoot(root, path);
  let current = root.local;
  for (const segment of segments.slice(0, -1)) {
    current = join(current, segment);
    await checkParent(path, current, options.createParentsMode);
  }
  if (segments.length === 0) return { local: root.local, existing: "dir" };
  const local = join(current, segments[segments.length - 1] ?? "");
  const stat = await lstatOrUndefined(local);
  if (stat?.isSymbolicLink() && !options.allowFinalSymlink) {
    throw new UnsafePathError(path, "final-symlink", local, `"${local}" is a symlink and the entry is not one`);
  }
  return { local, existing: kindOf(stat) };
}

function segmentsBelow(root: SafeRoot, path: LogicalPath): string[] {
  if (!isWithin(path, root.logical)) {
    throw new UnsafePathError(path, "outside-root", root.local, `it is not under the root "${root.logical}"`);
  }
  const rest = path.slice(root.logical.length);
  // Invariant: LogicalPath has no empty, "." or ".." segments, so each one names a child.
  return rest.split("/").filter((s) => s !== "");
}

async function checkRoot(root: SafeRoot, path: LogicalPath): Promise<void> {
  const stat = await fsp.stat(fsPath(root.local)).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new UnsafePathError(path, "root-not-directory", root.local, `its root "${root.local}" is not a directory`);
  }
}

async function checkParent(path: LogicalPath, local: string, createMode: number | undefined): Promise<void> {
  let stat = await lstatOrUndefined(local);
  if (stat === undefined && createMode !== undefined) {
    await fsp.mkdir(fsPath(local), { mode: createMode }).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== "EEXIST") throw err; // RACE: made meanwhile; checked below.
    });
    stat = await lstatOrUndefined(local);
  }
  if (stat === undefined) throw new UnsafePathError(path, "missing-parent", local, `parent directory "${local}" does not exist`);
  if (stat.isSymbolicLink()) throw new UnsafePathError(path, "symlink-parent", local, `parent "${local}" is a symlink`);
  if (!stat.isDirectory()) throw new UnsafePathError(path, "not-directory", local, `parent "${local}" is not a directory`);
}

async function lstatOrUndefined(local: string): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(fsPath(local));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") return undefined; // unreachable after the parent checks; kept total
    throw err;
  }
}

function kindOf(stat: Stats | undefined): ResolvedPath["existing"] {
  if (stat === undefined) return undefined;
  if (stat.isFile()) return "file";
  if (stat.isDirectory()) return "dir";
  if (stat.isSymbolicLink()) return "symlink";
  return "other";
}

// Which subtrees a check walks for one group: its include roots (full check), or the hinted /
// command-line paths that fall inside them. Pure.

import type { Group } from "../config/types.js";
import { compareUtf8 } from "../fs/name-codec.js";
import { isWithin, parentOf, type LogicalPath } from "../core/path.js";

export interface CheckRequest {
  /** Logical path. */
  readonly path: string;
  readonly recursive: boolean;
}

export interface CheckTarget {
  readonly path: string;
  readonly recursive: boolean;
  /** The include root this target lies in (the walk must not pass a symlink below it). */
  readonly root: string;
  /** A configured root walked whole by a full check (the vanished-root safety stop applies). */
  readonly isRoot: boolean;
}

/** Targets of a full check: every root of the group, minus roots nested in another. */
export function fullTargets(group: Pick<Group, "roots">): CheckTarget[] {
  return dedupe(group.roots.map((root) => ({ path: root, recursive: true, root, isRoot: true })));
}

/**
 * Targets for requested paths: each request inside a root, plus its ancestors up to the root
 * (non-recursive, so a hinted file in a new directory brings the directory along); a recursive
 * request above a root covers that whole root. Requests outside every root are dropped.
 */
export function requestedTargets(group: Pick<Group, "roots">, requests: readonly CheckRequest[]): CheckTarget[] {
  const targets: CheckTarget[] = [];
  for (const request of requests) {
    for (const root of group.roots) {
      const path = request.path as LogicalPath;
      if (isWithin(path, root as LogicalPath)) {
        targets.push({ path, recursive: request.recursive, root, isRoot: false });
        for (let a = parentOf(path); a !== undefined && isWithin(a, root as LogicalPath); a = parentOf(a)) {
          targets.push({ path: a, recursive: false, root, isRoot: false });
        }
      } else if (request.recursive && isWithin(root as LogicalPath, path)) {
        targets.push({ path: root, recursive: true, root, isRoot: true });
      }
    }
  }
  return dedupe(targets);
}

/** Sorted by path; drops duplicates and targets already covered by a recursive one. */
export function dedupe(targets: readonly CheckTarget[]): CheckTarget[] {
  const sorted = [...targets].sort((a, b) => compareUtf8(a.path, b.path) || Number(b.recursive) - Number(a.recursive));
  const kept: CheckTarget[] = [];
  const recursive: string[] = [];
  for (const t of sorted) {
    if (recursive.some((r) => isWithin(t.path as LogicalPath, r as LogicalPath))) continue;
    const last = kept[kept.length - 1];
    if (last !== undefined && last.path === t.path) continue;
    kept.push(t);
    if (t.recursive) recursive.push(t.path);
  }
  return kept;
}

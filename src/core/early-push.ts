// Which versions a sync may push while its check is still walking (sync/early-push.ts), and
// when it must stop doing so. Pushing early changes nothing a peer ends with, only when: the
// rest of the run (the update) still sends what is left in the order core/plan.ts gives, and
// the rules below keep everything sent early out of that order's way.
//
// - Only writes go early, never deletions: a deletion waits for the whole check, so max-delete
//   (core/plan.ts checkDeleteBudget) still counts every deletion before any leaves.
// - A group's early pushes end at the first deletion or change of kind the check finds in it:
//   the update sends deletions before writes (a directory that became a file has its children
//   removed first), and anything sent after the first deletion could overtake it.
// - A path waits while its parent directory has a new version of this check that has not gone
//   to the peer: the peer would have to make the directory itself (sync/receive.ts
//   reviveParents) and take it for its own new version.

import type { ChangeKind } from "./dirty.js";
import { parentOf, type LogicalPath } from "./path.js";

/** A change the check found that ends its group's early pushes. */
export function endsEarlyPush(kind: Exclude<ChangeKind, "none">): boolean {
  return kind === "deleted" || kind === "type";
}

export interface EarlyCandidate {
  readonly path: string;
  /** The entry is a tombstone. */
  readonly deleted: boolean;
}

/**
 * Splits rows committed by the check into those that may go now and those that wait.
 * `changed`: paths this check recorded a new version of; `sent`: those already pushed early to
 * this peer. Deletions are left out (they are the update's); a row whose parent is in `changed`
 * goes only when the parent went before or goes in this same lot (a push sends parents first).
 * Keeps the rows' order.
 */
export function splitEarly<T extends EarlyCandidate>(rows: readonly T[], changed: ReadonlySet<string>, sent: ReadonlySet<string>): { ready: T[]; waiting: T[] } {
  const lot = new Map<string, T>();
  for (const row of rows) if (!row.deleted) lot.set(row.path, row);
  const verdicts = new Map<string, boolean>();
  const goes = (path: string): boolean => {
    let verdict = verdicts.get(path);
    if (verdict === undefined) {
      const parent = parentOf(path as LogicalPath);
      verdict = parent === undefined || !changed.has(parent) || sent.has(parent) || (lot.has(parent) && goes(parent));
      verdicts.set(path, verdict);
    }
    return verdict;
  };
  const ready: T[] = [];
  const waiting: T[] = [];
  for (const row of lot.values()) (goes(row.path) ? ready : waiting).push(row);
  return { ready, waiting };
}

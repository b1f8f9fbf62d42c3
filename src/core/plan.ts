// Ordering a batch of operations for one peer, and the max-delete safety stop (DESIGN.md §4).
//
// Order (csync2's -u passes, made explicit): every deletion first, deepest paths first, so a
// directory is removed only after everything in it; then every write, parents first, so a
// directory exists before anything is created in it. Deleting first also clears the way for
// kind changes: a dir replaced by a file has its children removed before the file is written.

import type { EntryState } from "./entry.js";
import type { LogicalPath } from "./path.js";

export interface PlanItem {
  readonly path: LogicalPath;
  /** delete: remove the entry; write: create, replace or re-attribute it. */
  readonly op: "delete" | "write";
}

/** A new array: deletions children-first, then writes parents-first; stable otherwise. */
export function orderOperations<T extends PlanItem>(items: readonly T[]): T[] {
  const deletes = items.filter((i) => i.op === "delete").sort((a, b) => comparePaths(b.path, a.path));
  const writes = items.filter((i) => i.op === "write").sort((a, b) => comparePaths(a.path, b.path));
  return [...deletes, ...writes];
}

/**
 * A file at most this big whose version was made on the pusher goes straight into a put-batch,
 * without an offer (sync/push.ts): the peer decides on a put-batch's files exactly as on
 * offered ones (after the same re-check), and it cannot hold a version it never acknowledged,
 * so the offer could only answer "send whole" (below the peer's PEERSYNC_WHOLE_FILE_BELOW,
 * 64 KiB by default). What it can waste: the bytes of a file the peer turns out to hold
 * already (a lost acknowledgement), at most this many.
 */
export const DIRECT_FILE_BYTES = 16 * 1024;

/** A write of a file of at most DIRECT_FILE_BYTES whose vector holds only `localNode`'s counter. */
export function skipsOffer(op: PlanItem["op"], entry: EntryState, localNode: string): boolean {
  if (op !== "write" || entry.kind !== "file" || entry.size > DIRECT_FILE_BYTES) return false;
  for (const node in entry.vector) if (node !== localNode) return false;
  return true;
}

/**
 * Orders paths segment by segment, so a parent sorts right before its subtree ("/a" <
 * "/a/b" < "/a-b"), which plain string order does not guarantee ("/a-b" < "/a/b").
 */
export function comparePaths(a: LogicalPath, b: LogicalPath): number {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const s = x[i] ?? "";
    const t = y[i] ?? "";
    if (s !== t) return s < t ? -1 : 1;
  }
  return x.length - y.length;
}

/** Without max-delete, a run halts when it would delete more than this share of the group's files… */
export const DEFAULT_DELETE_FRACTION = 0.25;
/** …and more than this many entries (so small groups can be emptied on purpose). */
export const DEFAULT_DELETE_FLOOR = 100;

export type DeleteBudget =
  | { readonly ok: true }
  | { readonly ok: false; readonly limit: number; readonly message: string };

/**
 * Whether a run may send `deletes` deletions for a group of `groupFileCount` entries.
 * `maxDelete` (the group's `max-delete`) is the most allowed; without it the default rule
 * halts above 25% of the group's entries when that is also more than 100. Halting protects
 * against an unmounted disk or a wrong include looking like a mass deletion. The message says
 * how to let exactly these deletions go (the value to set) and to undo it after: a limit left
 * raised lets the next accident through.
 */
export function checkDeleteBudget(deletes: number, groupFileCount: number, maxDelete?: number, peer?: string): DeleteBudget {
  const head = `Cannot delete ${deletes} of ${groupFileCount} entries${peer === undefined ? "" : ` on peer "${peer}"`}`;
  const once = "for one run (reload a running daemon), then";
  if (maxDelete !== undefined) {
    if (deletes <= maxDelete) return { ok: true };
    return {
      ok: false,
      limit: maxDelete,
      message: `${head}: more than max-delete (${maxDelete}); if this is intended, raise the group's max-delete to ${deletes} ${once} set it back`,
    };
  }
  const limit = Math.max(Math.floor(groupFileCount * DEFAULT_DELETE_FRACTION), DEFAULT_DELETE_FLOOR);
  if (deletes <= limit) return { ok: true };
  return {
    ok: false,
    limit,
    message:
      `${head}: more than ${DEFAULT_DELETE_FRACTION * 100}% of the group and more than ${DEFAULT_DELETE_FLOOR}; ` +
      `if this is intended, set \`max-delete ${deletes};\` in the group ${once} remove it`,
  };
}

/** One peer's pending rows of a group, counted for the max-delete rule. */
export interface PeerDeletes {
  readonly deletes: number;
  readonly writes: number;
  /** The group's live entries on this node now (moved entries under their new paths). */
  readonly live: number;
}

/**
 * checkDeleteBudget() for one peer's pending rows, with moves counted neither as deletions nor
 * twice in the group's size: a renamed directory's entries are live under their new paths and
 * pending as deletions under the old ones, and counting both raised the 25% limit by half the
 * directory, so a mass deletion in the same run as a rename went out unstopped. `moves`
 * (countMoves, which reads every row) is asked only when a cheaper bound fails: there are at
 * least as many writes as moves, so a group counted without any write is no larger than it was.
 */
export function checkPeerDeletes(c: PeerDeletes, maxDelete: number | undefined, moves: () => number, peer?: string): DeleteBudget {
  if (c.deletes === 0) return { ok: true };
  if (checkDeleteBudget(c.deletes, Math.max(0, c.live + c.deletes - c.writes), maxDelete).ok) return { ok: true };
  const moved = moves();
  return checkDeleteBudget(c.deletes - moved, c.live + c.deletes - moved, maxDelete, peer);
}

/**
 * Whether a pending row is a deletion this node passes on rather than made (core/tombstone.ts
 * relayPeers): its tombstone names another node as the deleter (`modifiedBy`; undefined when a
 * check here recorded it). The max-delete rule leaves such rows out. The node that made the
 * deletions counted them when it sent them (they would not have left it otherwise, unless its
 * limit was raised for that run), and it sent the writes of a rename with them, which no node
 * passes on: counted here, a renamed directory of 200 files halted the whole group on every
 * node that received it, for as long as one peer had not acknowledged the old names.
 */
export function relaysDeletion(row: { readonly deleted: boolean; readonly modifiedBy: string | undefined }, localNode: string): boolean {
  return row.deleted && row.modifiedBy !== undefined && row.modifiedBy !== localNode;
}

/** What a deletion or a write of one entry carries, for countMoves(): a file's content hash, a symlink's target, or a directory. */
export type MoveKey =
  | { readonly kind: "file"; readonly hash: string }
  | { readonly kind: "symlink"; readonly target: string }
  | { readonly kind: "dir" };

/**
 * How many of a run's deletions for one peer are moves: each deletion whose entry goes to the
 * same peer in the same run under another path (the same content, the same symlink target, a
 * directory for a directory), each write matched at most once. A renamed directory is as many
 * deletions as it holds entries, and as many writes carrying what they held; counted as
 * deletions, `mv images img` halted the whole group under the max-delete rule while nothing
 * was lost (exploratory run, continuous mode). An unmounted disk or a wrong include, what the
 * rule is for, deletes with nothing written in return.
 */
export function countMoves(deleted: readonly MoveKey[], written: readonly MoveKey[]): number {
  const supply = new Map<string, number>();
  for (const w of written) supply.set(moveKey(w), (supply.get(moveKey(w)) ?? 0) + 1);
  let moves = 0;
  for (const d of deleted) {
    const key = moveKey(d);
    const left = supply.get(key) ?? 0;
    if (left === 0) continue;
    supply.set(key, left - 1);
    moves++;
  }
  return moves;
}

function moveKey(k: MoveKey): string {
  return k.kind === "file" ? `f:${k.hash}` : k.kind === "symlink" ? `l:${k.target}` : "d";
}

// One line of `peersync list-pending` (csync2 -M). csync2 prints its dirty table as
// `force|chary<TAB>myname<TAB>peer<TAB>path`, and scripts written for csync2 parse those four
// columns, so `peersync -M` prints exactly them. The named command adds a fifth column,
// `conflict`, to a row whose entry `auto none` left in conflict with that peer: both versions
// stand until `peersync force PATH` on the node whose version should win. The named command
// also lists a conflict this node records with no pending row for that peer: in a cluster of
// three or more, a node refuses a pusher's version of a file it got from a third node, and its
// own version owes that pusher nothing; status counts it, so list-pending must name it. Pure.

import { shownName } from "./shown-name.js";

export interface PendingListed {
  readonly forced: boolean;
  /** This node's name in the entry's group. */
  readonly myname: string;
  readonly peer: string;
  readonly path: string;
  /** A conflict with this peer stands (table `conflicts`). */
  readonly conflict: boolean;
}

/** "csync2": `peersync -M`, csync2's columns exactly; "peersync": `peersync list-pending`. */
export type PendingForm = "csync2" | "peersync";

export function pendingLine(row: PendingListed, form: PendingForm): string {
  const line = `${row.forced ? "force" : "chary"}\t${row.myname}\t${row.peer}\t${shownName(row.path)}`;
  return form === "peersync" && row.conflict ? `${line}\tconflict` : line;
}

/** An (entry, peer) pair the index lists: a pending row, or a conflict (table `conflicts`). */
export interface IndexPair {
  readonly entryId: number;
  readonly group: string;
  readonly path: string;
  readonly peer: string;
  /** The entry is a tombstone here. */
  readonly deleted: boolean;
}

/** A row of list-pending: `pending` false for a conflict this node owes the peer nothing for. */
export type ListedPair = IndexPair & { readonly forced: boolean; readonly conflict: boolean; readonly pending: boolean };

/**
 * The rows `form` lists: every pending row, marked when in conflict with its peer, and for
 * "peersync" the conflicts with no pending row too (never forced: force marks the entry pending
 * for every peer), all in the pending list's order (path, peer, group). "csync2" is csync2's
 * dirty table: pending rows only.
 */
export function listedPairs(pending: readonly (IndexPair & { readonly forced: boolean })[], conflicts: readonly IndexPair[], form: PendingForm): ListedPair[] {
  const conflicted = new Set(conflicts.map(pairKey));
  const rows = pending.map((r) => ({ ...r, conflict: conflicted.has(pairKey(r)), pending: true }));
  if (form === "csync2") return rows;
  const owed = new Set(pending.map(pairKey));
  const unowed = conflicts.filter((c) => !owed.has(pairKey(c))).map((c) => ({
    entryId: c.entryId, group: c.group, path: c.path, peer: c.peer, forced: false, deleted: c.deleted, conflict: true, pending: false,
  }));
  return unowed.length === 0 ? rows : [...rows, ...unowed].sort(byPathPeerGroup);
}

function pairKey(p: Pick<IndexPair, "entryId" | "peer">): string {
  return `${p.entryId}\0${p.peer}`;
}

function byPathPeerGroup(a: IndexPair, b: IndexPair): number {
  return compare(a.path, b.path) || compare(a.peer, b.peer) || compare(a.group, b.group);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

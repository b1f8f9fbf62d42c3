// The max-delete safety stop of an update (the group's `max-delete`, a peersync keyword):
// before anything of a group goes out, each peer's pending rows are measured against the
// group's budget, and one peer over it halts the group for all of them. The rule is
// core/plan.ts's; this file reads what it needs from the index (live entries, moves) and
// words the stop. Apart from update.ts, which only acts on the answer: how the rows are
// counted is no part of the run's sequencing.

import type { Group, Host } from "../config/types.js";
import { checkPeerDeletes, countMoves, relaysDeletion, type MoveKey } from "../core/plan.js";
import type { EntryRecord } from "../index/entries.js";
import type { PendingRow } from "../index/pending.js";
import type { PeerResult } from "./push.js";
import type { SyncIndex } from "./sync-index.js";

/**
 * The max-delete safety stop (core/plan.ts): the message when any peer would lose too much,
 * with what went before the stop (stopNote); undefined when every peer is within the budget.
 */
export function deleteStop(index: SyncIndex, group: Group, work: readonly { host: Host; rows: readonly PendingRow[]; prior: PeerResult | undefined }[]): string | undefined {
  // Counting the group's live entries reads their whole range: only when a peer gets deletions.
  let live: number | undefined;
  for (const { host, rows: all } of work) {
    // Deletions made elsewhere and passed on from here were counted where they were made.
    const rows = all.filter((r) => !relaysDeletion(r, group.local.name));
    const deletes = rows.filter((r) => r.deleted).length;
    if (deletes === 0) continue;
    live ??= group.roots.reduce((n, root) => n + index.entries.countLiveUnder(group.name, root), 0);
    const budget = checkPeerDeletes({ deletes, writes: rows.length - deletes, live }, group.maxDelete, () => movesIn(index, rows), host.name);
    if (!budget.ok) {
      // Said of the group: it halts for every peer, and status shows this under each of them.
      return `Cannot sync group "${group.name}" to any of its peers: ${budget.message}` + stopNote(work);
    }
  }
  return undefined;
}

/** How many of one peer's pending deletions are moves (core/plan.ts countMoves). */
function movesIn(index: SyncIndex, rows: readonly PendingRow[]): number {
  const deleted: MoveKey[] = [];
  const written: MoveKey[] = [];
  for (const row of rows) {
    const key = moveKeyOf(index.entries.getById(row.entryId));
    if (key !== undefined) (row.deleted ? deleted : written).push(key);
  }
  return countMoves(deleted, written);
}

/** A tombstone keeps the kind, hash and target of what it deleted. */
function moveKeyOf(record: EntryRecord | undefined): MoveKey | undefined {
  if (record === undefined) return undefined;
  if (record.kind === "dir") return { kind: "dir" };
  if (record.kind === "symlink") return record.target === undefined ? undefined : { kind: "symlink", target: record.target };
  return record.hash === undefined ? undefined : { kind: "file", hash: record.hash };
}

/** What the stop's message adds: nothing was sent, or only what went while the check went on. */
function stopNote(work: readonly { prior: PeerResult | undefined }[]): string {
  const early = work.reduce((n, w) => n + (w.prior?.offered ?? 0), 0);
  if (early === 0) return " (nothing was sent for this group)";
  return ` (no deletion was sent; ${early} new or changed entr${early === 1 ? "y" : "ies"} went to peers while the check went on, before it found the deletions)`;
}

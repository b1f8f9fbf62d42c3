// The index counts `peersync status` shows, as prepared statements over the tables the check
// and the sync engine write. Read-only; a table or column a migration has not added yet reads
// as "unknown" (undefined), never as an error.

import type { Db } from "../index/database.js";
import { LossStore, type Loss } from "../index/losses.js";

export interface PeerCount {
  readonly group: string;
  readonly peer: string;
  readonly n: number;
}

/** Pending (entry, peer) pairs by group and peer. */
export function pendingCounts(db: Db): PeerCount[] {
  return db.prepare<[], PeerCount>(
    "SELECT e.grp AS \"group\", p.peer AS peer, count(*) AS n FROM pending p JOIN entries e ON e.id = p.entry_id GROUP BY e.grp, p.peer",
  ).all();
}

/** Unresolved conflicts by group and peer; undefined before the sync engine's migration. */
export function conflictCounts(db: Db): PeerCount[] | undefined {
  try {
    return db.prepare<[], PeerCount>(
      "SELECT e.grp AS \"group\", c.peer AS peer, count(*) AS n FROM conflicts c JOIN entries e ON e.id = c.entry_id GROUP BY e.grp, c.peer",
    ).all();
  } catch {
    return undefined;
  }
}

/** One unresolved conflict as status lists it. */
export interface ConflictedPath {
  readonly path: string;
  readonly peer: string;
  readonly detectedMs: number;
}

/** The first `limit` conflicts of a group in path order; undefined before the sync engine's migration. */
export function conflictsInGroup(db: Db, group: string, limit: number): ConflictedPath[] | undefined {
  try {
    return db.prepare<[string, number], ConflictedPath>(
      "SELECT e.path AS path, c.peer AS peer, c.detected_ms AS detectedMs FROM conflicts c JOIN entries e ON e.id = c.entry_id " +
        "WHERE e.grp = ? ORDER BY e.path, c.peer LIMIT ?",
    ).all(group, limit);
  } catch {
    return undefined;
  }
}

/**
 * Drift of a receive-only group: entries whose recorded version this node made itself (its
 * name in the version vector, and no peer recorded as the writer), i.e. local edits the group
 * has not overwritten yet. Before the sync engine's columns exist, the vector alone decides.
 */
export function driftCount(db: Db, group: string, node: string): number {
  const byVector = "json_extract(vv, '$.' || json_quote(?)) IS NOT NULL";
  try {
    return db.prepare<[string, string], { n: number }>(`SELECT count(*) AS n FROM entries WHERE grp = ? AND ${byVector} AND modified_by IS NULL`)
      .get(group, node)?.n ?? 0;
  } catch {
    return db.prepare<[string, string], { n: number }>(`SELECT count(*) AS n FROM entries WHERE grp = ? AND ${byVector}`).get(group, node)?.n ?? 0;
  }
}

/** Actions owed for applied batches (not run yet). */
export function queuedActions(db: Db): number {
  return db.prepare<[], { n: number }>("SELECT count(*) AS n FROM action_queue").get()?.n ?? 0;
}

/** Pending (entry, peer) pairs of one group. */
export function pendingInGroup(db: Db, group: string): number {
  return db.prepare<[string], { n: number }>(
    "SELECT count(*) AS n FROM pending p JOIN entries e ON e.id = p.entry_id WHERE e.grp = ?",
  ).get(group)?.n ?? 0;
}

/**
 * Versions of this node that lost and were backed up, for one group: how many are recorded,
 * since when, per backup path (status/kept-copies.ts looks for their copies), and the latest;
 * undefined before that table's migration.
 */
export function lossesOf(db: Db, group: string): LossFacts | undefined {
  let store: LossStore;
  try {
    store = new LossStore(db);
  } catch {
    return undefined;
  }
  return { count: store.count(group), notKept: store.notKept(group), sinceMs: store.oldestMs(group), byBackup: store.byBackup(group), last: store.last(group) };
}

export interface LossFacts {
  readonly count: number;
  /** Of `count`, the losses no copy was kept of (backup-generations 0). */
  readonly notKept: number;
  readonly sinceMs: number | undefined;
  readonly byBackup: readonly { readonly backup: string; readonly n: number }[];
  readonly last: Loss | undefined;
}

// Repository of the pending table (schema/30-pending.sql): which entries each peer has not
// acknowledged yet. A check marks; the sync engine lists per peer and clears what a peer
// acknowledged. Marking an entry already pending for a peer is a no-op (never a duplicate).

import type { Db } from "./database.js";
import { eachChunk, IN_PLACES, inChunks } from "./points.js";

/** One pending (entry, peer) pair with what the listings and the sync engine need. */
export interface PendingRow {
  readonly entryId: number;
  readonly group: string;
  readonly path: string;
  readonly peer: string;
  readonly forced: boolean;
  /** The entry is a tombstone: the peer has to delete it. */
  readonly deleted: boolean;
  /** The node that wrote the recorded version (index/versions.ts); undefined: this node. */
  readonly modifiedBy: string | undefined;
}

interface RawPending {
  entry_id: number; grp: string; path: string; peer: string; forced: number; deleted: number; modified_by: string | null;
}

const SELECT =
  "SELECT p.entry_id, e.grp, e.path, p.peer, p.forced, e.deleted_ns IS NOT NULL AS deleted, e.modified_by " +
  "FROM pending p JOIN entries e ON e.id = p.entry_id";

export class PendingStore {
  readonly #mark;
  readonly #clear;
  readonly #clearMany;
  readonly #clearAll;
  readonly #force;
  readonly #all;
  readonly #forPeer;
  readonly #forPeerByIds;
  readonly #anyInGroup;
  readonly #count;
  readonly #peersOf;

  constructor(db: Db) {
    // forced only ever goes up: csync2's -F marks forced, a later plain mark must not undo it.
    this.#mark = db.prepare<[number, string, number]>(
      "INSERT INTO pending (entry_id, peer, forced) VALUES (?, ?, ?) " +
        "ON CONFLICT (entry_id, peer) DO UPDATE SET forced = max(forced, excluded.forced)",
    );
    this.#clear = db.prepare<[number, string]>("DELETE FROM pending WHERE entry_id = ? AND peer = ?");
    this.#clearMany = db.prepare(`DELETE FROM pending WHERE peer = ? AND entry_id IN (${IN_PLACES})`);
    this.#clearAll = db.prepare<[number]>("DELETE FROM pending WHERE entry_id = ?");
    this.#force = db.prepare<[number]>("UPDATE pending SET forced = 1 WHERE entry_id = ?");
    this.#all = db.prepare(`${SELECT} ORDER BY e.path, p.peer, e.grp`);
    this.#forPeer = db.prepare(`${SELECT} WHERE p.peer = ? ORDER BY e.path, e.grp`);
    this.#forPeerByIds = db.prepare(`${SELECT} WHERE p.peer = ? AND p.entry_id IN (${IN_PLACES})`);
    this.#anyInGroup = db.prepare<[string, string]>(
      "SELECT EXISTS (SELECT 1 FROM pending p JOIN entries e ON e.id = p.entry_id WHERE p.peer = ? AND e.grp = ?)",
    ).pluck();
    this.#count = db.prepare("SELECT count(*) AS n FROM pending");
    this.#peersOf = db.prepare<[number], { peer: string }>("SELECT peer FROM pending WHERE entry_id = ? ORDER BY peer");
  }

  /** Makes the entry pending for each peer (idempotent). */
  mark(entryId: number, peers: readonly string[], forced = false): void {
    for (const peer of peers) this.#mark.run(entryId, peer, forced ? 1 : 0);
  }

  /** The peer acknowledged the entry. */
  clear(entryId: number, peer: string): void {
    this.#clear.run(entryId, peer);
  }

  /** clear() for many entries of one peer, one statement per POINTS ids. */
  clearMany(entryIds: readonly number[], peer: string): void {
    eachChunk(entryIds, (places) => this.#clearMany.run(peer, ...places));
  }

  /** No peer needs the entry any more (csync2's FLUSH on the receiving side). */
  clearAll(entryId: number): void {
    this.#clearAll.run(entryId);
  }

  /** csync2 -f: existing pending rows of the entry skip the comparison. */
  force(entryId: number): void {
    this.#force.run(entryId);
  }

  /** Every pending pair, by path then peer. */
  list(): PendingRow[] {
    return (this.#all.all() as RawPending[]).map(toRow);
  }

  /** Pending pairs of one peer, by path (parents before children). */
  listForPeer(peer: string): PendingRow[] {
    return (this.#forPeer.all(peer) as RawPending[]).map(toRow);
  }

  /** The rows of `peer` among these entries, in no particular order (a push orders its rows: core/plan.ts). */
  listForPeerByIds(peer: string, entryIds: readonly number[]): PendingRow[] {
    return inChunks(entryIds, (places) => this.#forPeerByIds.all(peer, ...places) as RawPending[]).map(toRow);
  }

  /** Whether anything of `group` is pending for `peer`. */
  anyForPeerInGroup(peer: string, group: string): boolean {
    return this.#anyInGroup.get(peer, group) === 1;
  }

  /** Peers the entry is pending for. */
  peersOf(entryId: number): string[] {
    return this.#peersOf.all(entryId).map((r) => r.peer);
  }

  count(): number {
    return (this.#count.get() as { n: number }).n;
  }
}

function toRow(r: RawPending): PendingRow {
  return { entryId: r.entry_id, group: r.grp, path: r.path, peer: r.peer, forced: r.forced === 1, deleted: r.deleted === 1, modifiedBy: r.modified_by ?? undefined };
}

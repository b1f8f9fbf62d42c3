// The sync engine's per-entry columns (migrations/60-sync-versions.sql): who wrote the recorded
// version and when, the `peersync force` flag, and unresolved conflicts. Kept apart from
// entries.ts, whose statements a check runs on every entry: a check never needs these.

import type { Db } from "./database.js";
import { eachChunk, IN_PLACES } from "./points.js";

/** What the sync engine adds to an entry row. */
export interface VersionColumns {
  /** undefined: this node wrote the version (a check recorded it). */
  readonly modifiedBy: string | undefined;
  readonly changedAtMs: number | undefined;
  readonly forced: boolean;
}

/** An unresolved conflict (`auto none`) with one peer. */
export interface ConflictRow {
  readonly entryId: number;
  readonly group: string;
  readonly path: string;
  readonly peer: string;
  /** This node's version is a deletion (a tombstone). */
  readonly deleted: boolean;
  /** The peer's version, wire JSON (core/entry.ts entryToWire). */
  readonly remote: string;
  readonly detectedMs: number;
}

interface RawConflict {
  entry_id: number; grp: string; path: string; peer: string; deleted: number; remote: string; detected_ms: number;
}

export class VersionStore {
  readonly #get;
  readonly #setVersion;
  readonly #setForced;
  readonly #setReceived;
  readonly #addConflict;
  readonly #clearConflict;
  readonly #clearConflicts;
  readonly #unforceSettled;
  readonly #conflicts;
  readonly #conflictsOf;

  constructor(db: Db) {
    this.#get = db.prepare<[number], { modified_by: string | null; changed_at_ms: number | null; forced: number }>(
      "SELECT modified_by, changed_at_ms, forced FROM entries WHERE id = ?",
    );
    this.#setVersion = db.prepare<[string, number, number]>("UPDATE entries SET modified_by = ?, changed_at_ms = ? WHERE id = ?");
    this.#setForced = db.prepare<[number, number]>("UPDATE entries SET forced = ? WHERE id = ?");
    this.#setReceived = db.prepare<[string, number, number]>("UPDATE entries SET modified_by = ?, changed_at_ms = ?, forced = 0 WHERE id = ?");
    this.#addConflict = db.prepare<[number, string, string, number]>(
      "INSERT INTO conflicts (entry_id, peer, remote, detected_ms) VALUES (?, ?, ?, ?) " +
        "ON CONFLICT (entry_id, peer) DO UPDATE SET remote = excluded.remote, detected_ms = excluded.detected_ms",
    );
    this.#clearConflict = db.prepare<[number, string]>("DELETE FROM conflicts WHERE entry_id = ? AND peer = ?");
    this.#clearConflicts = db.prepare(`DELETE FROM conflicts WHERE peer = ? AND entry_id IN (${IN_PLACES})`);
    this.#unforceSettled = db.prepare(
      `UPDATE entries SET forced = 0 WHERE forced <> 0 AND id IN (${IN_PLACES}) AND NOT EXISTS (SELECT 1 FROM pending WHERE entry_id = entries.id)`,
    );
    const select = "SELECT c.entry_id, e.grp, e.path, c.peer, e.deleted_ns IS NOT NULL AS deleted, c.remote, c.detected_ms FROM conflicts c JOIN entries e ON e.id = c.entry_id";
    this.#conflicts = db.prepare(`${select} ORDER BY e.path, c.peer`);
    this.#conflictsOf = db.prepare<[number]>(`${select} WHERE c.entry_id = ? ORDER BY c.peer`);
  }

  get(entryId: number): VersionColumns {
    const row = this.#get.get(entryId);
    return {
      modifiedBy: row?.modified_by ?? undefined,
      changedAtMs: row?.changed_at_ms ?? undefined,
      forced: row?.forced === 1,
    };
  }



  /** Records who wrote the version just recorded (call after EntryStore.record/tombstone). */
  setVersion(entryId: number, modifiedBy: string, changedAtMs: number): void {
    this.#setVersion.run(modifiedBy, changedAtMs, entryId);
  }

  /** setVersion() and setForced(false) in one statement: a version received from a peer is never forced here. */
  setReceived(entryId: number, modifiedBy: string, changedAtMs: number): void {
    this.#setReceived.run(modifiedBy, changedAtMs, entryId);
  }

  /** clearConflict() for many entries of one peer, one statement per POINTS ids. */
  clearConflicts(entryIds: readonly number[], peer: string): void {
    eachChunk(entryIds, (places) => this.#clearConflicts.run(peer, ...places));
  }

  /** setForced(false) for each of `entryIds` that no peer waits for any more (no pending row). */
  unforceSettled(entryIds: readonly number[]): void {
    eachChunk(entryIds, (places) => this.#unforceSettled.run(...places));
  }

  setForced(entryId: number, forced: boolean): void {
    this.#setForced.run(forced ? 1 : 0, entryId);
  }

  addConflict(entryId: number, peer: string, remote: string, nowMs: number): void {
    this.#addConflict.run(entryId, peer, remote, nowMs);
  }

  clearConflict(entryId: number, peer: string): void {
    this.#clearConflict.run(entryId, peer);
  }

  conflicts(): ConflictRow[] {
    return (this.#conflicts.all() as RawConflict[]).map(toConflict);
  }

  conflictsOf(entryId: number): ConflictRow[] {
    return (this.#conflictsOf.all(entryId) as RawConflict[]).map(toConflict);
  }
}

function toConflict(r: RawConflict): ConflictRow {
  return { entryId: r.entry_id, group: r.grp, path: r.path, peer: r.peer, deleted: r.deleted === 1, remote: r.remote, detectedMs: r.detected_ms };
}

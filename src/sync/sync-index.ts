// The index as the sync engine sees it: one EntryState per (group, path) with its version
// info, and the writes a sync makes (a received version, a merged vector, pending rows,
// conflicts, lost versions). Wraps index/entries.ts, pending.ts, versions.ts and losses.ts;
// decides nothing.

import type { EntryState } from "../core/entry.js";
import { canPurgeTombstone, DEFAULT_TOMBSTONE_RETENTION_MS, type PurgeOptions } from "../core/tombstone.js";
import type { VersionVector } from "../core/vector.js";
import type { Db } from "../index/database.js";
import { EntryStore, stateOfRecord, type EntryRecord } from "../index/entries.js";
import { LossStore } from "../index/losses.js";
import { PendingStore } from "../index/pending.js";
import { VersionStore } from "../index/versions.js";
import type { Observation } from "../fs/stat.js";
import type { Expected } from "./replace.js";

/** What this node holds for a path. */
export interface LocalEntry {
  readonly record: EntryRecord;
  readonly entry: EntryState;
  readonly forced: boolean;
}

/** Who wrote a version and when (core/entry.ts VersionInfo without the vector). */
export interface Writer {
  readonly modifiedBy: string;
  readonly changedAtMs: number;
}

export class SyncIndex {
  readonly db: Db;
  readonly entries: EntryStore;
  readonly pending: PendingStore;
  readonly versions: VersionStore;
  readonly losses: LossStore;
  readonly #localNode: string;
  readonly #stamp;

  constructor(db: Db, localNode: string) {
    this.db = db;
    this.#stamp = db.prepare("SELECT total_changes()").pluck();
    this.entries = new EntryStore(db);
    this.pending = new PendingStore(db);
    this.versions = new VersionStore(db);
    this.losses = new LossStore(db);
    this.#localNode = localNode;
  }

  get(group: string, path: string): LocalEntry | undefined {
    const record = this.entries.get(group, path);
    return record && this.fromRecord(record);
  }

  /** What the index says the disk holds at a path, for a replacement decided on it (replace.ts). */
  expected(group: string, path: string): Expected {
    const row = this.entries.fingerprintOf(group, path);
    if (row === undefined || row.deleted) return "absent";
    return {
      fp: row.fp,
      dir: () => {
        const r = this.entries.get(group, path);
        return r?.kind === "dir" && r.deletedNs === undefined ? { ino: r.ino, dev: r.dev, mode: r.mode, uid: r.uid, gid: r.gid } : undefined;
      },
    };
  }

  /** expected() for many paths of one group, one query per 64 paths. */
  expectedByPath(group: string, paths: readonly string[]): Map<string, Expected> {
    const rows = this.entries.fingerprintsOf(group, paths);
    return new Map(paths.map((p, i) => {
      const row = rows[i];
      return [p, row === undefined || row.deleted ? "absent" : { fp: row.fp }];
    }));
  }

  /** What this node holds for each of `ids` that still has a row: one query per 64 ids instead of two per id. */
  localsById(ids: readonly number[]): Map<number, LocalEntry> {
    const out = new Map<number, LocalEntry>();
    for (const [id, { record, version }] of this.entries.getByIds(ids)) out.set(id, this.fromRecord(record, version));
    return out;
  }

  /** What this node holds at each of `paths` (of `group`) that has a row, read in bulk as localsById does. */
  localsByPath(group: string, paths: readonly string[]): Map<string, LocalEntry> {
    const out = new Map<string, LocalEntry>();
    for (const [path, { record, version }] of this.entries.getByPaths(group, paths)) out.set(path, this.fromRecord(record, version));
    return out;
  }

  /**
   * Changes whenever this connection wrote a row since (total_changes, triggers included).
   * Another process's commits do not move it: PRAGMA data_version would see them, but costs
   * 8-20 µs a call here, more than the reads a stamp saves (see offer-locals.ts).
   */
  changeStamp(): number {
    return this.#stamp.get() as number;
  }

  /** `v`: the record's version columns when the caller read them already. */
  fromRecord(record: EntryRecord, v = this.versions.get(record.id)): LocalEntry {
    // NULL writer: a check recorded a change made here (migrations/60-sync-versions.sql).
    return { record, entry: entryOfRecord(record, v.modifiedBy ?? this.#localNode, v.changedAtMs), forced: v.forced };
  }

  /** Records what is now on disk (after applying a version) with its vector and writer; returns the id. */
  recordLive(group: string, path: string, observed: Observation, vector: VersionVector, writer: Writer): number {
    return this.entries.transaction(() => {
      const id = this.entries.record({ group, path, ...observed, vector }, this.entries.get(group, path)?.id);
      this.versions.setVersion(id, writer.modifiedBy, writer.changedAtMs);
      return id;
    });
  }

  /**
   * Files received from `from` and now on disk, in one transaction: for each, what recordLive,
   * setForced(false) and acknowledged(from) do one by one, without their savepoints and with
   * what cannot apply to a row just inserted left out (its pending and conflict rows went with
   * any earlier row of that id: ON DELETE CASCADE). A put-batch records up to 256 files.
   */
  recordReceived(group: string, files: readonly { readonly path: string; readonly observed: Observation; readonly vector: VersionVector; readonly writer: Writer }[], from: string): void {
    this.entries.transaction(() => {
      for (const f of files) {
        const input = { group, path: f.path, ...f.observed, vector: f.vector };
        const id = this.entries.idOf(group, f.path);
        if (id === undefined) {
          // A new row has no pending or conflict rows yet: one statement.
          this.entries.insertReceived(input, f.writer.modifiedBy, f.writer.changedAtMs);
          continue;
        }
        this.entries.record(input, id);
        this.versions.setReceived(id, f.writer.modifiedBy, f.writer.changedAtMs);
        this.pending.clear(id, from);
        this.versions.clearConflict(id, from);
      }
    });
  }

  /** Records a deletion; a path never recorded stays unrecorded (nothing to remember). */
  recordDeleted(group: string, path: string, vector: VersionVector, writer: Writer): number | undefined {
    return this.entries.transaction(() => {
      const row = this.entries.get(group, path);
      if (row === undefined) return undefined;
      this.entries.tombstone(row.id, vector, BigInt(writer.changedAtMs) * 1_000_000n);
      this.versions.setVersion(row.id, writer.modifiedBy, writer.changedAtMs);
      return row.id;
    });
  }

  /**
   * Records a deletion received for a path this node never held, as a tombstone from the
   * start (core/tombstone.ts passesDeletionOn): kept and passed on, so a peer's copy of the
   * file arriving later meets it instead of being taken as new. Returns the new row's id.
   */
  recordUnseenDeletion(group: string, path: string, vector: VersionVector, writer: Writer): number {
    return this.entries.transaction(() => this.entries.insertTombstone(group, path, vector, BigInt(writer.changedAtMs) * 1_000_000n, writer));
  }

  /** Same state, new vector (both ends agreed on a merge); the writer stays unless given. */
  recordVector(local: LocalEntry, vector: VersionVector, writer?: Writer): void {
    const r = local.record;
    this.entries.transaction(() => {
      const state = stateOfRecord(r);
      if (state === undefined) this.entries.tombstone(r.id, vector, r.deletedNs ?? 0n);
      else this.entries.record({ group: r.group, path: r.path, state, vector, ctimeNs: r.ctimeNs, ino: r.ino, dev: r.dev }, r.id);
      const keep = writer ?? { modifiedBy: local.entry.modifiedBy, changedAtMs: local.entry.changedAtMs };
      this.versions.setVersion(r.id, keep.modifiedBy, keep.changedAtMs);
    });
  }

  /** acknowledged() for many entries of one peer: three statements per 64 entries instead of four or five each. */
  acknowledgedMany(entryIds: readonly number[], peer: string): void {
    if (entryIds.length === 0) return;
    this.entries.transaction(() => {
      this.pending.clearMany(entryIds, peer);
      this.versions.clearConflicts(entryIds, peer);
      this.versions.unforceSettled(entryIds);
    });
  }

  /** The peer acknowledged the entry; a forced flag is spent once no peer waits for it. */
  acknowledged(entryId: number, peer: string): void {
    this.entries.transaction(() => {
      this.pending.clear(entryId, peer);
      this.versions.clearConflict(entryId, peer);
      if (this.pending.peersOf(entryId).length === 0) this.versions.setForced(entryId, false);
    });
  }
}

/**
 * Forgets the tombstones of `group` that may go (core/tombstone.ts): every one of `peers`
 * acknowledged the deletion (no pending row is left for it) and the retention has passed
 * since it. A tombstone a peer still waits for is kept however old, so a node that was away
 * longer than the retention still learns of the deletion instead of resurrecting the file.
 * A row of a host no longer among `peers` (removed from the group, its rows not dropped yet:
 * new-peers.ts) holds nothing: it will never be acknowledged.
 * `indexOf` gives the SyncIndex of `db` when there is something to forget. Returns the paths forgotten.
 */
export function purgeTombstones(db: Db, indexOf: () => SyncIndex, group: string, peers: readonly string[], options: PurgeOptions): string[] {
  const retention = options.retentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS;
  const cutoffNs = BigInt(Math.max(0, Math.floor(options.nowMs - retention))) * 1_000_000n;
  const candidates = db
    .prepare("SELECT id, path, deleted_ns FROM entries WHERE grp = ? AND deleted_ns IS NOT NULL AND deleted_ns <= ?")
    .safeIntegers(true)
    .all(group, cutoffNs) as { id: bigint; path: string; deleted_ns: bigint }[];
  const purged: string[] = [];
  // Usually none: the index's stores (dozens of prepared statements) are made only when needed.
  if (candidates.length === 0) return purged;
  const index = indexOf();
  const drop = db.prepare("DELETE FROM entries WHERE id = ? AND deleted_ns IS NOT NULL");
  index.entries.transaction(() => {
    for (const row of candidates) {
      const id = Number(row.id);
      const waiting = new Set(index.pending.peersOf(id));
      const tombstone = { deletedAtMs: nsToMs(row.deleted_ns), peers, acknowledgedBy: new Set(peers.filter((p) => !waiting.has(p))) };
      if (!canPurgeTombstone(tombstone, options)) continue;
      drop.run(id);
      purged.push(row.path);
    }
  });
  return purged;
}

/**
 * The record as an entry: stateOfRecord() with the version info, built field by field. Spreading
 * the state into a new object was a third of a pusher's bulk read (localsById: 3.3 of 8.7 µs a
 * row, measured on bench/sync's 10,000 entries), which runs twice per entry and peer.
 */
export function entryOfRecord(r: EntryRecord, modifiedBy: string, changedAtMs: number | undefined): EntryState {
  const vector = r.vector;
  if (r.deletedNs !== undefined) return { kind: "deleted", vector, modifiedBy, changedAtMs: changedAtMs ?? nsToMs(r.deletedNs) };
  const at = changedAtMs ?? nsToMs(r.ctimeNs);
  const { mode, uid, gid, userName, groupName, mtimeNs, size } = r;
  switch (r.kind) {
    case "file": return { kind: "file", mode, uid, gid, userName, groupName, mtimeNs, size, hash: r.hash ?? "", vector, modifiedBy, changedAtMs: at };
    case "symlink": return { kind: "symlink", mode, uid, gid, userName, groupName, mtimeNs, size, target: r.target ?? "", vector, modifiedBy, changedAtMs: at };
    case "dir": return { kind: "dir", mode, uid, gid, userName, groupName, mtimeNs, size, vector, modifiedBy, changedAtMs: at };
  }
}

function nsToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

// Repository of the entries table (schema/20-entries.sql): the recorded state, version vector
// and stat fingerprint of every (group, logical path). Every statement is prepared once per
// store; callers group writes in a transaction (db.transaction) themselves.

import type { Transaction } from "better-sqlite3";
import type { Db } from "./database.js";
import { IN_PLACES, inChunks } from "./points.js";
import type { EntryKind, FileState } from "../core/file-state.js";
import { compareVectors, type VersionVector } from "../core/vector.js";
import { IndexError } from "../errors.js";
import { parseVectorText, recordParams, toFingerprintRow, toRecord, toVersioned, vectorText, type RawRow, type VersionedRawRow } from "./entry-rows.js";
import type { VersionColumns } from "./versions.js";

/** One row of the entries table. */
export interface EntryRecord {
  readonly id: number;
  readonly group: string;
  readonly path: string;
  readonly kind: EntryKind;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly userName: string | undefined;
  readonly groupName: string | undefined;
  readonly mtimeNs: bigint;
  readonly size: number;
  /** Lower-case hex content hash (files only). */
  readonly hash: string | undefined;
  /** Symlink target (symlinks only). */
  readonly target: string | undefined;
  readonly vector: VersionVector;
  /** Tombstone time in ns since the epoch; undefined for a live entry. */
  readonly deletedNs: bigint | undefined;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
}

/** A row with the sync engine's columns of it (versions.ts). */
export interface VersionedRecord {
  readonly record: EntryRecord;
  readonly version: VersionColumns;
}

/** What a check compares for one row, without loading hash or vector (see scanPage()). */
export interface FingerprintRow {
  readonly id: number;
  readonly path: string;
  readonly deleted: boolean;
  /** fingerprintHash() of the recorded fingerprint. */
  readonly fp: number;
}

/** The exact fields a check writes for an observed entry. */
export interface RecordInput {
  readonly group: string;
  readonly path: string;
  readonly state: FileState;
  readonly vector: VersionVector;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
}

const COLUMNS =
  "id, grp, path, kind, mode, uid, gid, user_name, group_name, mtime_ns, size, hash, target, vv, deleted_ns, ctime_ns, ino, dev";
// The sync engine's columns (versions.ts) with the entry's, for the bulk reads: one query, not two.
const VERSIONED_COLUMNS = `${COLUMNS}, modified_by, changed_at_ms, forced`;
const FINGERPRINT_COLUMNS = "id, path, deleted_ns IS NOT NULL, fp";
const SURROGATE = /[\ud800-\udfff]/;

export class EntryStore {
  readonly #db: Db;
  #tx: Transaction<(f: () => unknown) => unknown> | undefined;
  readonly #byPath;
  readonly #byId;
  readonly #byIds;
  readonly #byPathVersioned;
  readonly #byPaths;
  readonly #page;
  readonly #pageFrom;
  readonly #point;
  readonly #points;
  readonly #insert;
  readonly #insertIfAbsent;
  readonly #insertReceived;
  readonly #insertTombstone;
  readonly #idOf;
  readonly #vectorOf;
  readonly #update;
  readonly #tombstone;
  readonly #countLive;
  readonly #all;

  constructor(db: Db) {
    this.#db = db;
    this.#byPath = db.prepare(`SELECT ${COLUMNS} FROM entries WHERE grp = ? AND path = ?`).safeIntegers(true).raw(true);
    this.#byId = db.prepare(`SELECT ${COLUMNS} FROM entries WHERE id = ?`).safeIntegers(true).raw(true);
    this.#byPathVersioned = db.prepare(`SELECT ${VERSIONED_COLUMNS} FROM entries WHERE grp = ? AND path = ?`).safeIntegers(true).raw(true);
    this.#byPaths = db.prepare(`SELECT ${VERSIONED_COLUMNS} FROM entries WHERE grp = ? AND path IN (${IN_PLACES})`).safeIntegers(true).raw(true);
    this.#byIds = db.prepare(`SELECT ${VERSIONED_COLUMNS} FROM entries WHERE id IN (${IN_PLACES})`).safeIntegers(true).raw(true);
    this.#page = db
      .prepare(`SELECT ${FINGERPRINT_COLUMNS} FROM entries WHERE grp = ? AND path > ? AND path < ? ORDER BY path LIMIT ?`)
      .raw(true);
    this.#pageFrom = db
      .prepare(`SELECT ${FINGERPRINT_COLUMNS} FROM entries WHERE grp = ? AND path >= ? AND path < ? ORDER BY path LIMIT ?`)
      .raw(true);
    this.#point = db.prepare(`SELECT ${FINGERPRINT_COLUMNS} FROM entries WHERE grp = ? AND path = ?`).raw(true);
    this.#points = db.prepare(`SELECT ${FINGERPRINT_COLUMNS} FROM entries WHERE grp = ? AND path IN (${IN_PLACES})`).raw(true);
    // Positional places, in recordParams' order: binding 17 named ones from an object cost ~1.5 µs
    // a row more (a check or a put-batch records thousands).
    this.#insert = db.prepare(
      `INSERT INTO entries (grp, path, kind, mode, uid, gid, user_name, group_name, mtime_ns, size, hash, target, vv,
                            ctime_ns, ino, dev, fp, deleted_ns)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
    );
    // The same insert for a path a check found without a record: another writer of the index
    // may have recorded it since (insertIfAbsent).
    this.#insertIfAbsent = db.prepare(
      `INSERT INTO entries (grp, path, kind, mode, uid, gid, user_name, group_name, mtime_ns, size, hash, target, vv,
                            ctime_ns, ino, dev, fp, deleted_ns)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (grp, path) DO NOTHING`,
    );
    // The insert with the sync engine's columns (versions.ts) set at once: a received new file
    // (sync-index.ts recordReceived) took an insert and an update.
    this.#insertReceived = db.prepare(
      `INSERT INTO entries (grp, path, kind, mode, uid, gid, user_name, group_name, mtime_ns, size, hash, target, vv,
                            ctime_ns, ino, dev, fp, deleted_ns, modified_by, changed_at_ms, forced)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 0)`,
    );
    // A tombstone of a path this node never held: what it deleted is unknown here, so the row
    // says "a file" with no content (hash NULL: never taken for one end of a move,
    // sync/delete-stop.ts moveKeyOf) and no fingerprint; `kind` is read of a tombstone only
    // for -T and moves.
    this.#insertTombstone = db.prepare(
      `INSERT INTO entries (grp, path, kind, mode, uid, gid, mtime_ns, size, vv, ctime_ns, ino, dev, fp, deleted_ns,
                            modified_by, changed_at_ms, forced)
       VALUES (?, ?, 'file', 0, 0, 0, 0, 0, ?, 0, 0, 0, 0, ?, ?, ?, 0)`,
    );
    this.#idOf = db.prepare("SELECT id FROM entries WHERE grp = ? AND path = ?").pluck();
    this.#vectorOf = db.prepare("SELECT path, vv FROM entries WHERE id = ?").raw(true);
    this.#update = db.prepare(
      `UPDATE entries SET kind = ?, mode = ?, uid = ?, gid = ?, user_name = ?, group_name = ?, mtime_ns = ?, size = ?,
         hash = ?, target = ?, vv = ?, ctime_ns = ?, ino = ?, dev = ?, fp = ?, deleted_ns = NULL
       WHERE grp = ? AND path = ? AND id = ?`,
    );
    // A tombstone keeps the last state (for -T and conflict display) but no fingerprint: any
    // entry that appears at the path again is new.
    this.#tombstone = db.prepare(
      "UPDATE entries SET vv = ?, deleted_ns = ?, ctime_ns = 0, ino = 0, dev = 0, fp = 0 WHERE id = ?",
    );
    this.#countLive = db.prepare(
      "SELECT count(*) AS n FROM entries WHERE grp = ? AND deleted_ns IS NULL AND (path = ? OR (path > ? AND path < ?))",
    );
    this.#all = db.prepare(`SELECT ${COLUMNS} FROM entries ORDER BY path, grp`).safeIntegers(true).raw(true);
  }

  /** The row of (group, path), tombstones included. */
  get(group: string, path: string): EntryRecord | undefined {
    const row = this.#byPath.get(group, path) as RawRow | undefined;
    return row && toRecord(row);
  }

  getById(id: number): EntryRecord | undefined {
    const row = this.#byId.get(id) as RawRow | undefined;
    return row && toRecord(row);
  }

  /**
   * get() for many paths of one group (tombstones included) with each row's version columns,
   * one query per POINTS paths (points.ts); a path holding a UTF-16 surrogate is read alone, as
   * in fingerprintsOf. Paths without a row are left out.
   */
  getByPaths(group: string, paths: readonly string[]): Map<string, VersionedRecord> {
    const found = new Map<string, VersionedRecord>();
    const plain = paths.filter((p) => !SURROGATE.test(p));
    for (const row of inChunks(plain, (places) => this.#byPaths.all(group, ...places) as VersionedRawRow[])) {
      const versioned = toVersioned(row);
      found.set(versioned.record.path, versioned);
    }
    for (const p of paths) {
      if (!SURROGATE.test(p)) continue;
      const row = this.#byPathVersioned.get(group, p) as VersionedRawRow | undefined;
      if (row) found.set(p, toVersioned(row));
    }
    return found;
  }

  /**
   * getById for many ids with each row's version columns, one query per POINTS ids (a pusher
   * reads every pending entry twice per peer: push.ts). Ids without a row are left out.
   */
  getByIds(ids: readonly number[]): Map<number, VersionedRecord> {
    const found = new Map<number, VersionedRecord>();
    for (const row of inChunks(ids, (places) => this.#byIds.all(...places) as VersionedRawRow[])) {
      const versioned = toVersioned(row);
      found.set(versioned.record.id, versioned);
    }
    return found;
  }

  /** Every row, by path then group (tombstones included). Iterates; do not write meanwhile. */
  *all(): IterableIterator<EntryRecord> {
    for (const row of this.#all.iterate() as IterableIterator<RawRow>) yield toRecord(row);
  }

  /** Fingerprint of exactly (group, path), if recorded. */
  fingerprintOf(group: string, path: string): FingerprintRow | undefined {
    const raw = this.#point.get(group, path) as unknown[] | undefined;
    return raw && toFingerprintRow(raw);
  }

  /**
   * fingerprintOf for many paths, in their order: one query per POINTS paths instead of one each
   * (a receiver looks up every offered and every put path; ~8 µs a query). A path holding a
   * UTF-16 surrogate is looked up alone: it is matched by the very binding fingerprintOf uses,
   * never by comparing the text SQLite hands back (which may not round-trip).
   */
  fingerprintsOf(group: string, paths: readonly string[]): (FingerprintRow | undefined)[] {
    const found = new Map<string, FingerprintRow>();
    const plain = paths.filter((p) => !SURROGATE.test(p));
    for (const raw of inChunks(plain, (places) => this.#points.all(group, ...places) as unknown[][])) {
      const row = toFingerprintRow(raw);
      found.set(row.path, row);
    }
    return paths.map((p) => (SURROGATE.test(p) ? this.fingerprintOf(group, p) : found.get(p)));
  }

  /** Up to `limit` fingerprints of the group with lo < path < hi (lo <= path when `fromLo`), in path (byte) order. */
  scanPage(group: string, lo: string, hi: string, limit: number, fromLo = false): FingerprintRow[] {
    return ((fromLo ? this.#pageFrom : this.#page).all(group, lo, hi, limit) as unknown[][]).map(toFingerprintRow);
  }

  /** Live entries at or below `path` (for the vanished-root safety stop). */
  countLiveUnder(group: string, path: string): number {
    const { lo, hi } = subtreeBounds(path);
    return (this.#countLive.get(group, path, lo, hi) as { n: number }).n;
  }

  /** Live entries strictly below `path` (for the emptied-root safety stop). */
  countLiveBelow(group: string, path: string): number {
    const { lo, hi } = subtreeBounds(path);
    return (this.#countLive.get(group, "", lo, hi) as { n: number }).n;
  }

  /**
   * Records the state of (group, path), clearing any tombstone; returns the id. `id` is the
   * row's id when the caller knows it exists (an update), undefined for a new path.
   */
  record(input: RecordInput, id?: number): number {
    const params = recordParams(input);
    if (id === undefined) return Number(this.#insert.run(params).lastInsertRowid);
    const [grp, path, ...state] = params;
    const { changes } = this.#update.run(...state, grp, path, id);
    if (changes !== 1) throw new IndexError(`Cannot update entry ${id} "${input.path}": the row is gone`);
    return id;
  }

  /**
   * Whether row `id` still holds version `base`: a check computed its new state from the row as
   * it read it, and commits later (write-batch.ts). False when the row is gone or another writer
   * recorded a version meanwhile. Call inside the transaction that writes on it.
   */
  holdsVersion(id: number, base: VersionVector): boolean {
    const raw = this.#vectorOf.get(id) as [string, string] | undefined;
    return raw !== undefined && compareVectors(parseVectorText(raw[1], raw[0]), base) === "equal";
  }

  /**
   * Records a new (group, path) unless it has a row by now; returns the new row's id, or
   * undefined when a row was there (nothing written). For a check, whose walk found the path
   * without a record some time before it commits: a take-back's re-check in the same sync
   * (early push) or the daemon may have recorded it meanwhile, and that record stands.
   */
  insertIfAbsent(input: RecordInput): number | undefined {
    const { changes, lastInsertRowid } = this.#insertIfAbsent.run(recordParams(input));
    return changes === 1 ? Number(lastInsertRowid) : undefined;
  }

  /**
   * Records a new (group, path) with its writer, not forced (versions.ts setReceived): a
   * version received from a peer. Throws on a path that has a row (UNIQUE): see idOf().
   */
  insertReceived(input: RecordInput, modifiedBy: string, changedAtMs: number): number {
    return Number(this.#insertReceived.run(...recordParams(input), modifiedBy, changedAtMs).lastInsertRowid);
  }

  /**
   * Records a deletion of a (group, path) that has no row, with its writer, not forced: a
   * deletion received for a path this node never held (sync-index.ts recordDeleted).
   */
  insertTombstone(group: string, path: string, vector: VersionVector, deletedNs: bigint, writer: { readonly modifiedBy: string; readonly changedAtMs: number }): number {
    return Number(this.#insertTombstone.run(group, path, vectorText(vector), deletedNs, writer.modifiedBy, writer.changedAtMs).lastInsertRowid);
  }

  /** The id of (group, path)'s row, tombstones included, without reading the row. */
  idOf(group: string, path: string): number | undefined {
    return this.#idOf.get(group, path) as number | undefined;
  }

  /** Marks an entry deleted at `deletedNs` with its new vector. */
  tombstone(id: number, vector: VersionVector, deletedNs: bigint): void {
    this.#tombstone.run(vectorText(vector), deletedNs, id);
  }

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE). */
  transaction<T>(fn: () => T): T {
    // One wrapper for every call: db.transaction(fn) builds a new one each time, and a push
    // records thousands of answers (1.4 s of a 4-peer push of 10,000 files went there).
    return (this.#tx ??= this.#db.transaction((f: () => unknown) => f())).immediate(fn) as T;
  }
}

/** The exclusive bounds of the paths strictly below `path` in byte order: `path/` .. `path0`. */
export function subtreeBounds(path: string): { readonly lo: string; readonly hi: string } {
  // '0' is '/' + 1, so every `path/...` sorts between them (csync2's trick, §6.1).
  if (path === "/") return { lo: "/", hi: "0" };
  return { lo: `${path}/`, hi: `${path}0` };
}

/** The live FileState of a record, or undefined for a tombstone. */
export function stateOfRecord(r: EntryRecord): FileState | undefined {
  if (r.deletedNs !== undefined) return undefined;
  const base = {
    mode: r.mode, uid: r.uid, gid: r.gid, userName: r.userName, groupName: r.groupName, mtimeNs: r.mtimeNs, size: r.size,
  };
  switch (r.kind) {
    case "file": return { kind: "file", ...base, hash: r.hash ?? "" };
    case "symlink": return { kind: "symlink", ...base, target: r.target ?? "" };
    case "dir": return { kind: "dir", ...base };
  }
}

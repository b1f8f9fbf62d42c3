// `peersync import-csync2`: seeds this node's index from its csync2 database, so that the first
// peersync check and sync after switching do not see every file as new (and, with every node
// new at once, as a conflict everywhere).
//
// For each row of csync2's `file` table that this node's config includes:
// - the disk still matches the checktxt and csync2 has no dirty row for it: csync2 had it in
//   sync, so it is recorded with the shared baseline vector {"csync2": 1} and no pending rows.
//   Every node importing its own database gives the identical file the same vector, so the
//   first sync finds the nodes equal and sends nothing.
// - csync2 has a dirty row for it, or the disk moved since csync2 recorded it: this node
//   changed it after the last sync. It is recorded as it is now with {"csync2": 1, <node>: 1},
//   pending for the group's peers: that vector dominates the peers' baseline, so they take it
//   (what `csync2 -x` would have done next).
// - gone from disk, or a kind peersync does not sync (device, fifo, socket): reported, not
//   recorded. A deletion csync2 had not sent yet is not replayed (see man/peersync.1).
// An entry already in the index is never overwritten: the import is for a fresh index.

import Database from "better-sqlite3";
import type { Config, Group } from "../config/types.js";
import {
  CSYNC2_BASELINE_NODE, checktxtDifference, csync2UrlDecode, kindOfCsync2Type, parseChecktxt, unsentDeletionPaths, type DiskState,
} from "../core/csync2-db.js";
import type { FileState } from "../core/file-state.js";
import { logicalPathProblem, type LogicalPath } from "../core/path.js";
import type { Problem } from "../core/problem.js";
import { bumpVector, vectorFromWire, type VersionVector } from "../core/vector.js";
import { IndexError, messageOf } from "../errors.js";
import { nativeBinding } from "../index/database.js";
import { DirDigestStore } from "../index/dir-digests.js";
import { EntryStore } from "../index/entries.js";
import type { Db } from "../index/database.js";
import { MetaStore } from "../index/meta.js";
import { PendingStore } from "../index/pending.js";
import { WriteBatch } from "../index/write-batch.js";
import { decodeName, encodeName } from "../fs/name-codec.js";
import { UnsafePathError } from "../fs/safe-path.js";
import { loadOwnerNames } from "../fs/owners.js";
import { observe, type ObserveDeps } from "../fs/stat.js";
import { resolveTarget } from "../sync/target.js";

export interface ImportOptions {
  /** Count what would be recorded; write nothing. @default false */
  readonly dryRun?: boolean;
  /** Only these groups. @default every group of this node */
  readonly groups?: readonly string[];
}

export interface ImportSummary {
  /** Rows in csync2's file table. */
  readonly rows: number;
  /** Recorded in sync with the baseline vector. */
  readonly inSync: number;
  /** Recorded as changed here since the last csync2 sync, pending for peers. */
  readonly pending: number;
  /** Rows no group of this node includes. */
  readonly notIncluded: number;
  /** Rows whose file is gone from disk. */
  readonly missing: number;
  /** (group, path) pairs already in the index, left as they were. */
  readonly alreadyIndexed: number;
  /** Files dirty in csync2 whose row is gone: deletions csync2 had not sent (not replayed). */
  readonly unsentDeletions: number;
  /** Their paths, sorted, at most MAX_LISTED (the count is complete): what to delete on the peers by hand. */
  readonly unsentDeletionPaths: readonly string[];
  readonly problems: readonly Problem[];
}

/** Opens csync2's SQLite database read-only, or throws an IndexError with a hint. */
export function openCsync2Db(file: string): Database.Database {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, ...nativeBinding() });
    db.prepare("SELECT count(*) FROM file").get();
    return db;
  } catch (err) {
    throw new IndexError(`Cannot read csync2 database "${file}": ${messageOf(err)}`, {
      cause: err,
      hint: "give the SQLite 3 database csync2 uses, e.g. --db /var/lib/csync2/$(hostname).db3 (csync2 -L lists it)",
    });
  }
}

/** Most unsent deletion paths a summary lists, as prune and check cap theirs. */
export const MAX_LISTED = 10000;

export const BASELINE: VersionVector = vectorFromWire({ [CSYNC2_BASELINE_NODE]: 1 });

export async function importCsync2(db: Db, csync2: Database.Database, config: Config, options: ImportOptions = {}): Promise<ImportSummary> {
  const entries = new EntryStore(db);
  // Rows recorded here come from csync2, not from a check's look at a directory.
  if (!options.dryRun) new DirDigestStore(db).forgetAll();
  const batch = new WriteBatch(entries, new PendingStore(db), { dryRun: options.dryRun ?? false });
  const deps: ObserveDeps = { algorithm: new MetaStore(db).hashAlgorithm(), owners: loadOwnerNames() };
  const changedHere = bumpVector(BASELINE, config.localName);
  const groups = config.groups.filter((g) => options.groups === undefined || options.groups.includes(g.name));
  const dirty = new Set<string>();
  for (const row of csync2.prepare("SELECT DISTINCT CAST(filename AS BLOB) AS name FROM dirty").raw(true).iterate() as Iterable<[Buffer]>) {
    dirty.add(decodeName(csync2UrlDecode(row[0])));
  }
  const counts = { rows: 0, inSync: 0, pending: 0, notIncluded: 0, missing: 0, alreadyIndexed: 0 };
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const rows = csync2.prepare("SELECT CAST(filename AS BLOB), CAST(checktxt AS BLOB) FROM file ORDER BY filename").raw(true);
  for (const [name, stored] of rows.iterate() as Iterable<[Buffer, Buffer | null]>) {
    counts.rows++;
    const path = decodeName(csync2UrlDecode(name));
    seen.add(path);
    const problem = (message: string, severity: Problem["severity"] = "error"): void => {
      problems.push({ path, op: "path", severity, message });
    };
    const bad = logicalPathProblem(path);
    if (bad !== undefined) { problem(`Cannot import: ${bad}`); continue; }
    const matching = groups.filter((g) => g.match(path) === "match");
    if (matching.length === 0) { counts.notIncluded++; continue; }
    const recorded = parseChecktxt(stored ?? new Uint8Array());
    if (!recorded.ok) { problem(`Cannot read csync2's checktxt: ${recorded.reason}`); continue; }
    if (kindOfCsync2Type(recorded.value.type) === undefined) {
      problem(`Cannot import a ${recorded.value.type}: peersync syncs files, directories and symlinks`, "skipped");
      continue;
    }
    // Mapped as the sync engine maps a peer's path: under a root of the group, no symlink or
    // non-directory among the parents (a check never walks through one either, so an entry
    // recorded behind one would read as a deletion at the next check).
    let target;
    try {
      target = await resolveTarget(config, matching[0]!, path as LogicalPath);
    } catch (err) {
      if (err instanceof UnsafePathError && err.reason === "missing-parent") { counts.missing++; continue; }
      problem(`Cannot import: ${messageOf(err)}`, err instanceof UnsafePathError ? "skipped" : "error");
      continue;
    }
    let observed;
    try {
      observed = target.stat && (await observe(target.fs, { mode: Number(target.stat.mode), ino: Number(target.stat.ino) }, deps));
    } catch (err) {
      problem(`Cannot read: ${messageOf(err)}`);
      continue;
    }
    if (observed === undefined) { counts.missing++; continue; }
    const difference = checktxtDifference(recorded.value, diskState(observed.state));
    const inSync = difference === undefined && !dirty.has(path);
    for (const group of matching) {
      if (entries.get(group.name, path) !== undefined) { counts.alreadyIndexed++; continue; }
      const peers = inSync || group.local.receiveOnly ? [] : peersOf(group);
      batch.record({ group: group.name, path, ...observed, vector: inSync ? BASELINE : changedHere }, undefined, peers);
      if (inSync) counts.inSync++;
      else counts.pending++;
    }
  }
  batch.flush();
  const included = (path: string): boolean => logicalPathProblem(path) === undefined && groups.some((g) => g.match(path) === "match");
  const unsent = unsentDeletionPaths(dirty, seen, included);
  return { ...counts, unsentDeletions: unsent.length, unsentDeletionPaths: unsent.slice(0, MAX_LISTED), problems };
}

function peersOf(group: Group): string[] {
  return group.peers.map((p) => p.name);
}

function diskState(state: FileState): DiskState {
  return {
    kind: state.kind,
    mode: state.mode,
    uid: state.uid,
    gid: state.gid,
    mtimeNs: state.mtimeNs,
    size: state.size,
    target: state.kind === "symlink" ? encodeName(state.target) : undefined,
  };
}

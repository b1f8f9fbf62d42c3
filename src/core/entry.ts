// The synced-state model: what one node knows about one logical path, as reconcile sees it and
// as it travels between peers. It adds version information (vector, writer, change time) to
// what a scan finds on disk (core/file-state.ts is the scan side).
//
// Invariants:
// - `vector` names `modifiedBy` with a non-zero counter (the writer's change is in the vector);
// - a deleted entry is a tombstone: its `changedAtMs` is the deletion time and it has no
//   attributes, so "deleted" compares equal to "deleted" whatever the history;
// - `mtimeNs` is nanoseconds since the epoch as read by lstat; comparisons use microseconds,
//   the precision libuv can set back (see MTIME_PRECISION_NS).

import { permissionBits, type DirEntryState, type FileEntryState, type SymlinkEntryState } from "./file-state.js";
import { IGNORE_NOTHING, type IgnoreAttributes } from "./dirty.js";
import type { VersionVector } from "./vector.js";

export type EntryKind = EntryState["kind"];

/** Who made this version and when: the part of an entry that only the sync layer knows. */
export interface VersionInfo {
  readonly vector: VersionVector;
  /** The node whose change produced this version (Syncthing's ModifiedBy); a vector node name. */
  readonly modifiedBy: string;
  /** When `modifiedBy` recorded the change, ms since the epoch by its clock; for a tombstone, the deletion time. */
  readonly changedAtMs: number;
}

// The live kinds are exactly what a check records (core/file-state.ts) plus version info: mode
// is the full st_mode (only permission bits are compared), owner names are undefined when the
// id has no name on the recording node, a dir's mtime and size are recorded but never compared.
export type FileEntry = FileEntryState & VersionInfo;
export type DirEntry = DirEntryState & VersionInfo;
export type SymlinkEntry = SymlinkEntryState & VersionInfo;

/** A tombstone: no attributes, so "deleted" equals "deleted" whatever the history. */
export interface DeletedEntry extends VersionInfo {
  readonly kind: "deleted";
}

export type EntryState = FileEntry | DirEntry | SymlinkEntry | DeletedEntry;
export type ExistingEntry = Exclude<EntryState, DeletedEntry>;

/** Owner ids and the names that travel with them. */
export type Ownership = Pick<FileEntryState, "uid" | "gid" | "userName" | "groupName">;

export type { IgnoreAttributes };

/** mtimes compare at this precision: libuv truncates the times it sets to microseconds. */
export const MTIME_PRECISION_NS = 1000n;

export function isDeleted(e: EntryState): e is DeletedEntry {
  return e.kind === "deleted";
}

/** True when both describe the same bytes: same kind and same hash, link target, or nothing. */
export function sameContent(a: EntryState, b: EntryState): boolean {
  switch (a.kind) {
    case "file":
      return b.kind === "file" && a.hash === b.hash && a.size === b.size;
    case "symlink":
      return b.kind === "symlink" && a.target === b.target;
    case "dir":
    case "deleted":
      return b.kind === a.kind;
    default:
      return assertNever(a);
  }
}

/**
 * True when the attributes peersync applies agree: mode (not for links), owner and group (by
 * name when both sides know one, else by id), and the mtime of regular files. Different kinds
 * never have the same meta; two tombstones always do.
 */
export function sameMeta(a: EntryState, b: EntryState, ignore: IgnoreAttributes = IGNORE_NOTHING): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "deleted" || b.kind === "deleted") return true;
  if (!ignore.uid && !sameOwner(a.userName, a.uid, b.userName, b.uid)) return false;
  if (!ignore.gid && !sameOwner(a.groupName, a.gid, b.groupName, b.gid)) return false;
  if (a.kind !== "symlink" && b.kind !== "symlink" && !ignore.mod && permissionBits(a.mode) !== permissionBits(b.mode)) return false;
  if (a.kind === "file" && b.kind === "file") return sameMtime(a.mtimeNs, b.mtimeNs);
  return true;
}

/** sameContent() and sameMeta(): nothing to transfer and nothing to apply. */
export function sameVersion(a: EntryState, b: EntryState, ignore: IgnoreAttributes = IGNORE_NOTHING): boolean {
  return sameContent(a, b) && sameMeta(a, b, ignore);
}

export function sameMtime(a: bigint, b: bigint): boolean {
  return a / MTIME_PRECISION_NS === b / MTIME_PRECISION_NS;
}

function sameOwner(nameA: string | undefined, idA: number, nameB: string | undefined, idB: number): boolean {
  if (nameA !== undefined && nameB !== undefined) return nameA === nameB;
  return idA === idB;
}

/** Size used by `auto bigger/smaller`: a file's length, a link's target length (as lstat reports), 0 for a dir. */
export function sizeOf(e: ExistingEntry): number {
  switch (e.kind) {
    case "file":
      return e.size;
    case "symlink":
      return new TextEncoder().encode(e.target).length;
    case "dir":
      return 0;
    default:
      return assertNever(e);
  }
}

/** Maps owner names to this node's ids, keeping the sender's ids for names unknown here. */
export function localOwnership(
  e: Ownership,
  lookup: { readonly uidOf: (name: string) => number | undefined; readonly gidOf: (name: string) => number | undefined },
): { readonly uid: number; readonly gid: number } {
  const uid = e.userName === undefined ? undefined : lookup.uidOf(e.userName);
  const gid = e.groupName === undefined ? undefined : lookup.gidOf(e.groupName);
  return { uid: uid ?? e.uid, gid: gid ?? e.gid };
}

export function assertNever(value: never): never {
  // Reached only when a union grew without its switch: a programmer error, never peer input.
  const v: unknown = value;
  const shown = typeof v === "object" && v !== null && "kind" in v ? `kind ${String(v.kind)}` : String(v);
  throw new TypeError(`Unexpected value: ${shown}`);
}

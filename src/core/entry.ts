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

import type { VersionVector } from "./vector.js";

export type EntryKind = "file" | "dir" | "symlink" | "deleted";

/** Who made this version and when: the part of an entry that only the sync layer knows. */
export interface VersionInfo {
  readonly vector: VersionVector;
  /** The node whose change produced this version (Syncthing's ModifiedBy); a vector node name. */
  readonly modifiedBy: string;
  /** When `modifiedBy` recorded the change, ms since the epoch by its clock; for a tombstone, the deletion time. */
  readonly changedAtMs: number;
}

/** Owner and group: names travel so each node maps them to its own ids; ids are the fallback. */
export interface Ownership {
  readonly uid: number;
  readonly gid: number;
  readonly userName?: string | undefined;
  readonly groupName?: string | undefined;
}

export interface FileEntry extends VersionInfo, Ownership {
  readonly kind: "file";
  /** Permission bits only (mode & 0o7777). */
  readonly mode: number;
  readonly mtimeNs: bigint;
  readonly size: number;
  /** Content hash, lowercase hex (the index decides the algorithm; both sides use the same). */
  readonly hash: string;
}

export interface DirEntry extends VersionInfo, Ownership {
  readonly kind: "dir";
  readonly mode: number;
  /** Recorded, but never compared: a directory's mtime changes with its children. */
  readonly mtimeNs: bigint;
}

export interface SymlinkEntry extends VersionInfo, Ownership {
  readonly kind: "symlink";
  /** The link text, unresolved and never followed. */
  readonly target: string;
  /** Recorded, but never compared (csync2 sets no times on links either). */
  readonly mtimeNs: bigint;
}

export interface DeletedEntry extends VersionInfo {
  readonly kind: "deleted";
}

export type EntryState = FileEntry | DirEntry | SymlinkEntry | DeletedEntry;
export type ExistingEntry = Exclude<EntryState, DeletedEntry>;

/** Fields dropped from comparisons by csync2's global `ignore uid gid mod;`. */
export interface MetaIgnore {
  readonly uid?: boolean;
  readonly gid?: boolean;
  readonly mod?: boolean;
}

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
export function sameMeta(a: EntryState, b: EntryState, ignore: MetaIgnore = {}): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "deleted" || b.kind === "deleted") return true;
  if (!ignore.uid && !sameOwner(a.userName, a.uid, b.userName, b.uid)) return false;
  if (!ignore.gid && !sameOwner(a.groupName, a.gid, b.groupName, b.gid)) return false;
  if (a.kind !== "symlink" && b.kind !== "symlink" && !ignore.mod && a.mode !== b.mode) return false;
  if (a.kind === "file" && b.kind === "file") return sameMtime(a.mtimeNs, b.mtimeNs);
  return true;
}

/** sameContent() and sameMeta(): nothing to transfer and nothing to apply. */
export function sameVersion(a: EntryState, b: EntryState, ignore: MetaIgnore = {}): boolean {
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

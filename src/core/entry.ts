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

import { ProtocolError } from "../errors.js";
import { IGNORE_NOTHING, type IgnoreAttributes } from "./dirty.js";
import { kindOfMode, permissionBits, S_IFMT, type DirEntryState, type FileEntryState, type SymlinkEntryState } from "./file-state.js";
import { MAX_PATH_BYTES } from "./path.js";
import { nodeNameProblem, vectorFromWire, vectorToWire, type VersionVector } from "./vector.js";

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

/**
 * The times the index and the wire hold: nanoseconds in a signed 64-bit integer (SQLite's
 * INTEGER), 1677-09-21 to 2262-04-11. ext4 and XFS store mtimes up to 2446 and beyond, so a
 * file can carry one outside (a `touch -d 2500-01-01`, an archive with a broken timestamp).
 */
export const MAX_RECORDABLE_NS = 2n ** 63n - 1n;

/** True when `ns` fits the index (MAX_RECORDABLE_NS either side of the epoch). */
export function isRecordableNs(ns: bigint): boolean {
  return ns <= MAX_RECORDABLE_NS && ns >= -MAX_RECORDABLE_NS;
}

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
  return mtimeKey(a) === mtimeKey(b);
}

/**
 * An mtime at the precision nodes compare it at, rounded down (before 1970 too), as a node
 * that set it reads it back. What decides between versions must use this, never the raw ns:
 * the writer's node holds the ns, its peers the microsecond, and `auto younger` once picked
 * by ns on one node and by the tie-break on the others.
 */
export function mtimeKey(ns: bigint): bigint {
  const q = ns / MTIME_PRECISION_NS;
  return ns < 0n && q * MTIME_PRECISION_NS !== ns ? q - 1n : q;
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

// ---- Wire form -------------------------------------------------------------------------
// JSON-safe: mtimeNs travels as a decimal string (a bigint has no JSON form), absent owner
// names as absent fields. entryFromWire() is the one place peer bytes become an EntryState.

export interface WireEntry {
  readonly kind: EntryKind;
  readonly vector: Record<string, number>;
  readonly modifiedBy: string;
  readonly changedAtMs: number;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly userName?: string;
  readonly groupName?: string;
  readonly mtimeNs?: string;
  readonly size?: number;
  readonly hash?: string;
  readonly target?: string;
}

// Built field by field rather than with conditional spreads: a push encodes every entry twice
// per peer (offer, put-batch), and the spreads made this ~15% of a 4-peer push's main thread.
// The key order is the one JSON has always had (kind, vector, modifiedBy, changedAtMs, mode,
// uid, gid, userName?, groupName?, mtimeNs, size, hash | target).
export function entryToWire(e: EntryState): WireEntry {
  const vector = vectorToWire(e.vector);
  if (e.kind === "deleted") return { kind: e.kind, vector, modifiedBy: e.modifiedBy, changedAtMs: e.changedAtMs };
  const w: { -readonly [K in keyof WireEntry]: WireEntry[K] } = { kind: e.kind, vector, modifiedBy: e.modifiedBy, changedAtMs: e.changedAtMs, mode: e.mode, uid: e.uid, gid: e.gid };
  if (e.userName !== undefined) w.userName = e.userName;
  if (e.groupName !== undefined) w.groupName = e.groupName;
  w.mtimeNs = e.mtimeNs.toString();
  w.size = e.size;
  if (e.kind === "file") w.hash = e.hash;
  else if (e.kind === "symlink") w.target = e.target;
  return w;
}

/** Parses an untrusted entry; throws ProtocolError naming the first bad field. */
export function entryFromWire(raw: unknown): EntryState {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) wireFail("entry", "must be an object");
  const o = raw as Readonly<Record<string, unknown>>;
  const kind = o.kind;
  if (kind !== "file" && kind !== "dir" && kind !== "symlink" && kind !== "deleted") wireFail("kind", "must be file, dir, symlink or deleted");
  const modifiedBy = o.modifiedBy;
  const problem = nodeNameProblem(modifiedBy);
  if (problem !== undefined) wireFail("modifiedBy", problem);
  const vector = vectorFromWire(o.vector);
  const changedAtMs = wireUint(o, "changedAtMs");
  if (kind === "deleted") return { kind, vector, modifiedBy: modifiedBy as string, changedAtMs };
  const mode = wireUint(o, "mode", 0o177777);
  if ((mode & S_IFMT) !== 0 && kindOfMode(mode) !== kind) wireFail("mode", `has the type bits of another kind than ${kind}`);
  // Field by field, not with spreads (every received entry passes here, twice per file of a
  // push: see entryToWire); the keys keep the order they always had.
  const uid = wireUint(o, "uid", MAX_ID);
  const gid = wireUint(o, "gid", MAX_ID);
  const userName = wireOwnerName(o, "userName");
  const groupName = wireOwnerName(o, "groupName");
  const mtimeNs = wireNs(o, "mtimeNs");
  const size = wireUint(o, "size");
  if (kind === "dir") return { kind, vector, modifiedBy: modifiedBy as string, changedAtMs, mode, uid, gid, userName, groupName, mtimeNs, size };
  if (kind === "symlink") {
    const target = wireTarget(o);
    return { kind, vector, modifiedBy: modifiedBy as string, changedAtMs, mode, uid, gid, userName, groupName, mtimeNs, size, target };
  }
  const hash = o.hash;
  if (typeof hash !== "string" || !HASH.test(hash)) wireFail("hash", "must be 16-128 lowercase hex digits");
  return { kind, vector, modifiedBy: modifiedBy as string, changedAtMs, mode, uid, gid, userName, groupName, mtimeNs, size, hash };
}

const MAX_ID = 2 ** 32 - 2; // (uid_t)-1 means "unchanged" to chown, never an owner
const HASH = /^[0-9a-f]{16,128}$/;
const NS = /^-?[0-9]{1,20}$/;
const OWNER_NAME = /^[^\0-\x1f\x7f:/]{1,255}$/;

function wireFail(field: string, what: string): never {
  throw new ProtocolError(`Cannot decode entry: field "${field}" ${what}`);
}

function wireUint(o: Readonly<Record<string, unknown>>, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[field];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > max) wireFail(field, `must be an integer in 0..${max}`);
  return v;
}

function wireNs(o: Readonly<Record<string, unknown>>, field: string): bigint {
  const v = o[field];
  if (typeof v !== "string" || !NS.test(v)) wireFail(field, "must be a decimal string of nanoseconds");
  const ns = BigInt(v);
  if (!isRecordableNs(ns)) wireFail(field, "is out of range");
  return ns;
}

function wireOwnerName(o: Readonly<Record<string, unknown>>, field: string): string | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !OWNER_NAME.test(v)) wireFail(field, "must be 1-255 characters without control characters, : or /");
  return v;
}

function wireTarget(o: Readonly<Record<string, unknown>>): string {
  const v = o.target;
  if (typeof v !== "string" || v.length === 0 || v.includes("\0")) wireFail("target", "must be a non-empty string without NUL");
  if (new TextEncoder().encode(v).length > MAX_PATH_BYTES) wireFail("target", `is longer than ${MAX_PATH_BYTES} bytes`);
  return v;
}

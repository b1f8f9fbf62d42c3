// Which paths a continuous-mode check of changed paths must check with their whole subtree
// (DESIGN §8). A subtree check walks the directory and compares it with every index record
// below it; a single check looks at the one entry. Pure: the caller lstat's the path and reads
// its index record.
//
// A directory needs its subtree checked when it is new: files written into it before the
// watcher added its watch raised no event of their own, and, when it replaced an older
// directory, the old one's files may never have been reported deleted. The event says "new"
// (a create) only some of the time: @parcel/watcher reports a delete and a create of one path
// within the same 50 ms batch as a single update (parcel-bundler/watcher#72), so
// `rm -rf d && mkdir d && echo > d/f` may arrive as "update d" and nothing else. The inode
// number does not tell either: ext4 hands the freed inode to the next mkdir. The birth time
// does: a directory born after the index recorded its ctime is not the directory recorded
// (every inode's ctime is at or after its birth, and the record was made before the new one
// existed). Without a birth time (no statx), the inode is all there is.

import type { EntryKind } from "./entry.js";

/** The path on disk now (its lstat), as far as this decision needs it. */
export type DiskNow =
  | { readonly kind: "missing" }
  /** `birthNs`: undefined (or 0) when the filesystem or kernel does not report a birth time. */
  | { readonly kind: "dir"; readonly ino: bigint; readonly dev: bigint; readonly birthNs: bigint | undefined }
  | { readonly kind: "other" };

/** The path's index record, as far as this decision needs it; undefined when there is none. */
export interface RecordedDir {
  readonly kind: EntryKind;
  readonly deleted: boolean;
  readonly ino: bigint;
  readonly dev: bigint;
  readonly ctimeNs: bigint;
}

/**
 * True when the path must be checked with its subtree: it is gone (its records below it must go
 * too, as a removed tree does not always report each of its files), or it is a directory that
 * the burst created, that the index does not hold, or that replaced the one it holds.
 */
export function needsSubtreeCheck(created: boolean, now: DiskNow, recorded: RecordedDir | undefined): boolean {
  if (now.kind === "missing") return true;
  if (now.kind !== "dir") return false;
  if (created) return true;
  if (recorded === undefined || recorded.deleted || recorded.kind !== "dir") return true;
  return isReplacedDirectory(now, recorded);
}

/**
 * True when the directory on disk is not the live directory the index holds at its path: another
 * inode or device, or born after the record's ctime. Whatever check meets such a directory, as
 * a target or as the parent of one, must walk it: a check of a file below it re-records the
 * parent, and a later look at the directory alone would then find nothing new about it while
 * its files were never seen (exploratory run: a daemon restarted during a churn of
 * `rm -rf d; mkdir d; echo > d/f`, and d/f never reached the peer).
 */
export function isReplacedDirectory(now: DiskNow, recorded: RecordedDir | undefined): boolean {
  if (now.kind !== "dir" || recorded === undefined || recorded.deleted || recorded.kind !== "dir") return false;
  if (recorded.ino !== now.ino || recorded.dev !== now.dev) return true;
  return now.birthNs !== undefined && now.birthNs > 0n && now.birthNs > recorded.ctimeNs;
}

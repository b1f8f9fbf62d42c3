// Whether the file a pusher is about to send is still the version it offers. A put's version
// (content hash, size, mtime) is the one the check recorded; a file written since (an update
// run after `check`, a log appended to, a file replaced) would travel under that hash, and the
// peer would refuse it only after all its bytes arrived (HASH_MISMATCH), then again when the
// refused delta went whole. Looking at the open file's size and mtime first costs one fstat;
// a write that keeps both (rare: same size within the same microsecond, or `touch -r`) is
// still caught by the peer's hash check.

import { sameMtime } from "./entry.js";

/** What an fstat of the open file says, as compared with the offered version. */
export interface OpenFileStat {
  /** False for a directory (or anything else) standing where the file was. */
  readonly isFile: boolean;
  readonly size: number;
  readonly mtimeNs: bigint;
}

/** "removed": gone when it was opened, a change of its own: say so rather than ENOENT (transfer.ts). */
export type SendStaleness = "grew" | "shrank" | "rewritten" | "replaced by a directory or special file" | "replaced by a symlink" | "removed";

/** Undefined while the open file still looks like `offered`; else how it changed since the check. */
export function staleSince(offered: { readonly size: number; readonly mtimeNs: bigint }, now: OpenFileStat): SendStaleness | undefined {
  if (!now.isFile) return "replaced by a directory or special file";
  if (now.size > offered.size) return "grew";
  if (now.size < offered.size) return "shrank";
  return sameMtime(now.mtimeNs, offered.mtimeNs) ? undefined : "rewritten";
}

// Whether the file a pusher is about to send is still the version it offers. A put's version
// (content hash, size, mtime) is the one the check recorded; a file written since (an update
// run after `check`, a log appended to, a file replaced) would travel under that hash, and the
// peer would refuse it only after all its bytes arrived (HASH_MISMATCH), then again when the
// refused delta went whole. Looking at the open file's size and mtime first costs one fstat;
// a write that keeps both (rare: same size within the same microsecond, or `touch -r`) is
// still caught by the peer's hash check.
//
// A file can also change while its bytes are read and streamed (a log appended to, a journal
// rewritten): the open-time look passed, yet what goes out is neither the old version nor the
// new one. A second fstat once every byte was read, compared with the one at open, tells; the
// change time moves with any write, even one that puts the size and the mtime back.

import { sameMtime } from "./entry.js";

/** What an fstat of the open file says, as compared with the offered version. */
export interface OpenFileStat {
  /** False for a directory (or anything else) standing where the file was. */
  readonly isFile: boolean;
  readonly size: number;
  readonly mtimeNs: bigint;
}

/** An fstat of the open file, taken when it was opened and again once its bytes were read. */
export interface ReadStat extends OpenFileStat {
  readonly ctimeNs: bigint;
  readonly ino: bigint;
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

/**
 * Undefined when nothing wrote the open file between `before` (at open) and `after` (all its
 * bytes read); else how it changed. Any difference in change time counts: the bytes read may
 * mix two versions, so none of them can go under the offered hash.
 * RACE: a write landing within the same change-time tick as the file's previous write is not
 * seen here; the peer's hash check still refuses what it made of it.
 */
export function changedWhileRead(before: ReadStat, after: ReadStat): SendStaleness | undefined {
  if (!after.isFile) return "replaced by a directory or special file";
  if (after.size > before.size) return "grew";
  if (after.size < before.size) return "shrank";
  const same = after.ino === before.ino && after.mtimeNs === before.mtimeNs && after.ctimeNs === before.ctimeNs;
  return same ? undefined : "rewritten";
}

// Replacing or removing what is at a target only while it still holds the state a decision was
// made on (issue 10, found by test/faults/churn). Every receiving path decides on the index's record
// after a re-check, then writes: a temp file streams in (a take-back fetches it over the network),
// a backup is copied, other files of a batch go first. A local write that lands in between was
// silently replaced: it was neither recorded as a version of its own nor the loser of a decided
// conflict, so no backup was made.
//
// So the last look and the replacement are one synchronous step, with no await in between
// (nothing of this process runs in the gap; only a writer elsewhere could, within microseconds):
//  - the target's lstat must still match the recorded fingerprint (or be absent when the
//    decision was made on no entry); otherwise nothing is replaced and ChangedHereError goes
//    back to the peer, which retries once the local write was recorded as a version of its own;
//  - where nothing was, link(2) puts the new file in place: unlike rename(2) it never replaces,
//    so a file created meanwhile stays and ours is refused;
//  - a file being replaced is held by a second hard link across the rename; if the held inode
//    changed meanwhile (a writer that opened it before the rename and wrote since), it is put
//    back in place and the new version refused: the local write wins the spot until a decision
//    has been made about it.
// What remains: a writer that keeps the old file open and writes after this step writes into a
// file that is no longer there (every rename-based tool shares this), and a rename over the
// target by another process in the microseconds between the hold and the swap (closing that
// needs renameat2(RENAME_EXCHANGE), which Node does not offer).

import { randomBytes } from "node:crypto";
import { linkSync, lstatSync, renameSync, rmdirSync, unlinkSync, type BigIntStats, type Stats } from "node:fs";
import { dirname, join } from "node:path";
import { fingerprintHash } from "../core/file-state.js";
import { PeersyncError } from "../errors.js";
import { TEMP_PREFIX } from "../fs/atomic-write.js";
import type { Target } from "./target.js";

/**
 * What the caller decided on: the fingerprint (core/file-state.ts fingerprintHash) the index
 * records for the target, or "absent" when it records no live entry.
 */
export type Expected = { readonly fp: number } | "absent";

/** The target no longer holds what the decision was made on: nothing was replaced; the next sync retries. */
export class ChangedHereError extends PeersyncError {
  constructor(path: string) {
    super("CHANGED", `Cannot replace "${path}" now: it changed here after the decision`, {
      hint: "a local write landed while the peer's version was on its way; it is recorded as a version of its own and the next sync decides between them",
    });
  }
}

/** lstat with Node's number fields (what fingerprintHash reads), or undefined when nothing is there. */
function look(path: string | Buffer): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

export function holds(st: Stats | undefined, expected: Expected): boolean {
  if (expected === "absent") return st === undefined;
  return st !== undefined && fingerprintHash(st) === expected.fp;
}

/** A hidden name beside `local` that scanners and the watcher skip and the start-up sweep removes (fs/atomic-write.ts isTempName). */
function holdPath(local: string): string {
  return join(dirname(local), TEMP_PREFIX + (process.pid % 0x1_0000_0000).toString(16).padStart(8, "0") + randomBytes(4).toString("hex"));
}

/** link(2) is not offered here (some FUSE or network filesystems): fall back to a plain rename. */
function noHardLinks(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "EMLINK" || code === "ENOSYS";
}

/**
 * Moves `temp` to `target` if the target still holds `expected`; returns the new file's lstat
 * as it went in (the caller compares it with what it records: see placedStill). Synchronous on
 * purpose: see the header.
 */
export function swapIn(temp: string | Buffer, target: Target, expected: Expected): BigIntStats {
  const before = look(target.fs);
  if (!holds(before, expected)) throw new ChangedHereError(target.local);
  const placed = lstatSync(temp, { bigint: true });
  if (before === undefined) {
    try {
      linkSync(temp, target.fs);
    } catch (err) {
      if ((err as { code?: unknown }).code === "EEXIST") throw new ChangedHereError(target.local);
      if (!noHardLinks(err)) throw err;
      renameSync(temp, target.fs);
      return placed;
    }
    unlinkSync(temp);
    return placed;
  }
  if (!before.isFile() || typeof target.fs !== "string") {
    renameSync(temp, target.fs);
    return placed;
  }
  const hold = holdPath(target.local);
  try {
    linkSync(target.fs, hold);
  } catch (err) {
    if (!noHardLinks(err)) throw err;
    renameSync(temp, target.fs);
    return placed;
  }
  try {
    renameSync(temp, target.fs);
  } catch (err) {
    unlinkSync(hold);
    throw err;
  }
  const held = look(hold);
  if (held !== undefined && (held.size !== before.size || held.mtimeMs !== before.mtimeMs)) {
    // Written while we swapped: the local write goes back in place, ours is refused.
    renameSync(hold, target.fs);
    throw new ChangedHereError(target.local);
  }
  unlinkSync(hold);
  return placed;
}

/** Throws ChangedHereError unless `target` still holds `expected` (before changing attributes in place). */
export function assertHolds(target: Target, expected: Expected): void {
  if (!holds(look(target.fs), expected)) throw new ChangedHereError(target.local);
}

/** Removes what is at `target` if it still holds `expected` (a directory only when empty). */
export function removeIfHolds(target: Target, expected: Expected): void {
  const before = look(target.fs);
  if (before === undefined) return;
  if (!holds(before, expected)) throw new ChangedHereError(target.local);
  if (before.isDirectory()) rmdirSync(target.fs);
  else unlinkSync(target.fs);
}

/** The target still is the file `placed` put there (nothing wrote it since the swap). */
export function placedStill(now: BigIntStats, placed: BigIntStats): boolean {
  return now.ino === placed.ino && now.dev === placed.dev && now.size === placed.size && now.mtimeNs === placed.mtimeNs;
}

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
//    decision was made on no entry: there renameat2's EEXIST below is the look); otherwise
//    nothing is replaced and ChangedHereError goes back to the peer, which retries once the
//    local write was recorded as a version of its own;
//  - where nothing was, renameat2(RENAME_NOREPLACE) (else link(2)) puts the new file in place:
//    unlike rename(2) it never replaces, so a file created meanwhile stays and ours is refused;
//  - where something was, renameat2(RENAME_EXCHANGE) swaps the new file in: the temp name then
//    holds exactly what was at the target at the instant of the swap. Unless that is the inode
//    the look saw, unwritten since (inode, device, size, mtime in ns), it is swapped back and
//    the new version refused: a file renamed over the target, or written, after the look wins
//    the spot until a decision has been made about it. Nothing displaced is unlinked unseen.
//  - a removal first renames the file to a hidden name, looks at what it moved, and puts it
//    back (never over a file created meanwhile) unless it is the inode the look saw
//    (remove-if-holds.ts).
// What remains: a writer that opened the old file before the swap and writes after the look at
// what was displaced writes into a file that is no longer there (every rename-based tool shares
// this: src/sync/README.md "Known limits").
// Without renameat2 (no addon; ENOSYS, EINVAL or EOPNOTSUPP from the kernel or filesystem) the
// file being replaced is held by a second hard link across a plain rename and compared the same
// way afterwards; there a rename over the target between the hold and our rename is replaced
// unseen. Without hard links either, the look-then-rename step is all there is.

import { randomBytes } from "node:crypto";
import { linkSync, lstatSync, renameSync, unlink, unlinkSync, type BigIntStats } from "node:fs";
import { dirname, join } from "node:path";
import { fingerprintHash, msFromNs, permissionBits } from "../core/file-state.js";
import { PeersyncError } from "../errors.js";
import type { WrittenStat } from "../fs/atomic-write.js";
import { fsPath } from "../fs/name-codec.js";
import { TEMP_PREFIX } from "../fs/temp-names.js";
import { renameExchange, renameNoReplace } from "../fs/rename-at2.js";
import type { Target } from "./target.js";

/**
 * What the caller decided on: the fingerprint (core/file-state.ts fingerprintHash) the index
 * records for the target, or "absent" when it records no live entry. `dir`: for a recorded
 * directory, what its version is made of (read only when the fingerprint no longer matches).
 */
export type Expected = { readonly fp: number; readonly dir?: () => RecordedDirectory | undefined } | "absent";

/** A directory's version as the index records it: its inode and owner, and its permission bits. */
export interface RecordedDirectory {
  readonly ino: bigint;
  readonly dev: bigint;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** The target no longer holds what the decision was made on: nothing was replaced; the next sync retries. */
export class ChangedHereError extends PeersyncError {
  constructor(path: string) {
    super("CHANGED", `Cannot replace "${path}" now: it changed here after the decision`, {
      hint: "a local write landed while the peer's version was on its way; it is recorded as a version of its own and the next sync decides between them",
    });
  }
}

/**
 * For tests only: runs between the last look and the swap or removal, where another process
 * could act (there is no other way to put a writer in a gap of microseconds deterministically).
 */
export interface RaceHooks {
  readonly beforeSwap?: () => void;
}

export interface SwapOptions extends RaceHooks {
  /**
   * The temp file's fstat as its writer left it (fs/atomic-write.ts), standing in for an lstat
   * of it here: one syscall less per received file. Nothing but that writer touches a temp
   * file, and anything that did would now count as a write after the swap (placedStill).
   */
  readonly written?: WrittenStat;
  /**
   * Takes the displaced old version (its temp name, once seen to be what the decision was made
   * on) instead of it being unlinked here: a put-batch removes them after it answered
   * (put-batch.ts). @default unlinked at once
   */
  readonly displaced?: (temp: string | Buffer) => void;
}

/** Exact lstat (ns times, bigint ids), or undefined when nothing is there. */
export function look(path: string | Buffer): BigIntStats | undefined {
  return lstatSync(path, { bigint: true, throwIfNoEntry: false });
}

/** fingerprintHash of an exact lstat: msFromNs gives the very doubles a number lstat reports. */
function fingerprintOf(st: BigIntStats): number {
  return fingerprintHash({
    mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid), size: Number(st.size),
    ino: Number(st.ino), dev: Number(st.dev), mtimeMs: msFromNs(st.mtimeNs), ctimeMs: msFromNs(st.ctimeNs),
  });
}

export function holds(st: BigIntStats | undefined, expected: Expected): boolean {
  if (expected === "absent") return st === undefined;
  if (st === undefined) return false;
  if (fingerprintOf(st) === expected.fp) return true;
  // A directory's size and times move with its entries, which this very sync may have just
  // changed (a push deletes `d/x` before it sets the new mode of `d`): they are no part of its
  // version (core/entry.ts sameMeta), so they do not make it a local write. Its mode and owner
  // do, and so does another directory in its place.
  const recorded = st.isDirectory() ? expected.dir?.() : undefined;
  return recorded !== undefined && sameDirectory(st, recorded);
}

function sameDirectory(st: BigIntStats, recorded: RecordedDirectory): boolean {
  return st.ino === recorded.ino && st.dev === recorded.dev && permissionBits(Number(st.mode)) === permissionBits(recorded.mode)
    && Number(st.uid) === recorded.uid && Number(st.gid) === recorded.gid;
}

/**
 * `moved` is the inode `seen` looked at, not written since. The change time is left out: a
 * rename or a new link to the inode (ours) sets it. Written data moves mtime, and since Linux
 * 6.13 ext4, xfs, btrfs and tmpfs give a write after a stat a fine-grained mtime.
 */
export function sameInode(moved: BigIntStats | undefined, seen: BigIntStats): boolean {
  return moved !== undefined && moved.ino === seen.ino && moved.dev === seen.dev && moved.size === seen.size
    && moved.mtimeNs === seen.mtimeNs && moved.mode === seen.mode;
}

/** A hidden name beside `local` that scanners and the watcher skip and the start-up sweep removes (fs/temp-names.ts isTempName). */
function holdPath(local: string): string {
  return join(dirname(local), TEMP_PREFIX + (process.pid % 0x1_0000_0000).toString(16).padStart(8, "0") + randomBytes(4).toString("hex"));
}

/** holdPath for a target, as node:fs takes it (bytes when its directory's name is not UTF-8). */
export function holdPathFs(target: Target): string | Buffer {
  return fsPath(holdPath(target.local));
}

/** link(2) is not offered here (some FUSE or network filesystems): fall back to a plain rename. */
export function noHardLinks(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "EMLINK" || code === "ENOSYS";
}

/**
 * Moves `temp` to `target` if the target still holds `expected`; returns the new file's lstat
 * as it went in (the caller compares it with what it records: see placedStill). Synchronous on
 * purpose: see the header.
 */
export function swapIn(temp: string | Buffer, target: Target, expected: Expected, hooks: SwapOptions = {}): WrittenStat {
  // Where the decision was made on nothing, renameat2(RENAME_NOREPLACE) is the last look and
  // the placing in one call: it refuses (EEXIST) whatever stands at the target, a directory or
  // a link included, as the lstat below would. One lstat less per new file (10,000 new files
  // in 100 directories: 231-235 ms of swapIn before, 197-223 ms after).
  if (expected === "absent") {
    const placed = hooks.written ?? lstatSync(temp, { bigint: true });
    hooks.beforeSwap?.();
    if (placeNew(temp, target)) return placed;
    // renameat2 is not offered here: the look, then link(2) or a plain rename.
    return swapInChecked(temp, target, expected, { placed });
  }
  return swapInChecked(temp, target, expected, { hooks });
}

/** renameNoReplace() as swapIn's placing: false when renameat2 is not offered here. */
function placeNew(temp: string | Buffer, target: Target): boolean {
  try {
    return renameNoReplace(temp, target.fs);
  } catch (err) {
    if ((err as { code?: unknown }).code === "EEXIST") throw new ChangedHereError(target.local);
    throw err;
  }
}

/**
 * swapIn with an lstat of the target first. `placed`: swapIn already tried renameat2 for an
 * absent target (and ran the hooks); else the hooks run here.
 */
function swapInChecked(temp: string | Buffer, target: Target, expected: Expected, from: { placed: WrittenStat } | { hooks: SwapOptions }): WrittenStat {
  const before = look(target.fs);
  if (!holds(before, expected)) throw new ChangedHereError(target.local);
  const hooks = "hooks" in from ? from.hooks : {};
  const placed = "placed" in from ? from.placed : hooks.written ?? lstatSync(temp, { bigint: true });
  hooks.beforeSwap?.();
  if (before === undefined) {
    // renameat2(RENAME_NOREPLACE) never replaces either, in one call instead of link + unlink
    // (each a directory update the journal records: ~10 % of a receiving daemon's syscall time
    // in bench/sync (a)); link(2) where it is not offered.
    if (!("placed" in from) && placeNew(temp, target)) return placed;
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
  // A directory is never swapped out (it would land at the temp name with its children): the
  // plain rename below refuses it as it always did (apply.ts removes an empty one first).
  let swapped = false;
  try {
    if (!before.isDirectory()) swapped = renameExchange(temp, target.fs);
  } catch (err) {
    // ENOENT: the target went since the look (removed or renamed away here): a change as well.
    if ((err as { code?: unknown }).code === "ENOENT" && look(target.fs) === undefined) throw new ChangedHereError(target.local);
    throw err;
  }
  if (swapped) {
    // `temp` now names what the target held at the instant of the swap.
    if (sameInode(look(temp), before)) {
      if (hooks.displaced) hooks.displaced(temp);
      else unlinkSync(temp);
      return placed;
    }
    // Renamed over or written since the look: it goes back in place, ours is refused (the
    // caller removes the temp file). Should the target have been replaced yet again in these
    // microseconds, that file is what comes back to `temp` and is kept there, not unlinked.
    renameExchange(temp, target.fs);
    const back = look(temp);
    if (back !== undefined && !(back.ino === placed.ino && back.dev === placed.dev)) renameSync(temp, holdPathFs(target));
    throw new ChangedHereError(target.local);
  }
  return holdAndRename(temp, target, before, placed);
}

/**
 * Removes old versions swapIn handed over (`displaced`) on the thread pool, not waited for: a
 * put-batch calls it as it answers. Each was seen to be what the decision was made on; only
 * this process uses its temp name, and one a crash leaves is removed by the start-up sweep
 * (sweep.ts).
 */
export function discardDisplaced(temps: readonly (string | Buffer)[]): void {
  for (const temp of temps) unlink(temp, () => undefined);
}

/** swapIn without renameat2: a hard link holds the file being replaced across a plain rename. */
function holdAndRename(temp: string | Buffer, target: Target, before: BigIntStats, placed: WrittenStat): WrittenStat {
  if (!before.isFile()) {
    renameSync(temp, target.fs);
    return placed;
  }
  const hold = holdPathFs(target);
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
  if (!sameInode(look(hold), before)) {
    // Written (or renamed over before the hold) since the look: it goes back in place, ours is refused.
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


/** The target still is the file `placed` put there (nothing wrote it since the swap). */
export function placedStill(now: WrittenStat, placed: WrittenStat): boolean {
  return now.ino === placed.ino && now.dev === placed.dev && now.size === placed.size && now.mtimeNs === placed.mtimeNs;
}

// Puts a version on this node's disk (receiver of a put, or the pusher taking a peer's version
// back): files through writeFileAtomic (temp beside the target, hash verified, fsync, rename,
// directory fsync), symlinks through writeSymlinkAtomic (never followed), directories with
// mkdir, deletions with unlink/rmdir; then mode, owner (by name, else the sender's ids) and
// mtime. A regular file about to be replaced or removed is backed up first when asked; if the
// backup fails nothing is touched (BackupError). Decides nothing: the caller reconciled, and
// says on what (`expect`): a target that no longer holds it is left alone (replace.ts,
// ChangedHereError).

import type { BigIntStats, PathLike } from "node:fs";
import * as fsp from "node:fs/promises";
import { localOwnership, type EntryState, type ExistingEntry } from "../core/entry.js";
import { permissionBits } from "../core/file-state.js";
import { writeSymlinkAtomic } from "../fs/atomic-symlink.js";
import { writeFileAtomic, type AtomicData, type WrittenStat } from "../fs/atomic-write.js";
import { setPathTimes } from "../fs/set-times.js";
import type { HashAlgorithm } from "../fs/hash.js";
import { fsPath } from "../fs/name-codec.js";
import type { OwnerNames } from "../fs/owners.js";
import type { TempWriter } from "../fs/temp-writer.js";
import type { Observation } from "../fs/stat.js";
import { backupFile, keepable, type BackupOptions } from "./backup.js";
import type { OwnerIds } from "./owners.js";
import { removeDir, removeIfHolds } from "./remove-if-holds.js";
import { assertHolds, placedStill, swapIn, type Expected } from "./replace.js";
import { lstatOrUndefined, type Target } from "./target.js";

export interface ApplyDeps {
  readonly ids: OwnerIds;
  readonly names: OwnerNames;
  readonly algorithm: HashAlgorithm;
  readonly backup: BackupOptions;
  /** Only root may give files away; others keep their own ids. @default process.getuid() === 0 */
  readonly chown?: boolean;
}

export interface ApplyOptions {
  /** Back up a regular file before replacing or removing it. */
  readonly backup: boolean;
  /**
   * The state of the target the decision was made on (the index's record after the re-check),
   * read at the moment of the replacement: anything else there is not replaced (replace.ts).
   */
  readonly expect: () => Expected;
  /** The bytes of a file version (whole content, or a patcher's output). */
  readonly content?: AtomicData;
  /** Runs just before the final rename of a file (re-check under the caller's lock). */
  readonly beforeRename?: () => Promise<void>;
  /** Files: the caller fsyncs the directory after the rename (a batch commits once per directory). */
  readonly deferDirSync?: boolean;
  /** Files: the caller makes the temp file's data durable before beforeRename returns (fs/sync-fs.ts). */
  readonly deferFileSync?: boolean;
  /** Files with `deferFileSync`: small content is written off the main thread (fs/temp-writer.ts). */
  readonly tempWriter?: TempWriter | undefined;
  /** Write through this partial file, keeping its first `offset` bytes (sync/partial.ts). */
  readonly resume?: { readonly path: string; readonly offset: number };
  /** Takes each old version a swap displaced instead of it being unlinked at once (replace.ts). */
  readonly displaced?: (temp: string | Buffer) => void;
}

export interface Applied {
  /** What is on disk now; undefined after a deletion. */
  readonly observed: Observation | undefined;
  /** Where the previous version was saved. */
  readonly backupPath: string | undefined;
}

/** Makes the disk at `target` hold `remote` (content and attributes). */
export async function applyVersion(target: Target, remote: EntryState, deps: ApplyDeps, options: ApplyOptions): Promise<Applied> {
  let backupPath: string | undefined;
  const keep = async (): Promise<void> => {
    if (options.backup && keepable(target.stat)) backupPath = await backupFile(target.local, deps.backup);
  };
  // A directory this version replaces is removed first (rmdir: only when empty); the swap then
  // expects nothing in its place.
  let expect = options.expect;
  const clearDir = async (): Promise<void> => {
    if (!target.stat?.isDirectory()) return;
    removeDir(target);
    expect = () => "absent";
  };
  let placed: WrittenStat | undefined;
  // writeFileAtomic makes its temp file beside the raw bytes of the name (target.fs), and the
  // swap puts it there, so names that are not UTF-8 land exactly, below such directories too.
  const swap = async (from: PathLike, _to: PathLike, written?: WrittenStat): Promise<void> => {
    placed = swapIn(from as string | Buffer, target, expect(), {
      ...(written === undefined ? {} : { written }),
      ...(options.displaced ? { displaced: options.displaced } : {}),
    });
  };
  switch (remote.kind) {
    case "deleted":
      await keep();
      removeIfHolds(target, expect());
      return { observed: undefined, backupPath };
    case "dir":
      if (!target.stat?.isDirectory()) {
        await keep();
        removeIfHolds(target, expect());
        await fsp.mkdir(target.fs, { mode: 0o700 });
      }
      return { observed: await setMeta(target, remote, deps), backupPath };
    case "symlink": {
      await keep();
      await clearDir();
      const owner = ownerOf(remote, deps);
      // The target as its bytes: the entry holds it escaped (fs/stat.ts), as names are.
      await writeSymlinkAtomic(target.fs, fsPath(remote.target), { ...owner, mtimeNs: remote.mtimeNs, io: { rename: swap } });
      return { observed: await observe(target, remote, deps, placed), backupPath };
    }
    case "file": {
      await keep();
      await clearDir();
      const owner = ownerOf(remote, deps);
      await writeFileAtomic(target.fs, options.content ?? "", {
        mode: permissionBits(remote.mode), ...owner, mtimeNs: remote.mtimeNs,
        expectedHash: { algorithm: deps.algorithm, hex: remote.hash },
        ...(options.beforeRename ? { beforeRename: options.beforeRename } : {}),
        ...(options.deferDirSync ? { deferDirSync: true } : {}),
        ...(options.deferFileSync ? { deferFileSync: true, tempWriter: options.tempWriter } : {}),
        ...(options.resume ? { resume: options.resume } : {}),
        io: { rename: swap },
      });
      return { observed: await observe(target, remote, deps, placed), backupPath };
    }
  }
}

/**
 * Mode, owner and mtime only (content already equal). With `expected`, only while the target
 * still holds the state the decision was made on (replace.ts).
 */
export async function setMeta(target: Target, remote: ExistingEntry, deps: ApplyDeps, expected?: Expected): Promise<Observation | undefined> {
  if (expected !== undefined) assertHolds(target, expected);
  const owner = ownerOf(remote, deps);
  if (owner.uid !== undefined) await fsp.lchown(target.fs, owner.uid, owner.gid ?? -1);
  if (remote.kind !== "symlink") await fsp.chmod(target.fs, permissionBits(remote.mode));
  // Never through a symlink, whatever the decision expected there.
  await setPathTimes(target.fs, remote.mtimeNs, { noFollow: true });
  const observed = await observe(target, remote, deps);
  // The content is taken as the version's without reading it, and a local write may have
  // landed between the look and these calls (our utimes then hides its mtime): the record
  // gets a change time no lstat reports, so the next check hashes the file (issue 10).
  return observed && remote.kind === "file" ? { ...observed, ctimeNs: 0n } : observed;
}

const IS_ROOT = process.getuid?.() === 0;

function ownerOf(remote: ExistingEntry, deps: ApplyDeps): { uid?: number; gid?: number } {
  if (!(deps.chown ?? IS_ROOT)) return {};
  return localOwnership(remote, deps.ids);
}

/**
 * What the disk holds now, as a check would record it (the content is what was verified). When
 * something wrote the target since `placed` went in, the content is not what was verified: the
 * record then gets a change time no lstat reports, so the next check hashes the file again and
 * finds that write as a version of its own (instead of taking it for the one received).
 */
async function observe(target: Target, remote: ExistingEntry, deps: ApplyDeps, placed?: WrittenStat): Promise<Observation | undefined> {
  return observedAt(await lstatOrUndefined(target.fs), placed, remote, deps.names);
}

/** observe() once the target was looked at (`st`; undefined: nothing there). Exported for tests. */
export function observedAt(st: WrittenStat | undefined, placed: WrittenStat | undefined, remote: ExistingEntry, names: OwnerNames): Observation | undefined {
  if (st === undefined) {
    // Removed here since it went in: the version did land, and its removal is a change made
    // after it. Recorded as what was placed, with a change time no lstat reports, the next
    // check finds the name gone and sends the deletion as this node's own version. Recorded
    // as a deletion with the received vector, it was this node's alone: the peers hold that
    // very vector as a live file, and nothing ever told them.
    if (placed === undefined) return undefined;
    return { state: stateFromStat(placed, remote, names), ctimeNs: 0n, ino: placed.ino, dev: placed.dev };
  }
  const moved = placed !== undefined && !placedStill(st, placed);
  return { state: stateFromStat(st, remote, names), ctimeNs: moved ? 0n : st.ctimeNs, ino: st.ino, dev: st.dev };
}

function stateFromStat(st: WrittenStat, remote: ExistingEntry, names: OwnerNames): Observation["state"] {
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const base = { mode: Number(st.mode), uid, gid, userName: names.user(uid), groupName: names.group(gid), mtimeNs: st.mtimeNs, size: Number(st.size) };
  if (remote.kind === "file") return { kind: "file", ...base, hash: remote.hash };
  if (remote.kind === "symlink") return { kind: "symlink", ...base, target: remote.target };
  return { kind: "dir", ...base };
}

// Keeping the version a sync is about to overwrite or delete (DESIGN.md §4, csync2 §7.8).
//
// Naming is csync2's: the backup of `/etc/hosts` in backup directory `/var/backups/peersync`
// is `/var/backups/peersync/etc/hosts` (the full absolute local path below the directory),
// older generations are `hosts.1`, `hosts.2`, … up to `hosts.<N-1>`, so `backup-generations
// N` keeps N copies. csync2 means to rotate that way but, by a bug, keeps only `hosts` and
// `hosts.<N-1>`; peersync rotates as intended (csync2.md §9 lists this as safe to fix).
//
// A symbolic link is kept as a symbolic link with the same target (its target is all there is
// of it; left out, a link that lost a conflict was gone from every node without a trace).
//
// One name in the backup directory can hold backups of a file or backups below a directory,
// and a path can be both over time (a file `conf` that became a directory `conf/`, and back):
// - a backup of `conf/x` finds the backup of the file `conf` where its directory must go: that
//   copy moves to `conf.1` (the generations shift as a newer backup of `conf` would shift them);
// - a backup of the file `conf` finds the directory of `conf/…`'s backups at `conf`: its
//   generations start at `conf.1` (`conf.1` … `conf.N`).
// Without that, every later backup below or of that name failed, and the sync that needed it
// refused the path at every run: it never converged (found by the convergence test's seeds
// with type conflicts).
//
// Paths here are name-codec escaped (fs/name-codec.ts), as the index and the logs name them:
// a name that is not UTF-8 is backed up under its own bytes (fsPath() at every fs call), and
// the backup path reported is escaped the same way. Left to the raw-string calls, the loser
// of a conflict with such a name was replaced with no copy, and the run called it "not kept
// (backup-generations 0)".
//
// The copy is atomic (fs/atomic-write): the new copy is complete and synced before the
// generations rotate, so a failure leaves the previous backups as they were. Directories
// made inside the backup directory are 0700 (backups may hold secrets; csync2 clones the
// originals' owners instead), and none of its components is followed if it is a symlink.

import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import { isAbsolute, join, normalize } from "node:path";
import { toLogicalPath } from "../core/path.js";
import { PeersyncError } from "../errors.js";
import { writeSymlinkAtomic } from "../fs/atomic-symlink.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { decodeName, fsPath, needsEscaping } from "../fs/name-codec.js";
import { resolveSafePath } from "../fs/safe-path.js";

export interface BackupOptions {
  /** Absolute backup directory (the group's backup-directory, or defaultBackupDirectory()). */
  readonly directory: string;
  /** How many copies to keep; 0 keeps none (csync2's default is 3). */
  readonly generations: number;
}

/** Where backups go when the group sets no backup-directory. */
export function defaultBackupDirectory(stateDir: string): string {
  return join(stateDir, "backup");
}

/**
 * The path of generation `generation` (0 = newest) of the backup of `source`, both escaped
 * (`directory` is a plain path from the config: a U+FFFD in it is escaped here).
 */
export function backupPathFor(directory: string, source: string, generation = 0): string {
  if (!isAbsolute(source) || normalize(source) !== source) {
    throw new TypeError(`Cannot name a backup of "${source}": expected an absolute, normalised path`);
  }
  return generationPath(join(escapedDirectory(directory), source), generation);
}

function escapedDirectory(directory: string): string {
  return needsEscaping(directory) ? decodeName(Buffer.from(directory, "utf8")) : directory;
}

/** Generation `generation` of a backup whose newest copy is `newest`. */
export function generationPath(newest: string, generation: number): string {
  return generation === 0 ? newest : `${newest}.${generation}`;
}

/** backupFile() keeps this kind of entry: a regular file or a symbolic link. */
export function keepable(st: { isFile(): boolean; isSymbolicLink(): boolean } | undefined): boolean {
  return st !== undefined && (st.isFile() || st.isSymbolicLink());
}

/** A backup could not be made; the caller must not overwrite the original. */
export class BackupError extends PeersyncError {
  readonly path: string;
  constructor(path: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const fix = cause instanceof PeersyncError && cause.hint ? cause.hint : "check the backup-directory exists and has space";
    super("BACKUP", `Cannot back up "${path}": ${why}`, {
      cause,
      hint: `${fix}; the file was left as it was`,
    });
    this.path = path;
  }
}

/**
 * Copies the regular file or symbolic link `source` (escaped; never through a symlink) to its
 * backup, rotating older generations; returns the backup's (escaped) path, or undefined when
 * generations is 0. Throws BackupError: then the caller keeps the original (csync2 went ahead
 * silently).
 */
export async function backupFile(source: string, options: BackupOptions): Promise<string | undefined> {
  return keep(source, options, (base) => copyInto(source, base, options.generations));
}

/**
 * A version this node does not hold on disk: a peer's file (its bytes, as fetched) or symbolic
 * link, kept where the backup of `local` goes.
 */
export type ForeignVersion =
  | { readonly kind: "file"; readonly data: AsyncIterable<Uint8Array>; readonly mode: number; readonly mtimeNs: bigint; readonly expectedHash: { readonly algorithm: string; readonly hex: string } }
  | { readonly kind: "symlink"; readonly target: string; readonly mtimeNs: bigint };

/**
 * Keeps a peer's version of `local` as the newest backup of `local`, rotating as backupFile()
 * does (a file's bytes must hash to `expectedHash`). Its owner is this process's: the peer's
 * ids mean nothing here, and the backup directory is 0700.
 */
export async function backupForeign(local: string, version: ForeignVersion, options: BackupOptions): Promise<string | undefined> {
  return keep(local, options, async (base) => {
    const { target, rotation } = await slotOf(base, options.generations);
    if (version.kind === "symlink") await writeSymlinkAtomic(fsPath(target), fsPath(version.target), { mtimeNs: version.mtimeNs, beforeRename: rotation });
    else await writeFileAtomic(fsPath(target), version.data, { mode: version.mode & 0o7777, mtimeNs: version.mtimeNs, expectedHash: version.expectedHash, beforeRename: rotation });
    return target;
  });
}

/** The backup directory made safe for the backup of `local`, then `write` under its per-path turn. */
async function keep(local: string, options: BackupOptions, write: (base: string) => Promise<string>): Promise<string | undefined> {
  if (options.generations < 1) return undefined;
  const base = backupPathFor(options.directory, local);
  try {
    await fsp.mkdir(options.directory, { recursive: true, mode: 0o700 });
    await clearParents(options.directory, local, options.generations);
    const root = { logical: toLogicalPath("/"), local: escapedDirectory(options.directory) };
    // The copy and the rotation rename over the final component, never write through it, so
    // a symlink there (the previous backup of a symlink) is safe to replace.
    await resolveSafePath(root, toLogicalPath(local), { createParentsMode: 0o700, allowFinalSymlink: true });
    return await oneAtATime(base, () => write(base));
  } catch (err) {
    throw new BackupError(local, err);
  }
}

/** Where the newest copy goes (base, or base.1 when base is a directory of backups) and the rotation before it lands. */
async function slotOf(base: string, generations: number): Promise<{ target: string; rotation: () => Promise<void> }> {
  // The base name is a directory of backups below it: this path's generations start at .1.
  const first = (await fsp.lstat(fsPath(base)).catch(() => undefined))?.isDirectory() ? 1 : 0;
  return { target: generationPath(base, first), rotation: () => rotate(base, generations, first) };
}

/**
 * Backups of one path, one after another. The daemon backs up from several sessions at once
 * (a take-back and a put-batch from two peers, say), and two rotations of the same generations
 * interleaved rename one generation over another: a loser's only copy was gone (found by the
 * 30-minute churn soak). Another process backing up the same path at the same moment (a `sync`
 * beside the daemon) is not covered: see src/sync/README.md, Known limits.
 */
const busy = new Map<string, Promise<unknown>>();
async function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = busy.get(key) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(work);
  busy.set(key, mine);
  try {
    return await mine;
  } finally {
    if (busy.get(key) === mine) busy.delete(key);
  }
}

/**
 * Every name above the backup of `source` that holds a backup (of a file or link that once had
 * the directory's name) moves to its generation names, so the directory can be made there.
 */
async function clearParents(directory: string, source: string, generations: number): Promise<void> {
  let at = escapedDirectory(directory);
  for (const part of source.split("/").filter(Boolean).slice(0, -1)) {
    at = join(at, part);
    const st = await fsp.lstat(fsPath(at)).catch(() => undefined);
    if (st === undefined) return;
    if (st.isDirectory()) continue;
    // At least one generation above the newest, so the copy moves and is never dropped here.
    const name = at;
    await oneAtATime(name, () => rotate(name, Math.max(generations, 2)));
  }
}

/** Copies `source` to its newest generation name and returns that name. */
async function copyInto(source: string, base: string, generations: number): Promise<string> {
  const st = await fsp.lstat(fsPath(source), { bigint: true });
  const { target, rotation } = await slotOf(base, generations);
  if (st.isSymbolicLink()) {
    // As bytes: a target that is not UTF-8 is kept exactly.
    await writeSymlinkAtomic(fsPath(target), await fsp.readlink(fsPath(source), { encoding: "buffer" }), {
      uid: Number(st.uid), gid: Number(st.gid), mtimeNs: st.mtimeNs,
      beforeRename: rotation,
    });
    return target;
  }
  const file = await fsp.open(fsPath(source), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stat = await file.stat({ bigint: true });
    if (!stat.isFile()) throw new Error("it is not a regular file");
    await writeFileAtomic(fsPath(target), readAll(file), {
      mode: Number(stat.mode),
      uid: Number(stat.uid),
      gid: Number(stat.gid),
      mtimeNs: stat.mtimeNs,
      beforeRename: rotation,
    });
    return target;
  } finally {
    await file.close();
  }
}

/**
 * The N generations from `first` shift by one: base.(first+N-2) → base.(first+N-1), …,
 * base.first → base.(first+1); the oldest falls off. `first` is 0 (base, base.1, …) or 1 when
 * base is a directory (base.1, base.2, …).
 */
async function rotate(base: string, generations: number, first = 0): Promise<void> {
  // Only the generations that exist move (up to the first gap): one rename per configured
  // generation made a backup under `backup-generations 1000000` take minutes, under the
  // receiver's lock, and stalled every session of the daemon (found by test/faults/churn).
  const last = first + generations - 1;
  let top = first + 1;
  while (top < last && (await exists(generationPath(base, top)))) top++;
  for (let i = Math.min(top, last); i >= first + 1; i--) {
    await fsp.rename(fsPath(generationPath(base, i - 1)), fsPath(generationPath(base, i))).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== "ENOENT") throw err;
    });
  }
}

async function* readAll(file: fsp.FileHandle): AsyncIterable<Uint8Array> {
  for (;;) {
    const buffer = Buffer.allocUnsafe(256 * 1024);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(fsPath(path));
    return true;
  } catch {
    return false;
  }
}

// The hint spool: where `peersync hint` puts paths without opening the index. An application
// calls hint after each write, so a call must cost next to nothing: one append with O_APPEND to
// `hints.spool` in the state dir, no SQLite (no schema check, no transaction, no checkpoint when
// the last connection closes). The next check (or a daemon's) moves the spool into the hints
// table under the index's writer lock (HintStore.ingestSpool).
//
// Durability: the append is in the kernel when the call returns, so the hint survives the
// hinting process, peersync and any other process being killed; that is what the index's own
// commits promise too (WAL, synchronous=NORMAL). With `fsync` the append is also fdatasync'ed,
// so it survives a power cut, at the cost of one disk flush (milliseconds on most disks).
//
// Records: "\n" + JSON {"path","recursive"}; each begins with a newline, so a record torn by a
// power cut is a line of its own that fails to parse and is skipped, never glued to the next.
//
// Rotation without locks (Node has no flock): the ingester renames the spool aside
// (`hints.spool.<time>-<pid>`), reads every such file, commits their hints, then unlinks them.
// A writer that opened the spool before the rename may append to the renamed file after it was
// read, so a writer checks after its append that the spool path is still its file; if it is
// not, it appends again to the new spool. Either way the record is in a file an ingester reads
// later: a hint may arrive twice (harmless: hints are a set), never not at all. That check asks
// the kernel for the open file's current name (/proc/self/fd/N: a rotation renamed it), one
// readlink instead of an fstat and a stat, which in a fresh process cost a quarter of the
// append; without /proc it compares inodes.

import {
  closeSync, constants, fdatasyncSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync,
  statSync, unlinkSync, writeSync,
} from "node:fs";
import { join } from "node:path";
import { asStorageError } from "../fs/storage-error.js";

export const SPOOL_NAME = "hints.spool";
const ROTATED_PREFIX = `${SPOOL_NAME}.`;

export interface SpooledHint {
  /** Local absolute path, as the application gave it. */
  readonly path: string;
  readonly recursive: boolean;
}

export interface AppendOptions {
  /** Also fdatasync before returning (survives a power cut). @default false */
  readonly fsync?: boolean;
}

export function spoolPath(stateDir: string): string {
  return join(stateDir, SPOOL_NAME);
}

/** Appends hints for `paths` to the spool of `stateDir` (created with the state dir when missing). */
export function appendHints(stateDir: string, paths: readonly string[], recursive: boolean, options: AppendOptions = {}): void {
  if (paths.length === 0) return;
  const file = spoolPath(stateDir);
  try {
    appendRecord(stateDir, file, paths, recursive, options);
  } catch (err) {
    // A full or read-only state dir: named as the disk's fault (a torn record is skipped by the reader).
    throw asStorageError(err, "the hint spool", file, stateDir);
  }
}

function appendRecord(stateDir: string, file: string, paths: readonly string[], recursive: boolean, options: AppendOptions): void {
  const record = Buffer.from(paths.map((path) => `\n${JSON.stringify({ path, recursive })}`).join(""));
  // Bounded: each retry means an ingester rotated the spool meanwhile.
  for (let attempt = 0; attempt < 8; attempt++) {
    const { fd, created } = openSpool(stateDir, file);
    let stillSpool;
    try {
      writeSync(fd, record);
      if (options.fsync) fdatasyncSync(fd);
      stillSpool = isStillSpool(fd, file);
    } finally {
      closeSync(fd);
    }
    // A new spool's name must reach the disk too, or a power cut could take the file with it.
    if (created && options.fsync) syncDir(stateDir);
    if (stillSpool) return;
  }
  // Eight rotations during one append: ingesters are spinning; the last copy is in a rotated
  // file they will read, so the hint is not lost.
}

function openSpool(stateDir: string, file: string): { fd: number; created: boolean } {
  const flags = constants.O_WRONLY | constants.O_APPEND;
  try {
    return { fd: openSync(file, flags), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  return { fd: openSync(file, flags | constants.O_CREAT, 0o600), created: true };
}

/** Whether the open spool `fd` still has the spool's name, after the append (see the top of this file). */
export function isStillSpool(fd: number, file: string): boolean {
  let name;
  try {
    name = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    const ours = fstatSync(fd);
    const now = statSync(file, { throwIfNoEntry: false });
    return now !== undefined && now.ino === ours.ino && now.dev === ours.dev;
  }
  // A rotated file reads `hints.spool.<time>-<pid>`, an unlinked one `hints.spool (deleted)`.
  return name.endsWith(`/${SPOOL_NAME}`);
}

function syncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Parses spool text; torn or foreign lines are skipped. */
export function parseSpool(text: string): SpooledHint[] {
  const hints: SpooledHint[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const v = value as { path?: unknown; recursive?: unknown };
    if (typeof v === "object" && v !== null && typeof v.path === "string" && v.path.startsWith("/") && typeof v.recursive === "boolean") {
      hints.push({ path: v.path, recursive: v.recursive });
    }
  }
  return hints;
}

/** True when the spool or a rotated file exists (one readdir of the state dir). */
export function hasSpool(stateDir: string): boolean {
  return spoolFiles(stateDir).length > 0;
}

/** Every spooled hint, rotated files included, without taking them (list-hints, check -d). */
export function readSpool(stateDir: string): SpooledHint[] {
  return spoolFiles(stateDir).flatMap((file) => parseSpool(readText(file)));
}

/** A spool taken for ingestion: its hints, and the files to remove once they are committed. */
export interface TakenSpool {
  readonly hints: readonly SpooledHint[];
  readonly files: readonly string[];
}

/**
 * Renames the spool aside and reads every rotated file. Call it holding the index's writer lock
 * (two ingesters would read the same files; harmless, but wasted). Hints appended after this
 * returns go to a new spool, or, by a writer that raced the rename, to a rotated file too: the
 * writer then appends again to the new spool (see the top of this file).
 */
export function takeSpool(stateDir: string): TakenSpool {
  const file = spoolPath(stateDir);
  try {
    renameSync(file, `${file}.${Date.now()}-${process.pid}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const files = spoolFiles(stateDir).filter((f) => f !== file);
  return { hints: files.flatMap((f) => parseSpool(readText(f))), files };
}

/** Removes rotated files whose hints are committed to the index. */
export function removeSpoolFiles(files: readonly string[]): void {
  for (const f of files) {
    try {
      unlinkSync(f);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

/** The spool and its rotated files, oldest first. */
function spoolFiles(stateDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const rotated = names.filter((n) => n.startsWith(ROTATED_PREFIX)).sort(byRotation);
  return [...rotated, ...(names.includes(SPOOL_NAME) ? [SPOOL_NAME] : [])].map((n) => join(stateDir, n));
}

// `hints.spool.<ms>-<pid>`: by time, numerically.
function byRotation(a: string, b: string): number {
  const ta = Number(a.slice(ROTATED_PREFIX.length).split("-")[0]);
  const tb = Number(b.slice(ROTATED_PREFIX.length).split("-")[0]);
  return ta - tb || (a < b ? -1 : a > b ? 1 : 0);
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw err;
  }
}

// The names of peersync's temp files, `.peersync-tmp-<hex>` (fs/atomic-write.ts makes them beside
// their targets): hidden, recognisable by the scanner and the watcher (isTempName), and swept
// after a crash (sync/sweep.ts, removeTemps()). The first 8 hex digits are the writer's pid,
// so a sweep can tell a crashed writer's leftover from a write in progress.

import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import { join } from "node:path";

export const TEMP_PREFIX = ".peersync-tmp-";
const TEMP_NAME = /^\.peersync-tmp-[0-9a-f]{16}$/;

/** True for names writeFileAtomic() uses for its temp files. */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/** The pid of the process that made temp file `name` (names made before pids were encoded decode to an arbitrary number). */
export function tempWriterPid(name: string): number {
  return Number.parseInt(name.slice(TEMP_PREFIX.length, TEMP_PREFIX.length + 8), 16);
}

// Random bytes drawn 4 KiB at a time: one randomBytes call per name cost ~10 µs each (thousands
// of files per batch), and the names must stay unpredictable (a local user who could guess the
// next one could create it first and make that write fail).
let randomPool = Buffer.alloc(0);
let randomAt = 0;

/** A fresh, unpredictable temp name of this process. */
export function tempName(): string {
  if (randomAt + 4 > randomPool.length) {
    randomPool = randomBytes(4096);
    randomAt = 0;
  }
  randomAt += 4;
  return TEMP_PREFIX + (process.pid % 0x1_0000_0000).toString(16).padStart(8, "0") + randomPool.toString("hex", randomAt - 4, randomAt);
}

export interface RemoveTempsOptions {
  /** Leave temp files younger than this (a write in progress by another process). @default 0 */
  readonly minAgeMs?: number;
  /** @default Date.now() */
  readonly nowMs?: number;
}

/**
 * Removes leftover temp files (from a crash) directly in `dir`; returns their paths. Only
 * names writeFileAtomic() makes, only files and symlinks, never anything below `dir`.
 */
export async function removeTemps(dir: string, options: RemoveTempsOptions = {}): Promise<string[]> {
  const now = options.nowMs ?? Date.now();
  const removed: string[] = [];
  for (const dirent of await fsp.readdir(dir, { withFileTypes: true })) {
    if (!isTempName(dirent.name) || !(dirent.isFile() || dirent.isSymbolicLink())) continue;
    const path = join(dir, dirent.name);
    try {
      if (options.minAgeMs && now - (await fsp.lstat(path)).mtimeMs < options.minAgeMs) continue;
      await fsp.unlink(path);
      removed.push(path);
    } catch (err) {
      if ((err as { code?: unknown }).code !== "ENOENT") throw err; // RACE: another sweeper got there first.
    }
  }
  return removed;
}

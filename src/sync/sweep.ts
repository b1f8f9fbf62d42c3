// Temp files a killed writer left behind (kill -9 of the daemon mid-put, of `peersync -x` while
// it took a version back): swept from every include root when the daemon starts and when a
// sync run starts. A temp file's name carries its writer's pid (fs/atomic-write.ts), so a
// sweep removes only those whose writer is gone: a daemon receiving while `-x` starts on the
// same node keeps its temp file. Partial files of interrupted transfers (partial.ts) stay
// until they expire.

import type { Dirent } from "node:fs";
import * as fsp from "node:fs/promises";
import type { Config } from "../config/types.js";
import { isTempName, tempWriterPid } from "../fs/atomic-write.js";
import { expireIfStale, isPartialName } from "./partial.js";

/** Removes orphaned temp files below every include root of `config`; returns their paths. */
export async function sweepTemps(config: Config, isAlive: (pid: number) => boolean = pidAlive): Promise<string[]> {
  const roots = new Set(config.groups.flatMap((g) => g.roots.map((r) => config.toLocalPath(r))));
  const removed: string[] = [];
  for (const root of roots) await sweepDir(Buffer.from(root), isAlive, removed);
  return removed;
}

// The prefix of both temp (atomic-write.ts) and partial (partial.ts) names.
const OURS = Buffer.from(".peersync-");
const SLASH = Buffer.from("/");

async function sweepDir(dir: Buffer, isAlive: (pid: number) => boolean, removed: string[]): Promise<void> {
  let dirents: Dirent[];
  try {
    dirents = (await fsp.readdir(dir, { withFileTypes: true, encoding: "buffer" })) as unknown as Dirent[];
  } catch {
    return; // RACE: gone or unreadable; the check reports unreadable directories.
  }
  for (const d of dirents) {
    const raw = d.name as unknown as Buffer;
    // Dirent types come from lstat semantics: a symlinked directory is never entered. Every
    // other name is a file of the tree unless it starts with ".peersync-": one byte comparison
    // for each of them (this sweep runs before every sync, over the whole tree).
    const isDir = d.isDirectory();
    if (!isDir && !raw.subarray(0, OURS.length).equals(OURS)) continue;
    const full = Buffer.concat([dir, SLASH, raw]);
    if (isDir) await sweepDir(full, isAlive, removed);
    else if (isPartialName(raw.toString("latin1"))) {
      if (await expireIfStale(full.toString())) removed.push(full.toString());
    } else if (isTempName(raw.toString("latin1")) && isOrphan(raw.toString("latin1"), isAlive)) {
      try {
        await fsp.unlink(full);
        removed.push(full.toString());
      } catch {
        // RACE: its writer renamed or removed it meanwhile.
      }
    }
  }
}

function isOrphan(name: string, isAlive: (pid: number) => boolean): boolean {
  const pid = tempWriterPid(name);
  // Our own pid on a leftover can only be a reused pid: this process has no write in flight yet.
  return pid === process.pid || !isAlive(pid);
}

function pidAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

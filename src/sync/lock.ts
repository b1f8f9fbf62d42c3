// One sync run per state dir (DESIGN.md §8: "a second run exits at once"). The lock is a file
// made with O_EXCL holding the owner's pid; a lock whose pid is dead is stale (a run that was
// killed) and is taken over. Not flock(): a lock file is visible to `ls` and to `status`.
//
// RACE: two runs that both find the same stale lock may both remove it; O_EXCL then lets only
// one of them create the new one, and the other reports the lock as held.

import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import { LockError } from "../errors.js";
import { asStorageError } from "../fs/storage-error.js";
import { processAlive } from "../fs/process-alive.js";

export const LOCK_FILE = "sync.lock";

export interface HeldLock {
  readonly path: string;
  /**
   * The lock was left by a holder that died (kill -9, power loss, a crash): whatever it was
   * writing may still lie around (sync/sweep.ts). False when the lock was free.
   */
  readonly tookOverStale: boolean;
  release(): Promise<void>;
}

/** Takes the run lock of `stateDir` or throws LockError naming the holder. */
export async function acquireRunLock(stateDir: string, pid = process.pid): Promise<HeldLock> {
  const path = join(stateDir, LOCK_FILE);
  await fsp.mkdir(stateDir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
    throw asStorageError(err, "the run lock", path, stateDir);
  });
  for (let attempt = 0; attempt < 2; attempt++) {
    const file = await createExclusive(path, stateDir);
    if (file !== undefined) {
      try {
        await file.writeFile(`${pid}\n`);
      } catch (err) {
        // A full disk: an empty lock file left behind would read as the lock of a run that died.
        await file.close().catch(() => undefined);
        await fsp.unlink(path).catch(() => undefined);
        throw asStorageError(err, "the run lock", path, stateDir);
      }
      await file.close();
      return { path, tookOverStale: attempt > 0, release: () => fsp.unlink(path).catch(() => undefined) };
    }
    const holder = await readHolder(path);
    if (holder !== undefined && processAlive(holder)) {
      throw new LockError(`Cannot start a sync run: another run (pid ${holder}) holds "${path}"`, {
        hint: "wait for it to finish; if no peersync runs, remove the lock file",
      });
    }
    // Stale: its owner died (or wrote nothing readable). Take it over.
    await fsp.unlink(path).catch(() => undefined);
  }
  throw new LockError(`Cannot start a sync run: "${path}" was taken by another run meanwhile`);
}

/** The lock file, made with O_EXCL; undefined when it exists already. */
async function createExclusive(path: string, stateDir: string): Promise<fsp.FileHandle | undefined> {
  try {
    return await fsp.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw asStorageError(err, "the run lock", path, stateDir);
  }
}

async function readHolder(path: string): Promise<number | undefined> {
  const text = await fsp.readFile(path, "utf8").catch(() => "");
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}


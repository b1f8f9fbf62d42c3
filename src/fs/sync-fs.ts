// Durability of a batch of new files at the cost of one journal commit, not one per file
// (src/sync/put-batch.ts). The order that keeps every write atomic and durable stays:
//   1. open each directory the batch writes into (before any of its temp files is written),
//   2. write every temp file (no fsync each),
//   3. syncData(): syncfs(2) once per filesystem, through the descriptors of step 1, so the
//      data of every temp file is on disk, and an error writing any of it back fails the call,
//   4. only then rename (the put-batch gate opens after syncData resolved),
//   5. syncDirectory() once per touched directory, so the renames are on disk,
//   6. only then record the files in the index and answer the pusher.
// A crash before 5 leaves temp files (swept at the next start) or renamed files whose data
// is on disk; never a target holding a file whose bytes were not yet durable.
//
// syncfs reports writeback errors only since Linux 5.8 (the superblock's errseq_t, sampled
// when the descriptor is opened: hence step 1 before step 2). On an older kernel, without
// the native addon, or with PEERSYNC_BATCH_SYNCFS=0, every temp file is fsynced on its own
// (defersFileSync is false) and syncData does nothing.
//
// syncfs also writes back other processes' dirty data on that filesystem: on a box that
// writes a lot elsewhere, one call may take longer than the batch's own fsyncs would have.
// The batch holds no lock while it waits (put-batch.ts calls it before taking the receiver's).

import { closeSync, constants, openSync } from "node:fs";
import { constants as osConstants, release } from "node:os";
import { syncDirectory } from "./atomic-write.js";
import { fsPath } from "./name-codec.js";
import { fsAddon } from "./fs-addon.js";

export interface BatchDurability {
  /** True when temp files skip their own fsync: syncData() makes their data durable. */
  readonly defersFileSync: boolean;
  /** Call before writing any temp file in `dir` (escaped, fs/name-codec.ts; opens it once, for syncData). */
  watch(dir: string): void;
  /** Every temp file written: make their data durable, before any rename. */
  syncData(): Promise<void>;
  /** After the renames in `dir` (escaped): make them durable, before recording them. */
  syncDirectory(dir: string): Promise<void>;
  /** Releases the descriptors (always call, also after a failure). */
  close(): void;
}

interface FsAddon {
  syncfs(fds: readonly number[]): Promise<number>;
}

let addon: FsAddon | null | undefined;
const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, value]) => [value, name]));

/** The native syncfs, when the addon has it, the kernel reports errors through it, and it is not turned off. */
export function nativeSyncfs(): FsAddon["syncfs"] | undefined {
  if (addon === undefined) addon = loadAddon();
  return addon?.syncfs;
}

function loadAddon(): FsAddon | null {
  if (process.env["PEERSYNC_BATCH_SYNCFS"] === "0" || !kernelReportsSyncfsErrors(release())) return null;
  const loaded = fsAddon() as Partial<FsAddon> | undefined;
  return typeof loaded?.syncfs === "function" ? (loaded as FsAddon) : null;
}

/** Linux 5.8 or later (os.release() form "6.1.0-18-amd64"). */
export function kernelReportsSyncfsErrors(kernel: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernel);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 5 || (major === 5 && minor >= 8);
}

/** The durability of one put-batch: syncfs when available (null: never), else one fsync per temp file. */
export function batchDurability(syncfs: FsAddon["syncfs"] | null = nativeSyncfs() ?? null): BatchDurability {
  const fds = new Map<string, number>();
  return {
    defersFileSync: syncfs !== null,
    watch(dir) {
      if (syncfs === null || fds.has(dir)) return;
      fds.set(dir, openSync(fsPath(dir), constants.O_RDONLY | constants.O_DIRECTORY));
    },
    async syncData() {
      if (syncfs === null || fds.size === 0) return;
      try {
        await syncfs([...fds.values()]);
      } catch (err) {
        // The addon sets a numeric errno; the answers refusing the batch carry its name (EIO, ENOSPC).
        const errno = (err as { errno?: unknown }).errno;
        const code = typeof errno === "number" ? ERRNO_NAMES.get(errno) : undefined;
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), code ? { code } : {});
      }
    },
    syncDirectory: (dir) => syncDirectory(fsPath(dir)),
    close() {
      for (const fd of fds.values()) closeSync(fd);
      fds.clear();
    },
  };
}

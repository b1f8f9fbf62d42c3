// Temp files a killed writer left behind (kill -9 of the daemon mid-put, of `peersync -x` while
// it took a version back): swept from every include root when a sync run starts, and by the
// daemon once it is up (sync/daemon.ts). A temp file's name carries its writer's pid
// (fs/temp-names.ts), so a sweep removes only those whose writer is gone: a daemon receiving
// while `-x` starts on the same node keeps its temp file. Partial files of interrupted
// transfers (partial.ts) stay until they expire.
//
// The walk lists directories synchronously and yields to the event loop every YIELD_EVERY
// directories: readdir through the thread pool costs about three times the CPU (measured on
// 100 k directories: 4.6–5.6 s against 1.6 s), and a daemon sweeping in the background must
// keep serving meanwhile.

import { lstatSync, readdirSync, unlinkSync, type Dirent } from "node:fs";
import type { Config } from "../config/types.js";
import { isTempName, tempWriterPid } from "../fs/temp-names.js";
import { expireIfStale, isPartialName } from "./partial.js";
import { processAlive } from "../fs/process-alive.js";

export interface SweepOptions {
  /** Whether a pid is a running process. @default process.kill(pid, 0) */
  readonly isAlive?: (pid: number) => boolean;
  /**
   * A temp file carrying this process's own pid is a leftover of an earlier process with the
   * same pid only when it was made before this time (ms since the epoch, compared with its
   * ctime, which writers cannot set): a daemon sweeping while it receives keeps its own writes
   * in flight. @default Infinity: this process has no write in flight (a sync run's start).
   */
  readonly ownWritesSince?: number;
  /** Stops the walk between directories (the daemon stopping). */
  readonly signal?: AbortSignal;
}

const YIELD_EVERY = 256;

/** Removes orphaned temp files below every include root of `config`; returns their paths. */
export async function sweepTemps(config: Config, options: SweepOptions = {}): Promise<string[]> {
  const roots = new Set(config.groups.flatMap((g) => g.roots.map((r) => config.toLocalPath(r))));
  const sweep: Sweep = {
    isOrphan: orphanTest(options.isAlive ?? processAlive, options.ownWritesSince ?? Infinity), signal: options.signal,
    removed: [], partials: [], listed: 0,
  };
  for (const root of roots) await sweepDir(sweep, Buffer.from(root));
  for (const partial of sweep.partials) if (await expireIfStale(partial)) sweep.removed.push(partial);
  return sweep.removed;
}

interface Sweep {
  readonly isOrphan: (path: Buffer, name: string) => boolean;
  readonly signal: AbortSignal | undefined;
  readonly removed: string[];
  /** Partial files seen; they expire after the walk (few, and their check is async). */
  readonly partials: string[];
  listed: number;
}

async function sweepDir(sweep: Sweep, dir: Buffer): Promise<void> {
  if (sweep.signal?.aborted) return;
  if (++sweep.listed % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r));
  let dirents: Dirent[];
  try {
    dirents = readdirSync(dir, { withFileTypes: true, encoding: "buffer" }) as unknown as Dirent[];
  } catch {
    return; // RACE: gone or unreadable; the check reports unreadable directories.
  }
  for (const d of dirents) {
    const raw = d.name as unknown as Buffer;
    // Dirent types come from lstat semantics: a symlinked directory is never entered. Every
    // other name is a file of the tree unless it starts with ".peersync-": one byte comparison
    // for each of them (this sweep runs before every sync, over the whole tree).
    if (d.isDirectory()) {
      await sweepDir(sweep, Buffer.concat([dir, SLASH, raw]));
      continue;
    }
    if (!raw.subarray(0, OURS.length).equals(OURS)) continue;
    const name = raw.toString("latin1");
    if (isPartialName(name)) sweep.partials.push(Buffer.concat([dir, SLASH, raw]).toString());
    else if (isTempName(name)) {
      const full = Buffer.concat([dir, SLASH, raw]);
      if (!sweep.isOrphan(full, name)) continue;
      try {
        unlinkSync(full);
        sweep.removed.push(full.toString());
      } catch {
        // RACE: its writer renamed or removed it meanwhile.
      }
    }
  }
}

const SLASH = Buffer.from("/");
// The prefix of both temp (atomic-write.ts) and partial (partial.ts) names.
const OURS = Buffer.from(".peersync-");

function orphanTest(isAlive: (pid: number) => boolean, ownWritesSince: number): (path: Buffer, name: string) => boolean {
  return (path, name) => {
    const pid = tempWriterPid(name);
    if (pid !== process.pid) return !isAlive(pid);
    // Our own pid: a reused pid's leftover, unless we made it (see SweepOptions.ownWritesSince).
    if (ownWritesSince === Infinity) return true;
    const st = lstatSync(path, { throwIfNoEntry: false });
    return st !== undefined && st.ctimeMs < ownWritesSince;
  };
}


// New files put in place on the libuv thread pool, many per job: the renames of a put-batch's
// files where nothing stood (sync/replace.ts placeNewPooled), each with renameat2's
// RENAME_NOREPLACE and an lstat of the result (native/src/place-files.cc). Every placing asked
// for within one turn of the event loop (at most MAX_BATCH) goes to the addon in one job. On the
// main thread, the rename and the lstat after it were ~13 % of a receiving daemon's main thread
// in bench/sync (a), which an initial sync waits for.
// Without the addon, or with PEERSYNC_NATIVE_PLACE=0, nativePlacer() is undefined and the
// caller places each file on the main thread as before (replace.ts swapIn).

import { fsAddon } from "./fs-addon.js";
import { exactStat, STAT_FIELDS, systemError, type ExactStat } from "./read-batch.js";
import { RenameError } from "./rename-at2.js";

/**
 * The file was placed; `after` is the target's lstat just after (undefined when something
 * removed it again in between).
 */
export interface Placed {
  readonly after: ExactStat | undefined;
}

/**
 * Moves `from` to `to` unless something is at `to` (rejects with a RenameError, code EEXIST).
 * Resolves undefined when this kernel or filesystem does not offer RENAME_NOREPLACE: the caller
 * takes its main-thread path, which knows the other ways.
 */
export type Placer = (from: string | Buffer, to: string | Buffer) => Promise<Placed | undefined>;

interface FsAddon {
  placeFiles(froms: readonly (string | Buffer)[], tos: readonly (string | Buffer)[]): Promise<[Int32Array, BigInt64Array]>;
}

/** Files per addon job at most: a turn that asks for more starts a second job at once. */
const MAX_BATCH = 128;
/** renameat2 answers these where the kernel or the filesystem cannot do RENAME_NOREPLACE. */
const UNSUPPORTED = new Set(["ENOSYS", "EINVAL", "EOPNOTSUPP", "ENOTSUP"]);

let chosen: Placer | null | undefined;

/** The batching placer, or undefined when the addon lacks placeFiles (an older build) or it is turned off. */
export function nativePlacer(): Placer | undefined {
  if (chosen === undefined) chosen = load();
  return chosen ?? undefined;
}

function load(): Placer | null {
  if (process.env["PEERSYNC_NATIVE_PLACE"] === "0" || process.env["PEERSYNC_RENAMEAT2"] === "0") return null;
  const addon = fsAddon() as Partial<FsAddon> | undefined;
  const placeFiles = addon?.placeFiles;
  return typeof placeFiles === "function" ? batchingPlacer(placeFiles.bind(addon)) : null;
}

interface Waiting {
  readonly from: string | Buffer;
  readonly to: string | Buffer;
  readonly resolve: (placed: Placed | undefined) => void;
  readonly reject: (err: unknown) => void;
}

/** Gathers the placings of one turn (up to MAX_BATCH) into one call of `placeFiles`. Exported for tests. */
export function batchingPlacer(placeFiles: FsAddon["placeFiles"]): Placer {
  let waiting: Waiting[] = [];
  const flush = (): void => {
    const batch = waiting;
    waiting = [];
    if (batch.length > 0) void run(placeFiles, batch);
  };
  return (from, to) =>
    new Promise<Placed | undefined>((resolve, reject) => {
      waiting.push({ from, to, resolve, reject });
      if (waiting.length === 1) setImmediate(flush);
      if (waiting.length >= MAX_BATCH) flush();
    });
}

async function run(placeFiles: FsAddon["placeFiles"], batch: readonly Waiting[]): Promise<void> {
  let result: Int32Array;
  let stats: BigInt64Array;
  try {
    [result, stats] = await placeFiles(batch.map((w) => w.from), batch.map((w) => w.to));
  } catch (err) {
    for (const w of batch) w.reject(err);
    return;
  }
  batch.forEach((w, i) => {
    const [renameErrno, lstatErrno] = [result[i * 2]!, result[i * 2 + 1]!];
    if (renameErrno === 0) return w.resolve({ after: lstatErrno === 0 ? exactStat(stats, i * STAT_FIELDS) : undefined });
    // Node's code and wording for the errno, as renameat2's synchronous path reports them.
    const { code, message } = systemError(renameErrno, "renameat2", w.from) as { code: string; message: string };
    if (UNSUPPORTED.has(code)) return w.resolve(undefined);
    w.reject(new RenameError(code, renameErrno, w.from, w.to, message));
  });
}

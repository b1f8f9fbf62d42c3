// Small temp files written on the libuv thread pool, many per job: the receiving side of a
// put-batch (sync/put-batch.ts) hands each file's temp write here through atomic-write.ts, and
// every write asked for within one turn of the event loop (at most 64) goes to the peersync_fs
// addon in one job (native/src/write-files.cc), which makes the steps of atomic-write.ts's
// writeSmallTemp for each: open (exclusive, no symlink followed), write, futimes, fstat, fchown
// and fchmod where needed, close. On the main thread that was ~40 % of a receiving daemon's time
// in bench/sync (a). No fsync: only for callers that make the data durable themselves (one
// syncfs per batch, fs/sync-fs.ts).
// Without the addon, or with PEERSYNC_NATIVE_WRITE=0, nativeTempWriter() is undefined and
// atomic-write.ts writes each file on the main thread as before.

import type { WrittenStat } from "./atomic-write.js";
import { fsAddon } from "./fs-addon.js";
import { microsecondTimespec, nsTimespec } from "./file-times.js";
import { setsNanoseconds } from "./set-times.js";
import { exactStat, STAT_FIELDS, systemError } from "./read-batch.js";

export interface TempFile {
  /** Where to create the file (it must not exist). */
  readonly temp: string;
  readonly data: Uint8Array;
  /** Permission bits (0..0o7777). */
  readonly mode: number;
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
  /** Set to the nanosecond, as atomic-write.ts does (to the microsecond where set-times.ts cannot). */
  readonly mtimeNs?: bigint | undefined;
}

/** Creates and fills one temp file, resolving with its final fstat; rejects with the fs error Node would have thrown. */
export type TempWriter = (file: TempFile) => Promise<WrittenStat>;

interface FsAddon {
  writeFiles(paths: readonly string[], contents: readonly Buffer[], attrs: Float64Array): Promise<[Int32Array, BigInt64Array]>;
}

const ATTR_FIELDS = 5;
const SYSCALLS = ["open", "write", "futime", "fstat", "fchown", "fchmod", "close"] as const;
/** Files per addon job at most: a turn that asks for more starts a second job at once. */
const MAX_BATCH = 64;

let chosen: TempWriter | null | undefined;

/** The batching writer, or undefined when the addon is missing (an older build) or turned off. */
export function nativeTempWriter(): TempWriter | undefined {
  if (chosen === undefined) chosen = load();
  return chosen ?? undefined;
}

function load(): TempWriter | null {
  if (process.env["PEERSYNC_NATIVE_WRITE"] === "0") return null;
  const addon = fsAddon() as Partial<FsAddon> | undefined;
  const writeFiles = addon?.writeFiles;
  return typeof writeFiles === "function" ? batchingWriter(writeFiles.bind(addon)) : null;
}

interface Waiting {
  readonly file: TempFile;
  readonly resolve: (stat: WrittenStat) => void;
  readonly reject: (err: unknown) => void;
}

/** Gathers the writes of one turn (up to MAX_BATCH) into one call of `writeFiles`. Exported for tests. */
export function batchingWriter(writeFiles: FsAddon["writeFiles"]): TempWriter {
  let waiting: Waiting[] = [];
  const flush = (): void => {
    const batch = waiting;
    waiting = [];
    if (batch.length > 0) void run(writeFiles, batch);
  };
  return (file) =>
    new Promise<WrittenStat>((resolve, reject) => {
      waiting.push({ file, resolve, reject });
      if (waiting.length === 1) setImmediate(flush);
      if (waiting.length >= MAX_BATCH) flush();
    });
}

async function run(writeFiles: FsAddon["writeFiles"], batch: readonly Waiting[]): Promise<void> {
  const attrs = new Float64Array(batch.length * ATTR_FIELDS);
  batch.forEach(({ file }, i) => {
    const [sec, nsec] = file.mtimeNs === undefined ? [Number.NaN, 0] : setsNanoseconds() ? nsTimespec(file.mtimeNs) : microsecondTimespec(file.mtimeNs);
    attrs.set([file.mode & 0o7777, file.uid ?? -1, file.gid ?? -1, sec, nsec], i * ATTR_FIELDS);
  });
  let result: Int32Array;
  let stats: BigInt64Array;
  try {
    const contents = batch.map(({ file }) => (Buffer.isBuffer(file.data) ? file.data : Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength)));
    [result, stats] = await writeFiles(batch.map(({ file }) => file.temp), contents, attrs);
  } catch (err) {
    for (const w of batch) w.reject(err);
    return;
  }
  batch.forEach((w, i) => {
    const errno = result[i * 2]!;
    if (errno === 0) w.resolve(exactStat(stats, i * STAT_FIELDS));
    else w.reject(systemError(errno, SYSCALLS[result[i * 2 + 1]!] ?? "write", w.file.temp));
  });
}


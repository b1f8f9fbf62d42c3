// lstat of a directory's children through the peersync_fs addon (native/src/stat-at.cc): the
// directory is opened once with O_NOFOLLOW and each name fstatat()'ed relative to it on the
// libuv thread pool, while the main thread merges. That is about half the CPU of lstat from JS
// (no walk of the absolute path per call, no JS per call), with no worker thread to start.
// When the addon is not built (or PEERSYNC_NATIVE_STAT=0), nativeStatAt() is undefined and the
// check uses the lstat worker (stat-pool.ts).

import { constants } from "node:os";
import { fsAddon } from "./fs-addon.js";
import { STAT_FAILED, STAT_MISSING, type StatBatch } from "./stat-batch.js";

/** One directory's children to lstat, and the identity the listing saw for the directory. */
export interface DirStatRequest {
  readonly dirFs: string | Buffer;
  /** Raw child names (fs form: string, or Buffer when not UTF-8). */
  readonly names: readonly (string | Buffer)[];
  readonly dirIno: number;
  readonly dirDev: number;
}

export type NativeStatAt = (request: DirStatRequest) => Promise<StatBatch>;

interface FsAddon {
  statAt(dir: string | Buffer, names: readonly (string | Buffer)[]): Promise<[Float64Array, Int32Array, number, number]>;
  readonly FIELDS: number;
}

const WIDTH = 8;

let loaded: NativeStatAt | null | undefined;

/** The native batch lstat, or undefined when the addon is missing or turned off. */
export function nativeStatAt(): NativeStatAt | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
}

function load(): NativeStatAt | null {
  if (process.env.PEERSYNC_NATIVE_STAT === "0") return null;
  const addon = fsAddon() as FsAddon | undefined;
  // An addon of an older build (another layout) is not used.
  if (typeof addon?.statAt !== "function" || addon.FIELDS !== WIDTH) return null;
  return (request) => statDir(addon, request);
}

async function statDir(addon: FsAddon, request: DirStatRequest): Promise<StatBatch> {
  const n = request.names.length;
  let raw: [Float64Array, Int32Array, number, number];
  try {
    raw = await addon.statAt(request.dirFs, request.names);
  } catch (err) {
    return allFailed(n, codeOf((err as { errno?: number }).errno));
  }
  const [fields, errnos, ino, dev] = raw;
  // The directory was replaced (by a symlink, say) between its listing and this open: the
  // names are not the ones the listing read. Report them, never stat through the new one.
  if (ino !== request.dirIno || dev !== request.dirDev) return allFailed(n, "ECHANGED");
  return batchOf(fields, errnos);
}

/** A StatBatch of the addon's fields and errnos (stat-batch.ts's layout: only failures need a look). */
export function batchOf(fields: Float64Array, errnos: Int32Array): StatBatch {
  const n = errnos.length;
  const status = new Uint8Array(n);
  const errors: [number, string, string][] = [];
  for (let i = 0; i < n; i++) {
    const e = errnos[i]!;
    if (e === 0) continue;
    fields.fill(0, i * WIDTH, (i + 1) * WIDTH);
    if (e === constants.errno.ENOENT) status[i] = STAT_MISSING;
    else {
      status[i] = STAT_FAILED;
      const code = codeOf(e);
      errors.push([i, code, `${code} (lstat)`]);
    }
  }
  return { fields, status, errors };
}

function allFailed(n: number, code: string): StatBatch {
  const message = code === "ECHANGED" ? "the directory was replaced while it was read" : `${code} (open)`;
  return {
    fields: new Float64Array(n * WIDTH),
    status: new Uint8Array(n).fill(STAT_FAILED),
    errors: Array.from({ length: n }, (_, i) => [i, code, message] as const),
  };
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, value]) => [value, name]));

export function codeOf(errno: number | undefined): string {
  return (errno !== undefined && ERRNO_NAMES.get(errno)) || "EIO";
}

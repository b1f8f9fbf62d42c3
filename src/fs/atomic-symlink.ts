// Atomic replacement of a symlink, as atomic-write.ts does for a file: the link is made under
// a temp name beside the target (never followed), given its owner and times, then renamed over
// the target, and the directory is fsynced.

import type { BigIntStats } from "node:fs";
import * as fsp from "node:fs/promises";
import { NODE_IO, syncDirectory, type AtomicWriteOptions } from "./atomic-write.js";
import { decodeName, directoryOf, joinFsPath } from "./name-codec.js";
import { setPathTimes } from "./set-times.js";
import { tempName } from "./temp-names.js";
import { asDiskFull } from "./write-errors.js";

export type SymlinkWriteOptions = Pick<AtomicWriteOptions, "uid" | "gid" | "mtimeNs" | "beforeRename" | "io">;

/**
 * Atomically replaces (or creates) `target` with a symlink to `linkText` (never followed):
 * the link is made under a temp name, given its owner and times, then renamed over the target.
 * `target` may be raw bytes for a name that is not UTF-8, as for writeFileAtomic.
 */
export async function writeSymlinkAtomic(target: string | Buffer, linkText: string | Buffer, options: SymlinkWriteOptions = {}): Promise<BigIntStats> {
  const io = { ...NODE_IO, ...options.io };
  const dir = directoryOf(target);
  const shown = typeof target === "string" ? target : decodeName(target);
  const temp = joinFsPath(dir, tempName());
  try {
    await fsp.symlink(linkText, temp);
    if (options.uid !== undefined || options.gid !== undefined) await fsp.lchown(temp, options.uid ?? -1, options.gid ?? -1);
    if (options.mtimeNs !== undefined) await setPathTimes(temp, options.mtimeNs, { noFollow: true });
    const stat = await fsp.lstat(temp, { bigint: true });
    await options.beforeRename?.(temp);
    await io.rename(temp, target, stat);
    await syncDirectory(dir);
    return stat;
  } catch (err) {
    await fsp.unlink(temp).catch(() => {});
    throw await asDiskFull(io, shown, dir, err);
  }
}

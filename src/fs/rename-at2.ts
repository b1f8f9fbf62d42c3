// renameat2(2) through the native addon (native/src/rename-at2.cc): the two renames Node does
// not offer. src/sync/replace.ts swaps a received version in with RENAME_EXCHANGE, so the file
// it displaces is exactly what was at the target at the instant of the swap (a plain rename
// unlinks it unseen), and puts a file back with RENAME_NOREPLACE, which never replaces one
// created meanwhile.
//
// Both answer false when this kernel, filesystem or build cannot do it (no addon, ENOSYS before
// Linux 3.15, EINVAL or EOPNOTSUPP from a filesystem without the flag: some FUSE, NFS, overlay
// set-ups); the caller then takes its older path. Every other failure is a RenameError whose
// `code` is the errno name, as Node's own fs errors carry it.

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { PeersyncError } from "../errors.js";

interface RenameAddon {
  renameat2(from: string | Buffer, to: string | Buffer, flags: number): void;
  readonly RENAME_FLAGS: { readonly EXCHANGE: number; readonly NOREPLACE: number };
}

/** renameat2 failed for a reason other than "not offered here". */
export class RenameError extends PeersyncError {
  readonly errno: number;
  readonly syscall = "renameat2";
  constructor(code: string, errno: number, from: string | Buffer, to: string | Buffer, message: string) {
    super(code, `Cannot rename "${String(from)}" to "${String(to)}": ${message}`, {
      hint: code === "ENOENT" ? "one of the two names vanished meanwhile (another process renamed or removed it)" : "see rename(2) for this error",
    });
    this.errno = errno;
  }
}

// The rsync addon carries renameat2: peersync_fs's entry point belongs to the batch lstat.
// Relative to dist/src/fs/rename-at2.js, where tsc puts this file.
const ADDON_PATH = fileURLToPath(new URL("../../../native/build/Release/peersync_rsync.node", import.meta.url));
const UNSUPPORTED = new Set(["ENOSYS", "EINVAL", "EOPNOTSUPP", "ENOTSUP"]);

let addon: RenameAddon | null | undefined;

function load(): RenameAddon | null {
  if (process.env["PEERSYNC_RENAMEAT2"] === "0") return null;
  try {
    const loaded = createRequire(import.meta.url)(ADDON_PATH) as Partial<RenameAddon>;
    return typeof loaded.renameat2 === "function" && loaded.RENAME_FLAGS !== undefined ? (loaded as RenameAddon) : null;
  } catch {
    return null; // an addon built before renameat2 existed, or none at all: the callers fall back
  }
}

function call(from: string | Buffer, to: string | Buffer, flag: "EXCHANGE" | "NOREPLACE"): boolean {
  if (addon === undefined) addon = load();
  if (addon === null) return false;
  try {
    addon.renameat2(from, to, addon.RENAME_FLAGS[flag]);
    return true;
  } catch (err) {
    if (err instanceof TypeError) throw err; // bad arguments: a bug of ours, not the disk's answer
    const e = err as { code?: unknown; errno?: unknown; message?: unknown };
    const code = typeof e.code === "string" ? e.code : "EIO";
    if (UNSUPPORTED.has(code)) return false;
    throw new RenameError(code, typeof e.errno === "number" ? e.errno : 0, from, to, String(e.message));
  }
}

/**
 * Swaps the two names atomically (both must exist). False when not offered here; throws
 * RenameError otherwise.
 */
export function renameExchange(a: string | Buffer, b: string | Buffer): boolean {
  return call(a, b, "EXCHANGE");
}

/**
 * Renames `from` to `to` only if nothing is at `to` (RenameError EEXIST otherwise). False when
 * not offered here.
 */
export function renameNoReplace(from: string | Buffer, to: string | Buffer): boolean {
  return call(from, to, "NOREPLACE");
}

/** Whether this process can use renameat2 at all (the addon has it; the kernel may still refuse). */
export function renameAt2Loaded(): boolean {
  if (addon === undefined) addon = load();
  return addon !== null;
}

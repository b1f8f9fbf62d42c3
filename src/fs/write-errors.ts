// The errors of an atomic write (atomic-write.ts, atomic-symlink.ts) that an operator acts on:
// a full disk, named with the free space left, and content that does not hash to what the
// sender announced. Either way nothing was replaced.

import { PeersyncError } from "../errors.js";
import type { AtomicWriteIo } from "./atomic-write.js";

/** The disk (or the user's quota) filled up; the target was left untouched. */
export class DiskFullError extends PeersyncError {
  readonly path: string;
  /** Bytes available to unprivileged users on that filesystem, when statfs could tell. */
  readonly freeBytes: number | undefined;
  constructor(path: string, freeBytes: number | undefined, cause: unknown) {
    const free = freeBytes === undefined ? "free space unknown" : `${freeBytes} bytes free`;
    super("DISK_FULL", `Cannot write "${path}": no space left on device (${free})`, {
      cause,
      hint: "free space on that filesystem; nothing was replaced (a previous version of the file, if any, stays in place)",
    });
    this.path = path;
    this.freeBytes = freeBytes;
  }
}

/** The bytes written do not hash to what the sender announced; nothing was replaced. */
export class HashMismatchError extends PeersyncError {
  readonly path: string;
  constructor(path: string, expected: string, actual: string) {
    super("HASH_MISMATCH", `Cannot write "${path}": content hash ${actual} does not match the expected ${expected}`, {
      hint: "the transfer was corrupted or the sender's file changed; the next sync retries",
    });
    this.path = path;
  }
}

/** `err` as a DiskFullError when it is ENOSPC or EDQUOT (with the free space statfs reports), else `err`. */
export async function asDiskFull(io: Pick<AtomicWriteIo, "statfs">, target: string, dir: string | Buffer, err: unknown): Promise<unknown> {
  if (!hasCode(err, "ENOSPC") && !hasCode(err, "EDQUOT")) return err;
  let free: number | undefined;
  try {
    const s = await io.statfs(dir);
    free = s.bavail * s.bsize;
  } catch {
    free = undefined;
  }
  return new DiskFullError(target, free, err);
}

export function hasCode(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}


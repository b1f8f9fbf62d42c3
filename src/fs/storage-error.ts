// The edge of core/storage-fault.ts: an error thrown while writing one of this node's own files
// becomes a StorageError that names the file, the cause and the fix, when the cause is the
// disk's (full, quota, read-only, permission, I/O); anything else is left as it was.

import { describeStorageFault, storageFaultOf } from "../core/storage-fault.js";
import { messageOf, StorageError } from "../errors.js";

/**
 * `err` as a StorageError when the disk caused it, else undefined. `what` names the file for
 * the message ("the index", "the node identity"), `file` is its path, `dir` the state dir.
 */
export function storageErrorOf(err: unknown, what: string, file: string, dir: string): StorageError | undefined {
  if (err instanceof StorageError) return err;
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  const fault = storageFaultOf(code);
  if (fault === undefined) return undefined;
  const { reason, hint } = describeStorageFault(fault, dir);
  // Node's messages start with the errno name already; SQLite's do not.
  const detail = messageOf(err).startsWith(String(code)) ? messageOf(err) : `${String(code)}: ${messageOf(err)}`;
  return new StorageError(`Cannot write ${what} "${file}": ${reason} (${detail})`, { cause: err, hint, path: file, fault });
}

/** `err` as a StorageError when the disk caused it, else `err` itself: for a catch that rethrows. */
export function asStorageError(err: unknown, what: string, file: string, dir: string): unknown {
  return storageErrorOf(err, what, file, dir) ?? err;
}

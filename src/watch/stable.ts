// The torn-write guard of continuous mode. A check records a file's stat as fstat saw it when
// the file was opened (fs/hash.ts), then hashes it; bytes appended meanwhile end up in the hash
// but not in the recorded size, so a file being written would be recorded, and pushed, as a
// state that never existed on disk. fs/hash.ts does not compare the stat after hashing, so this
// module does it after the check: a file whose lstat no longer matches what the index recorded
// has moved on since it was hashed. It is not pushed now; the caller checks it again later.
//
// RACE: a same-size overwrite within one kernel timestamp tick of the open changes neither size,
// mtime nor ctime and is not seen here; the next event or full check catches it.

import { lstatSync } from "node:fs";
import { fsPath } from "../fs/name-codec.js";
import type { EntryRecord } from "../index/entries.js";

export type Stability = "stable" | "moved" | "gone";

/**
 * Compares the recorded state of a file with its lstat now (`local` escaped, as toLocalPath
 * gives it: a name that is not UTF-8 looked gone, and was held back at every push). Directories
 * and symlinks are always stable.
 */
export function stabilityOf(local: string, record: Pick<EntryRecord, "kind" | "size" | "mtimeNs" | "ctimeNs" | "ino" | "deletedNs">): Stability {
  if (record.deletedNs !== undefined) return "stable";
  let st;
  try {
    st = lstatSync(fsPath(local), { bigint: true, throwIfNoEntry: false });
  } catch {
    return "moved"; // cannot tell; look again later
  }
  if (st === undefined) return "gone";
  if (record.kind !== "file") return "stable";
  const same = st.isFile() && Number(st.size) === record.size && st.mtimeNs === record.mtimeNs &&
    st.ctimeNs === record.ctimeNs && st.ino === record.ino;
  return same ? "stable" : "moved";
}

// lstat → the entry model. The scanner's number lstat (stat-batch.ts) gives a Fingerprint,
// cheap to compare with the index; only entries whose fingerprint moved get a bigint stat
// (exact nanoseconds), a hash or a readlink here.

import { lstatSync, readlinkSync } from "node:fs";
import { isRecordableNs } from "../core/entry.js";
import { kindOfMode, type FileState, type Fingerprint } from "../core/file-state.js";
import { TimeRangeError } from "../errors.js";
import { ChangedWhileHashingError, hashBytes, hashFile, type HashAlgorithm } from "./hash.js";
import { decodeName } from "./name-codec.js";
import type { OwnerNames } from "./owners.js";
import type { ExactStat, FileRead } from "./read-batch.js";

/** A FileState plus the exact fingerprint fields the index stores next to it. */
export interface Observation {
  readonly state: FileState;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
}

export interface ObserveDeps {
  readonly algorithm: HashAlgorithm;
  readonly owners: OwnerNames;
}

/**
 * Looks closely at one entry the walk lstat'ed (`seen`): exact stat, then the content hash
 * (file) or target (symlink). A file is opened first and fstat'ed, so its exact stat and its
 * hash are of the same inode, in one syscall less than lstat + open. Undefined when the path
 * vanished meanwhile; throws the fs error (EACCES, ...) or ChangedWhileHashingError.
 */
export async function observe(path: string | Buffer, seen: Pick<Fingerprint, "mode" | "ino">, deps: ObserveDeps): Promise<Observation | undefined> {
  if (kindOfMode(seen.mode) === "file") return observeFile(path, seen, deps);
  const st = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  if (st === undefined) return undefined;
  const kind = kindOfMode(Number(st.mode));
  if (kind === undefined || kind === "file") throw new ChangedWhileHashingError("file type");
  const base = baseState(st, deps.owners);
  const state: FileState =
    kind === "symlink" ? { kind, ...base, target: decodeName(readlinkSync(path, { encoding: "buffer" })) } : { kind, ...base };
  return { state, ctimeNs: st.ctimeNs, ino: st.ino, dev: st.dev };
}

async function observeFile(path: string | Buffer, seen: Pick<Fingerprint, "mode" | "ino">, deps: ObserveDeps): Promise<Observation | undefined> {
  let hashed;
  try {
    hashed = await hashFile(path, deps.algorithm, seen.ino);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const st = hashed.stat;
  return { state: { kind: "file", ...baseState(st, deps.owners), hash: hashed.hash }, ctimeNs: st.ctimeNs, ino: st.ino, dev: st.dev };
}
/**
 * observe() of a file whose bytes a batch already read (read-batch.ts): the same observation,
 * vanished case and errors, from the batch's result. A file too big for a batch is observed
 * here the usual way (streamed).
 */
export function observeRead(read: FileRead, path: string | Buffer, seen: Pick<Fingerprint, "mode" | "ino">, deps: ObserveDeps): Observation | undefined | Promise<Observation | undefined> {
  switch (read.type) {
    case "read": {
      const st = read.stat;
      const hash = hashBytes(read.content, deps.algorithm);
      return { state: { kind: "file", ...baseState(st, deps.owners), hash }, ctimeNs: st.ctimeNs, ino: st.ino, dev: st.dev };
    }
    case "failed":
      if (read.error.code === "ENOENT") return undefined;
      throw read.error;
    case "changed":
      throw new ChangedWhileHashingError(read.what);
    case "too-big":
      return observe(path, seen, deps);
  }
}

/** Throws TimeRangeError for an mtime past what the index holds (the path becomes a problem). */
function baseState(st: ExactStat, owners: OwnerNames) {
  if (!isRecordableNs(st.mtimeNs)) throw new TimeRangeError("modification time", st.mtimeNs);
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  return {
    mode: Number(st.mode),
    uid,
    gid,
    userName: owners.user(uid),
    groupName: owners.group(gid),
    mtimeNs: st.mtimeNs,
    size: Number(st.size),
  };
}

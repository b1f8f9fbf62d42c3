// Content hashes of regular files, streamed with node:crypto: never a whole file in memory.
// The file is opened with O_NOFOLLOW and O_NONBLOCK (a path swapped for a symlink or a fifo
// between lstat and open must neither be followed nor block the run) and fstat'ed, so the hash
// is of the same inode that lstat saw; anything else is reported as a race, not hashed.
// After the last read the descriptor is fstat'ed again: a file written while it was hashed
// (a growing log) has a hash of bytes that never matched the recorded stat, maybe of a state
// that never existed on disk, so it is reported as changed (ChangedWhileHashingError, a
// "skipped" problem) and never recorded; the next check, or the watcher's next event, looks
// again.
//
// RACE: a same-size rewrite within one timestamp tick of the first fstat changes neither size,
// mtime nor ctime and is not seen; the watcher's event for it, or the next check, catches it.

import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from "node:fs";
import { open } from "node:fs/promises";

/** node:crypto names accepted for meta.hash_algorithm. */
export const HASH_ALGORITHMS = ["sha256", "blake2b512"] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** Files at most this big are read synchronously (one read is cheaper than the event loop). */
const SYNC_LIMIT = 1 << 20;
const CHUNK = 1 << 18;
/** Chunks of a big file hashed while the next one is read. */
const STREAM_CHUNK = 1 << 20;
/** How a file to hash is opened (read-batch.ts opens the same way). */
export const HASH_OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

let scratch: Buffer | undefined;

/** A file's hash and the exact fstat of the descriptor it was read from. */
export interface HashedFile {
  readonly hash: string;
  readonly stat: BigIntStats;
}

/** The file at `path` is no longer the inode lstat saw (or not a regular file). */
export class ChangedWhileHashingError extends Error {
  readonly code = "ECHANGED";
  constructor(what: "file type" | "inode" | "content") {
    super(what === "content"
      ? "Cannot hash: the file was written while it was read; the next check looks again"
      : `Cannot hash: the ${what} changed between lstat and open; the next check looks again`);
    this.name = "ChangedWhileHashingError";
  }
}

/** The parsed algorithm name, or a TypeError listing the choices. */
export function parseHashAlgorithm(name: string): HashAlgorithm {
  if ((HASH_ALGORITHMS as readonly string[]).includes(name)) return name as HashAlgorithm;
  throw new TypeError(`Cannot use hash algorithm "${name}": expected one of ${HASH_ALGORITHMS.join(", ")}`);
}

/**
 * Hex content hash of the regular file at `path`, which the caller's lstat saw as inode
 * `expectIno` (a Number, as lstat reports it). Throws the fs error, or ChangedWhileHashingError.
 */
export async function hashFile(path: string | Buffer, algorithm: HashAlgorithm, expectIno: number): Promise<HashedFile> {
  const fd = openSync(path, HASH_OPEN_FLAGS);
  let stat: BigIntStats;
  try {
    stat = checkIdentity(fd, expectIno);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (stat.size <= SYNC_LIMIT) return { hash: hashSync(fd, algorithm, stat), stat }; // closes fd
  closeSync(fd);
  return { hash: await hashStreaming(path, algorithm, stat), stat };
}

function checkIdentity(fd: number, expectIno: number): BigIntStats {
  const st = fstatSync(fd, { bigint: true });
  if (!st.isFile()) throw new ChangedWhileHashingError("file type");
  if (Number(st.ino) !== expectIno) throw new ChangedWhileHashingError("inode");
  return st;
}

/** Hex hash of bytes already read (read-batch.ts): the same digest hashFile makes of them. */
export function hashBytes(content: Uint8Array, algorithm: HashAlgorithm): string {
  return createHash(algorithm).update(content).digest("hex");
}

/** False when the content moved while it was read: size, mtime or ctime differ from the stat taken before. */
export function sameContentStat(before: Pick<BigIntStats, "size" | "mtimeNs" | "ctimeNs">, after: Pick<BigIntStats, "size" | "mtimeNs" | "ctimeNs">): boolean {
  return after.size === before.size && after.mtimeNs === before.mtimeNs && after.ctimeNs === before.ctimeNs;
}

function hashSync(fd: number, algorithm: HashAlgorithm, before: BigIntStats): string {
  scratch ??= Buffer.allocUnsafe(CHUNK);
  const hash = createHash(algorithm);
  try {
    for (;;) {
      const n = readSync(fd, scratch, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(scratch.subarray(0, n));
    }
    if (!sameContentStat(before, fstatSync(fd, { bigint: true }))) throw new ChangedWhileHashingError("content");
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/**
 * Big files: asynchronous reads, so a daemon's event loop keeps serving while one is hashed.
 * Two buffers in turn: the next chunk is read on the thread pool while this one is hashed on
 * the main thread. One at a time, in 256 KiB chunks, a 256 MiB file took 330 ms (1,024 trips
 * through the thread pool, each waited for); this way the hashing hides the reads.
 */
async function hashStreaming(path: string | Buffer, algorithm: HashAlgorithm, expect: BigIntStats): Promise<string> {
  const handle = await open(path, HASH_OPEN_FLAGS);
  try {
    const st = await handle.stat({ bigint: true });
    if (!st.isFile()) throw new ChangedWhileHashingError("file type");
    if (st.ino !== expect.ino || st.dev !== expect.dev) throw new ChangedWhileHashingError("inode");
    const hash = createHash(algorithm);
    // Reused buffers: fresh ones would each cost their page faults (see sync/read-chunks.ts).
    let current = Buffer.allocUnsafeSlow(STREAM_CHUNK);
    let next = Buffer.allocUnsafeSlow(STREAM_CHUNK);
    let position = 0;
    let reading = handle.read(current, 0, STREAM_CHUNK, position);
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      position += bytesRead;
      reading = handle.read(next, 0, STREAM_CHUNK, position);
      hash.update(current.subarray(0, bytesRead));
      [current, next] = [next, current];
    }
    if (!sameContentStat(expect, await handle.stat({ bigint: true }))) throw new ChangedWhileHashingError("content");
    return hash.digest("hex");
  } finally {
    await handle.close();
  }
}

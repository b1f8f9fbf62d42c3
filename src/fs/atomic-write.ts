// Atomic replacement of a file (DESIGN.md §6, STYLE R7): the new content goes to a temp file
// beside the target, is checked against the expected hash, gets its owner, mode and mtime,
// is fsynced, and only then renamed over the target; the directory is fsynced so the rename
// survives a crash. Readers see the old file or the new one, never a mix, and any failure
// (disk full included) leaves the target untouched and removes the temp file.
//
// Precision: libuv sets times with microsecond resolution (it truncates below), so mtimes are
// applied to the microsecond; core/entry.ts compares mtimes at that precision. The result
// carries what fstat reads back, which is what the index should record.
//
// Temp files are named by temp-names.ts (hidden, recognisable, swept after a crash). Symlinks
// go the same way in atomic-symlink.ts; the errors are in write-errors.ts.

import { createHash } from "node:crypto";
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, fsync, openSync, writeSync, type BigIntStats, type PathLike } from "node:fs";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { PeersyncError } from "../errors.js";
import { EarlyWriteback } from "./early-writeback.js";
import { decodeName, directoryOf, joinFsPath } from "./name-codec.js";
import { contentChunks } from "./content-chunks.js";
import { setFdTimes } from "./set-times.js";
import { tempName } from "./temp-names.js";
import type { TempWriter } from "./temp-writer.js";
import { asDiskFull, hasCode, HashMismatchError } from "./write-errors.js";

/**
 * The content: bytes, or chunks. A streamed chunk must stay valid until the chunk after the
 * next one is asked for (the next one is asked for while this one is written, read-ahead.ts).
 */
export type AtomicData = string | Uint8Array | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** The filesystem calls atomic writes use; tests replace them to inject failures. */
export interface AtomicWriteIo {
  readonly open: typeof fsp.open;
  /** `written`: the temp file's stat as its writer left it, just made. */
  readonly rename: (from: PathLike, to: PathLike, written?: WrittenStat) => Promise<void>;
  readonly statfs: typeof fsp.statfs;
}

export const NODE_IO: AtomicWriteIo = { open: fsp.open, rename: fsp.rename, statfs: fsp.statfs };

export interface AtomicWriteOptions {
  /** Permission bits (type bits of an st_mode are ignored), set with fchmod, so the umask has no say. @default 0o600 */
  readonly mode?: number;
  /** Owner ids set with fchown before the mode (chown clears setuid bits). @default unchanged */
  readonly uid?: number;
  readonly gid?: number;
  /** Modification (and access) time in ns since the epoch, set to the nanosecond (fs/set-times.ts). @default the write time */
  readonly mtimeNs?: bigint;
  /** Lowercase hex digest the content must have, and its node:crypto algorithm. */
  readonly expectedHash?: { readonly algorithm: string; readonly hex: string };
  /**
   * Runs after the temp file is complete and synced, just before the rename: the place to
   * verify the target still is what the index says (R7). Throwing aborts; the target stays.
   */
  readonly beforeRename?: (tempPath: string | Buffer) => Promise<void> | void;
  readonly signal?: AbortSignal;
  /**
   * Skip the directory fsync after the rename: the caller fsyncs it (syncDirectory) once for a
   * batch of files, and must not rely on (or record) the rename before it did. @default false
   */
  readonly deferDirSync?: boolean;
  /**
   * Skip the temp file's fsync: the caller makes its data durable (fs/sync-fs.ts syncData,
   * one syncfs for a batch of files) before `beforeRename` lets the rename happen. Only with a
   * `beforeRename` that waits for that. @default false
   */
  readonly deferFileSync?: boolean;
  /**
   * Write through a named partial file instead of a fresh temp file (sync/partial.ts): its first
   * `offset` bytes are kept (and hashed), the data is what follows them, and a failure other
   * than a hash mismatch or a full disk leaves it in place for the next attempt to continue.
   */
  readonly resume?: { readonly path: string; readonly offset: number };
  /**
   * Writes small in-memory content off the main thread (fs/temp-writer.ts, many files per job);
   * used only with `deferFileSync`, since it makes no fsync. @default on the main thread
   */
  readonly tempWriter?: TempWriter | undefined;
  /** @default node:fs/promises */
  readonly io?: Partial<AtomicWriteIo>;
}

/** The fields of a bigint stat a written file is described by (a BigIntStats has them all). */
export type WrittenStat = Pick<BigIntStats, "dev" | "ino" | "mode" | "uid" | "gid" | "size" | "mtimeNs" | "ctimeNs">;

export interface AtomicWriteResult {
  /** fstat of the new file just before the rename: the attributes as the disk stores them. */
  readonly stat: WrittenStat;
  /** Hex digest when `expectedHash` was given. */
  readonly hash: string | undefined;
}

/**
 * Atomically replaces (or creates) the file `target` with `data`. `target` may be raw bytes
 * (fs/name-codec.ts fsPath) for a name that is not UTF-8; the temp file then goes beside it
 * under bytes too, and errors name it escaped.
 */
export async function writeFileAtomic(target: string | Buffer, data: AtomicData, options: AtomicWriteOptions = {}): Promise<AtomicWriteResult> {
  const io = { ...NODE_IO, ...options.io };
  const dir = directoryOf(target);
  const shown = typeof target === "string" ? target : decodeName(target);
  const temp = options.resume?.path ?? joinFsPath(dir, tempName());
  try {
    const written = await writeTemp(io, temp, data, options);
    if (options.expectedHash && written.hash !== options.expectedHash.hex) {
      throw new HashMismatchError(shown, options.expectedHash.hex, written.hash ?? "");
    }
    options.signal?.throwIfAborted();
    await options.beforeRename?.(temp);
    await io.rename(temp, target, written.stat);
    if (!options.deferDirSync) await syncDirectory(dir);
    return written;
  } catch (err) {
    // A body its sender stopped ("STOPPED": the file changed while it went) holds bytes of no
    // version: nothing to resume from.
    const keep = options.resume !== undefined && !(err instanceof HashMismatchError) && !hasCode(err, "STOPPED") && !hasCode(err, "ENOSPC") && !hasCode(err, "EDQUOT");
    if (!keep) await fsp.unlink(temp).catch(() => {});
    throw await asDiskFull(io, shown, dir, err);
  }
}

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** In-memory content up to this size is written with direct syscalls (only the fsync is async). */
const SMALL_BYTES = 256 * 1024;
const fsyncFd = promisify(fsync);

/** Creates the temp file, fills it, applies attributes, fsyncs; returns fstat and digest. */
async function writeTemp(io: AtomicWriteIo, temp: string | Buffer, data: AtomicData, options: AtomicWriteOptions): Promise<AtomicWriteResult> {
  const resume = options.resume;
  const small = typeof data === "string" ? Buffer.from(data) : data instanceof Uint8Array ? data : undefined;
  if (!resume && small !== undefined && small.length <= SMALL_BYTES && io.open === NODE_IO.open) {
    // The native writer takes names as strings: a directory that is not UTF-8 writes here.
    return options.tempWriter && options.deferFileSync && typeof temp === "string" ? writePooledTemp(options.tempWriter, temp, small, options) : writeSmallTemp(temp, small, options);
  }
  const flags = resume ? constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW : TEMP_FLAGS;
  const file = await io.open(temp, flags, 0o600);
  try {
    const hasher = options.expectedHash ? createHash(options.expectedHash.algorithm) : undefined;
    if (resume) await keepPrefix(file, resume.offset, hasher);
    const writeback = options.deferFileSync ? undefined : new EarlyWriteback(file);
    try {
      // Three things at once for a streamed file: the next chunk is made (a delta's patch
      // step, on the thread pool), this one is written (thread pool) and hashed (here).
      for await (const chunk of contentChunks(data)) {
        options.signal?.throwIfAborted();
        const written = writeAll(file, chunk);
        hasher?.update(chunk);
        await written;
        writeback?.wrote(chunk.length);
      }
    } finally {
      // No sync may outlive the file handle, whatever stopped the loop.
      await writeback?.settle().catch(() => undefined);
    }
    await writeback?.settle();
    // Attribute calls touch only the in-memory inode: synchronous, they cost a few µs each,
    // where a trip through the thread pool costs ten times that (thousands of small files).
    if (options.uid !== undefined || options.gid !== undefined) fchownSync(file.fd, options.uid ?? -1, options.gid ?? -1);
    fchmodSync(file.fd, (options.mode ?? 0o600) & 0o7777);
    if (options.mtimeNs !== undefined) setFdTimes(file.fd, options.mtimeNs);
    if (!options.deferFileSync) await file.sync();
    return { stat: fstatSync(file.fd, { bigint: true }), hash: hasher?.digest("hex") };
  } finally {
    await file.close();
  }
}

/**
 * writeTemp for small in-memory content: open, write, attributes and fstat are page-cache and
 * inode operations that cost a few µs as direct syscalls, ten times less than a trip each
 * through the thread pool (a batch of thousands of small files); the fsync, which waits for the
 * disk, stays off the event loop.
 */
async function writeSmallTemp(temp: string | Buffer, data: Uint8Array, options: AtomicWriteOptions): Promise<AtomicWriteResult> {
  options.signal?.throwIfAborted();
  const mode = (options.mode ?? 0o600) & 0o7777;
  // Created with its permission bits already: with the fstat below, a file the umask leaves
  // alone, owned as this process creates it, needs neither fchown nor fchmod (thousands of
  // small files: two syscalls each, ~4 % of a receiving daemon's main thread in bench/sync (a)).
  const fd = openSync(temp, TEMP_FLAGS, mode & 0o777);
  try {
    for (let offset = 0; offset < data.length;) offset += writeSync(fd, data, offset, data.length - offset);
    const hash = options.expectedHash ? createHash(options.expectedHash.algorithm).update(data).digest("hex") : undefined;
    if (options.mtimeNs !== undefined) setFdTimes(fd, options.mtimeNs);
    let stat = fstatSync(fd, { bigint: true });
    const owned = (options.uid === undefined || BigInt(options.uid) === stat.uid) && (options.gid === undefined || BigInt(options.gid) === stat.gid);
    if (!owned || (Number(stat.mode) & 0o7777) !== mode) {
      // fchown first: it clears the set-id bits, which the fchmod after it sets again.
      if (!owned) fchownSync(fd, options.uid ?? -1, options.gid ?? -1);
      fchmodSync(fd, mode);
      stat = fstatSync(fd, { bigint: true });
    }
    if (!options.deferFileSync) await fsyncFd(fd);
    return { stat, hash };
  } finally {
    closeSync(fd);
  }
}

/**
 * writeSmallTemp's steps on the thread pool (no fsync: the caller defers it). The hash is of
 * the bytes handed over; the final fstat is what the rename checks against (replace.ts swapIn).
 */
async function writePooledTemp(writer: TempWriter, temp: string, data: Uint8Array, options: AtomicWriteOptions): Promise<AtomicWriteResult> {
  options.signal?.throwIfAborted();
  const stat = await writer({ temp, data, mode: (options.mode ?? 0o600) & 0o7777, uid: options.uid, gid: options.gid, mtimeNs: options.mtimeNs });
  const hash = options.expectedHash ? createHash(options.expectedHash.algorithm).update(data).digest("hex") : undefined;
  return { stat, hash };
}

/** Keeps the first `offset` bytes of a partial file (hashing them) and leaves the position after them. */
async function keepPrefix(file: fsp.FileHandle, offset: number, hasher: ReturnType<typeof createHash> | undefined): Promise<void> {
  const { size } = await file.stat();
  if (size < offset) throw new PeersyncError("RESUME_MISMATCH", `Cannot resume at byte ${offset}: the partial file holds ${size} bytes`, { hint: "the next sync sends the file from the start" });
  await file.truncate(offset);
  const buffer = Buffer.allocUnsafe(256 * 1024);
  for (let done = 0; done < offset;) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, offset - done), null);
    if (bytesRead === 0) throw new PeersyncError("RESUME_MISMATCH", `Cannot resume at byte ${offset}: the partial file ended at ${done}`);
    hasher?.update(buffer.subarray(0, bytesRead));
    done += bytesRead;
  }
}

async function writeAll(file: fsp.FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** fsync a directory so a rename or unlink in it is durable. */
export async function syncDirectory(dir: string | Buffer): Promise<void> {
  const handle = await fsp.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } catch (err) {
    // NOTE: some filesystems (certain FUSE and network mounts) cannot fsync a directory; the
    // rename itself is done, so that is not worth failing the write for.
    if (!hasCode(err, "EINVAL") && !hasCode(err, "ENOTSUP")) throw err;
  } finally {
    await handle.close();
  }
}

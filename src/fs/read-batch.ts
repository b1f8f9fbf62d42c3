// The close look at many small files at once: open, fstat, read to the end, fstat again and
// close each, with every check of hashFile() (hash.ts) and in its order, but without the hash.
// Through the peersync_fs addon (native/src/read-files.cc) a batch runs on the libuv thread
// pool while the main thread hashes and records the batch before it (read-queue.ts); without
// the addon (or with PEERSYNC_NATIVE_READ=0) the same steps run here, synchronously, as
// hashFile's own. The caller hashes `content` with node:crypto (hashBytes), so the hash is
// byte for byte the one hashFile computes.
//
// Per file, one of: its bytes and the exact fstat they were read under; an fs error (ENOENT:
// vanished since the walk's lstat); a race (not a regular file now, another inode, written while
// it was read: ChangedWhileHashingError's three cases); or too big, left to hashFile's
// streaming path.

import { closeSync, fstatSync, openSync, readSync, type BigIntStats } from "node:fs";
import { getSystemErrorMap } from "node:util";
import { fsAddon } from "./fs-addon.js";
import { HASH_OPEN_FLAGS, sameContentStat } from "./hash.js";

/** Files bigger than this are not read in a batch (their bytes would sit in memory). */
export const READ_LIMIT = 64 * 1024;

export interface ReadRequest {
  readonly fsPath: string | Buffer;
  /** The inode the walk's lstat saw, as a number (Fingerprint.ino). */
  readonly ino: number;
}

/** The fields of a bigint fstat the entry model needs (a BigIntStats has them all). */
export type ExactStat = Pick<BigIntStats, "dev" | "ino" | "mode" | "uid" | "gid" | "size" | "mtimeNs" | "ctimeNs">;

export type FileRead =
  | { readonly type: "read"; readonly stat: ExactStat; readonly content: Buffer }
  | { readonly type: "failed"; readonly error: NodeJS.ErrnoException }
  | { readonly type: "changed"; readonly what: "file type" | "inode" | "content" }
  | { readonly type: "too-big" };

/** Reads a batch; never rejects (a failure is per file). */
export type ReadFiles = (requests: readonly ReadRequest[]) => Promise<FileRead[]>;

const TOO_BIG: FileRead = { type: "too-big" };
const CHANGED = {
  "file type": { type: "changed", what: "file type" },
  inode: { type: "changed", what: "inode" },
  content: { type: "changed", what: "content" },
} as const satisfies Record<string, FileRead>;

let chosen: ReadFiles | undefined;

/** The native batch reader, or the synchronous one when the addon is missing or turned off. */
export function fileReader(): ReadFiles {
  chosen ??= nativeReadFiles() ?? (async (requests) => readFilesSync(requests));
  return chosen;
}

/** hashFile's steps for each request, here on the main thread. */
export function readFilesSync(requests: readonly ReadRequest[], limit = READ_LIMIT): FileRead[] {
  return requests.map((r) => readOneSync(r, limit));
}

function readOneSync(request: ReadRequest, limit: number): FileRead {
  let fd: number;
  try {
    fd = openSync(request.fsPath, HASH_OPEN_FLAGS);
  } catch (err) {
    return { type: "failed", error: err as NodeJS.ErrnoException };
  }
  let result: FileRead;
  try {
    result = readOpen(fd, request.ino, limit);
  } catch (err) {
    result = { type: "failed", error: err as NodeJS.ErrnoException };
  }
  try {
    closeSync(fd);
  } catch (err) {
    if (result.type !== "failed") result = { type: "failed", error: err as NodeJS.ErrnoException };
  }
  return result;
}

let scratch: Buffer | undefined;

function readOpen(fd: number, ino: number, limit: number): FileRead {
  const before = fstatSync(fd, { bigint: true });
  if (!before.isFile()) return CHANGED["file type"];
  if (Number(before.ino) !== ino) return CHANGED.inode;
  if (before.size > BigInt(limit)) return TOO_BIG;
  if (scratch === undefined || scratch.length < limit + 1) scratch = Buffer.allocUnsafe(limit + 1);
  let length = 0;
  for (;;) {
    const n = readSync(fd, scratch, length, limit + 1 - length, null);
    if (n === 0) break;
    length += n;
    if (length > limit) return TOO_BIG; // grew past the limit while read
  }
  if (!sameContentStat(before, fstatSync(fd, { bigint: true }))) return CHANGED.content;
  return { type: "read", stat: before, content: Buffer.from(scratch.subarray(0, length)) };
}

// The addon's layout (native/src/read-files.cc).
interface FsAddon {
  readFiles(paths: readonly (string | Buffer)[], inos: Float64Array, limit: number): Promise<[BigInt64Array, Int32Array, Buffer]>;
}
/** int64 numbers per file in the addons' stat arrays (read-files.cc, write-files.cc). */
export const STAT_FIELDS = 10;
const STATUS_FIELDS = 4;
const OUTCOME_READ = 0;
const OUTCOME_FAILED = 1;
const OUTCOMES: readonly (FileRead | undefined)[] = [undefined, undefined, CHANGED["file type"], CHANGED.inode, CHANGED.content, TOO_BIG];
const SYSCALLS = ["open", "fstat", "read", "close"] as const;

/** The addon's reader, or undefined when it is missing (an older build) or turned off. */
export function nativeReadFiles(limit = READ_LIMIT): ReadFiles | undefined {
  if (process.env.PEERSYNC_NATIVE_READ === "0") return undefined;
  const addon = fsAddon() as Partial<FsAddon> | undefined;
  const readFiles = addon?.readFiles;
  if (typeof readFiles !== "function") return undefined;
  return async (requests) => {
    if (requests.length === 0) return [];
    const inos = Float64Array.from(requests, (r) => r.ino);
    let raw: [BigInt64Array, Int32Array, Buffer];
    try {
      raw = await readFiles(requests.map((r) => r.fsPath), inos, limit);
    } catch {
      // Not expected (the addon fails per file); the synchronous reader says what is wrong.
      return readFilesSync(requests, limit);
    }
    return decode(requests, raw);
  };
}

function decode(requests: readonly ReadRequest[], [stats, status, content]: [BigInt64Array, Int32Array, Buffer]): FileRead[] {
  const out: FileRead[] = [];
  let offset = 0;
  for (let i = 0; i < requests.length; i++) {
    const s = i * STATUS_FIELDS;
    const outcome = status[s]!;
    if (outcome === OUTCOME_READ) {
      const length = status[s + 3]!;
      out.push({ type: "read", stat: exactStat(stats, i * STAT_FIELDS), content: content.subarray(offset, offset + length) });
      offset += length;
    } else if (outcome === OUTCOME_FAILED) {
      out.push({ type: "failed", error: systemError(status[s + 1]!, SYSCALLS[status[s + 2]!] ?? "read", requests[i]!.fsPath) });
    } else {
      out.push(OUTCOMES[outcome] ?? CHANGED.content);
    }
  }
  return out;
}

const NS_PER_SEC = 1_000_000_000n;

/** Node's own arithmetic for BigIntStats (sec * 1e9 + nsec, from a BigInt64Array). */
export function exactStat(f: BigInt64Array, o: number): ExactStat {
  return {
    dev: f[o]!, ino: f[o + 1]!, mode: f[o + 2]!, uid: f[o + 3]!, gid: f[o + 4]!, size: f[o + 5]!,
    mtimeNs: f[o + 6]! * NS_PER_SEC + f[o + 7]!,
    ctimeNs: f[o + 8]! * NS_PER_SEC + f[o + 9]!,
  };
}

let errorMap: Map<number, [string, string]> | undefined;

/** The error Node's fs would have thrown for this errno and syscall (message, code, errno, syscall, path). */
export function systemError(errno: number, syscall: string, path: string | Buffer): NodeJS.ErrnoException {
  errorMap ??= getSystemErrorMap();
  const [code, description] = errorMap.get(-errno) ?? [`Unknown system error ${-errno}`, "unknown error"];
  // Node names the path only for calls that take one (open), as a string.
  const named = syscall === "open" ? String(path) : undefined;
  const err: NodeJS.ErrnoException = new Error(`${code}: ${description}, ${syscall}${named === undefined ? "" : ` '${named}'`}`);
  err.errno = -errno;
  err.code = code;
  err.syscall = syscall;
  if (named !== undefined) err.path = named;
  return err;
}

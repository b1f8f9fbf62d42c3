// The entry model: what a check observes on disk (FileState) and the compact stat fingerprint it
// compares with the index to decide, without reading the file, whether anything may have changed.
// Pure data and comparisons; src/fs/stat.ts builds these from lstat, src/index/ stores them.

export type EntryKind = "file" | "dir" | "symlink";

/** The attributes every kind carries. Times are nanoseconds since the epoch. */
interface BaseState {
  /** Full st_mode, type bits included (csync2's checktxt prints it this way). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Owner names at record time (undefined when the id has no name on this node). */
  readonly userName: string | undefined;
  readonly groupName: string | undefined;
  readonly mtimeNs: bigint;
  readonly size: number;
}

export interface FileEntryState extends BaseState {
  readonly kind: "file";
  /** Lower-case hex of the content hash (meta.hash_algorithm). */
  readonly hash: string;
}
export interface DirEntryState extends BaseState {
  readonly kind: "dir";
}
export interface SymlinkEntryState extends BaseState {
  readonly kind: "symlink";
  /** The link's target as stored (name-codec escaped), never followed. */
  readonly target: string;
}

/** A live entry as observed or recorded. A deleted entry is the absence of a FileState. */
export type FileState = FileEntryState | DirEntryState | SymlinkEntryState;

/**
 * What lstat says about an entry, reduced to the fields that move when anything about it
 * changes. Times are milliseconds as Node computes them for non-bigint Stats
 * (`sec * 1e3 + nsec / 1e6`), so the fast path can use the cheaper number lstat; the index
 * keeps the exact nanoseconds and derives these with msFromNs().
 * NOTE: a double of today's time in ms resolves about 0.25 µs; Linux stamps ctime from the
 * coarse clock (a tick, >= 1 ms), so two states of one inode never collide in practice.
 */
export interface Fingerprint {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly ino: number;
  readonly dev: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/** S_IFMT and the type values of st_mode (POSIX; the same on every Linux). */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

/** The entry kind of an st_mode, or undefined for what peersync does not sync (fifo, socket, device). */
export function kindOfMode(mode: number): EntryKind | undefined {
  switch (mode & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "symlink";
    default: return undefined;
  }
}

/** A human word for an st_mode type, for problems ("fifo", "socket", ...). */
export function typeWordOfMode(mode: number): string {
  switch (mode & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFDIR: return "directory";
    case S_IFLNK: return "symlink";
    case 0o010000: return "fifo";
    case 0o140000: return "socket";
    case 0o020000: return "character device";
    case 0o060000: return "block device";
    default: return "unknown file type";
  }
}

/** Splits nanoseconds since the epoch into Node's (sec, nsec) with 0 <= nsec < 1e9. */
export function splitNs(ns: bigint): { readonly sec: number; readonly nsec: number } {
  let sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    sec -= 1n;
  }
  return { sec: Number(sec), nsec: Number(nsec) };
}

/**
 * The millisecond time Node reports in Stats.mtimeMs for a timespec (lib/internal/fs/utils.js
 * msFromTimeSpec). Same arithmetic, so equal timespecs give identical doubles.
 */
export function msFromTimeSpec(sec: number, nsec: number): number {
  return sec * 1e3 + nsec / 1e6;
}

/** msFromTimeSpec() of a nanosecond time. */
export function msFromNs(ns: bigint): number {
  const { sec, nsec } = splitNs(ns);
  return msFromTimeSpec(sec, nsec);
}

/** True when nothing lstat can see has moved: the entry needs no closer look. */
export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return (
    a.ctimeMs === b.ctimeMs &&
    a.mtimeMs === b.mtimeMs &&
    a.size === b.size &&
    a.ino === b.ino &&
    a.dev === b.dev &&
    a.mode === b.mode &&
    a.uid === b.uid &&
    a.gid === b.gid
  );
}

// Scratch for fingerprintHash(): the 8 doubles viewed as 16 words.
const HASH_DOUBLES = new Float64Array(8);
const HASH_WORDS = new Uint32Array(HASH_DOUBLES.buffer);

/**
 * A 53-bit hash of a fingerprint, stored beside the exact fields so a check compares one
 * number per entry instead of reading eight columns. Two different fingerprints collide with
 * probability about 2^-53, i.e. a change goes unseen once in ~10^16 changed files (a full
 * check with --checksum would still find it).
 */
export function fingerprintHash(fp: Fingerprint): number {
  const d = HASH_DOUBLES;
  d[0] = fp.mode; d[1] = fp.uid; d[2] = fp.gid; d[3] = fp.size;
  d[4] = fp.ino; d[5] = fp.dev; d[6] = fp.mtimeMs; d[7] = fp.ctimeMs;
  let a = 0x9e3779b9;
  let b = 0x7f4a7c15;
  for (let i = 0; i < 16; i++) {
    const w = HASH_WORDS[i]!;
    a = Math.imul(a ^ w, 0x85ebca6b);
    a ^= a >>> 15;
    b = Math.imul(b ^ w, 0xc2b2ae35);
    b ^= b >>> 13;
    a = Math.imul(a ^ (b >>> 7), 0x27d4eb2f);
  }
  a ^= a >>> 16;
  b = Math.imul(b ^ (a >>> 11), 0x165667b1);
  b ^= b >>> 15;
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

/** Permission bits of st_mode (what SETMOD carries): rwx, setuid, setgid, sticky. */
export function permissionBits(mode: number): number {
  return mode & 0o7777;
}

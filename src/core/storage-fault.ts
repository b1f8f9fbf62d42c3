// Which failures of a write to this node's own files (the state dir: index, identity, run
// lock, hint spool) are the disk's doing, not peersync's, and what the operator does about
// each. A full or read-only state dir once surfaced as "internal error: database or disk is
// full ... this is a bug in peersync", as a bare "ENOSPC: no space left on device, write", or
// with the hint to move the index aside (which throws away every version vector) when only
// space was missing. Pure: callers pass the error's code (errno name or SQLite's extended
// code) and the directory; the edge that caught the error words what it was writing.

/** What stopped the write. */
export type StorageFault = "full" | "quota" | "read-only" | "denied" | "io";

/** The fault an error code names, or undefined when the code is not about the storage. */
export function storageFaultOf(code: unknown): StorageFault | undefined {
  if (typeof code !== "string") return undefined;
  switch (code) {
    case "ENOSPC":
    case "SQLITE_FULL":
      return "full";
    case "EDQUOT":
      return "quota";
    case "EROFS":
      return "read-only";
    case "EACCES":
    case "EPERM":
      return "denied";
    case "EIO":
      return "io";
    default:
      // SQLite's extended codes: SQLITE_READONLY_DIRECTORY, _RECOVERY, ... and SQLITE_IOERR_WRITE, _FSYNC, ...
      if (code === "SQLITE_READONLY" || code.startsWith("SQLITE_READONLY_")) return "read-only";
      if (code === "SQLITE_IOERR" || code.startsWith("SQLITE_IOERR_")) return "io";
      return undefined;
  }
}

export interface StorageFaultText {
  /** Why, to follow "Cannot write X: ". */
  readonly reason: string;
  /** What to do, one sentence. */
  readonly hint: string;
}

/** The reason and the hint for `fault` met while writing below `dir`. */
export function describeStorageFault(fault: StorageFault, dir: string): StorageFaultText {
  const again = "then run the command again (or restart the daemon): nothing was half-written";
  switch (fault) {
    case "full":
      return { reason: "the file system holding it is full", hint: `free space on the file system of ${dir} (df -h ${dir}), ${again}` };
    case "quota":
      return { reason: "the disk quota there is used up", hint: `free space or raise the quota on the file system of ${dir} (quota -s), ${again}` };
    case "read-only":
      return {
        reason: "the file system holding it is read-only",
        hint: `remount the file system of ${dir} read-write, or give peersync a writable state dir (state-dir in the config, or -D DIR), ${again}`,
      };
    case "denied":
      return { reason: "permission denied", hint: `run peersync as the user that owns ${dir} (root for the daemon), or fix the permissions there, ${again}` };
    case "io":
      return {
        reason: "the disk reported an I/O error",
        hint: `check the disk holding ${dir} (dmesg, smartctl); the index is intact up to its last commit, so once the disk is sound run the command again`,
      };
  }
}

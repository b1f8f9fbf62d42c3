// The handful of error classes that cross module boundaries. Each has a stable `code` that
// cli/main.ts maps to an exit code and that --json output carries, and a `hint` that tells the
// operator how to fix the cause. Per-path trouble is a Problem value (core/problem.ts), not one
// of these.

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface PeersyncErrorOptions {
  readonly cause?: unknown;
  /** What the operator can do about it, one sentence. */
  readonly hint?: string;
}

/** Base of every error peersync throws on purpose. */
export class PeersyncError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, options: PeersyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** The config text cannot be read or means something impossible. */
export class ConfigError extends PeersyncError {
  readonly location: Location | undefined;
  constructor(message: string, location?: Location, options: PeersyncErrorOptions = {}) {
    super("CONFIG", location ? `${location.file}:${location.line}:${location.column}: ${message}` : message, options);
    this.location = location;
  }
}

/**
 * A logical path (`%prefix%/...`) whose prefix has no directory on this node. `shown` is the
 * path as the message quotes it: as output shows it, or a path argument as the operator typed it.
 */
export class UnknownPrefixError extends ConfigError {
  readonly prefix: string;
  readonly host: string;
  constructor(shown: string, prefix: string, host: string) {
    super(`Cannot map path "${shown}": prefix "%${prefix}%" is not defined for host "${host}"`, undefined, {
      hint: `add an on ${host}: PATH; line to prefix ${prefix}`,
    });
    this.prefix = prefix;
    this.host = host;
  }
}

/** Several config errors found in one pass; config-check prints them all. */
export class ConfigErrors extends PeersyncError {
  readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    super("CONFIG", errors.map((e) => e.message).join("\n"), { hint: errors[0]?.hint });
    this.errors = errors;
  }
}

/** A command-line usage mistake. */
export class UsageError extends PeersyncError {
  constructor(message: string, options: PeersyncErrorOptions = {}) {
    super("USAGE", message, options);
  }
}

/** A peer sent malformed or unexpected bytes; only that session is dropped. */
export class ProtocolError extends PeersyncError {
  constructor(message: string, options: PeersyncErrorOptions = {}) {
    super("PROTOCOL", message, options);
  }
}

/** The group key, the node certificate or group membership does not check out. */
export class AuthError extends PeersyncError {
  constructor(message: string, options: PeersyncErrorOptions = {}) {
    super("AUTH", message, options);
  }
}

/** The peer answered with an error of its own. */
export class PeerError extends PeersyncError {
  readonly peer: string;
  readonly remoteCode: string | undefined;
  constructor(message: string, options: PeersyncErrorOptions & { peer: string; remoteCode?: string }) {
    super("PEER", message, options);
    this.peer = options.peer;
    this.remoteCode = options.remoteCode;
  }
}

/** librsync reported a failure; `rsCode` is the RS_* name (RS_CORRUPT, RS_BAD_MAGIC, ...). */
export class RsyncError extends PeersyncError {
  readonly rsCode: string;
  constructor(rsCode: string, message: string, options: PeersyncErrorOptions = {}) {
    super("RSYNC", message, options);
    this.rsCode = rsCode;
  }
}

/** The local index (SQLite) cannot be opened or is inconsistent. */
export class IndexError extends PeersyncError {
  constructor(message: string, options: PeersyncErrorOptions = {}) {
    super("INDEX", message, options);
  }
}

/**
 * A file's time is one the index cannot hold (core/entry.ts isRecordableNs): the path is
 * reported as a problem and left out of the index, the rest of the run goes on.
 */
export class TimeRangeError extends PeersyncError {
  constructor(what: string, ns: bigint, options: PeersyncErrorOptions = {}) {
    const when = ns > 0n ? "after 2262-04-11" : "before 1677-09-21";
    super("MTIME_RANGE", `Cannot record the ${what} ${ns / 1_000_000_000n} s since 1970: it is ${when}, outside what the index holds`, {
      hint: "give the file a real time (touch PATH) on this node; it syncs at the next check",
      ...options,
    });
  }
}

/**
 * A write to this node's own files (index, identity, run lock, hint spool) failed for a reason
 * of the disk's: full, over quota, read-only, not permitted, an I/O error (core/storage-fault.ts
 * words each). Not a bug and not damage: the operator fixes the disk and runs the command again.
 */
export class StorageError extends PeersyncError {
  readonly path: string;
  readonly fault: string;
  constructor(message: string, options: PeersyncErrorOptions & { path: string; fault: string }) {
    super("STORAGE", message, options);
    this.path = options.path;
    this.fault = options.fault;
  }
}

/** The daemon cannot listen where its config says (core/listen-failure.ts words why). */
export class ListenError extends PeersyncError {
  readonly address: string;
  readonly port: number;
  constructor(message: string, options: PeersyncErrorOptions & { address: string; port: number }) {
    super("LISTEN", message, options);
    this.address = options.address;
    this.port = options.port;
  }
}

/** Another peersync run holds the lock for this config. */
export class LockError extends PeersyncError {
  constructor(message: string, options: PeersyncErrorOptions = {}) {
    super("LOCKED", message, options);
  }
}

/** A command that a later release implements. */
export class NotImplementedError extends PeersyncError {
  constructor(command: string) {
    super("NOT_IMPLEMENTED", `Cannot run "${command}": not implemented yet`, {
      hint: "see `peersync --help` for the commands that work in this version",
    });
  }
}

/** The hint of a PeersyncError (what to do about it), if it has one. */
export function hintOf(err: unknown): string | undefined {
  return err instanceof PeersyncError ? err.hint : undefined;
}

/**
 * The message with the error's hint after it ("MESSAGE; HINT"), for lines that report one
 * peer's failure among others (test's ERROR lines, logs), where the "hint:" line of a fatal
 * error has no place: the fix must not be lost there.
 */
export function messageWithHint(err: unknown): string {
  const hint = hintOf(err);
  return hint === undefined ? messageOf(err) : `${messageOf(err)}; ${hint}`;
}

/** Best-effort message of anything thrown, for logs and problems. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

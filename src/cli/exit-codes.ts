// Exit codes. csync2 defines 0 (success), 1 (error) and 2 (listings: empty; -T: in sync); the
// finer codes are ours, for conditions csync2 has no code for. man/peersync.1 lists them all.
export const ExitCode = {
  /** Success; for -T: differences were found (csync2). */
  OK: 0,
  /** An error: bad config, bad usage, I/O failure. */
  ERROR: 1,
  /** Listings: nothing to list; -T: everything in sync (csync2). Also: setup needs root. */
  EMPTY: 2,
  /** Sync finished but conflicts were left unresolved (auto none). */
  CONFLICTS: 3,
  /** Some peers could not be reached; their changes stay pending. */
  PEERS_UNREACHABLE: 4,
  /** A safety stop halted a group (max-delete, vanished root). */
  SAFETY_STOP: 5,
  /** Another run holds the lock for this config. */
  LOCKED: 6,
  /** An action failed or timed out (files were synced). */
  ACTION_FAILED: 7,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

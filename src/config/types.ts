// The resolved, read-only configuration for the local node. Produced by config/resolve.ts from
// the csync2.cfg text (plus our extensions); everything downstream reads only these types.
//
// Paths: a "logical path" is csync2's file name: an absolute path, or prefix-encoded
// `%name%/rest` when it lies under a `prefix`. It is what the index stores and what travels on
// the wire; each node maps it to its own disk through its own prefixes (Config.toLocalPath).

import type { Location } from "../errors.js";

export const CONFLICT_POLICIES = ["none", "first", "younger", "older", "bigger", "smaller", "left", "right"] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

export interface Host {
  /** The name as written (lowercased, as csync2 does); compared with the local node name. */
  readonly name: string;
  /** Identity on the wire and connect target: `addr` of `name@addr`, else the name. */
  readonly address: string;
  /** TCP port: `name@addr:port`, else the group's or global `port`, else 30865. */
  readonly port: number;
  /** Listed in parentheses: receives, never sends. */
  readonly receiveOnly: boolean;
  /** csync2's on_left_side: this host appears before the local host in the group (for `auto left/right`). */
  readonly leftOfLocal: boolean;
  readonly at: Location;
}

export interface Action {
  /** Patterns matched against logical paths (csync2 semantics); empty means every file of the group. */
  readonly patterns: readonly string[];
  /** Shell text run by /bin/sh -c; `%%` stands for the matching paths. */
  readonly exec: string;
  /** Absolute path; csync2's default is /dev/null. */
  readonly logfile: string;
  readonly doLocal: boolean;
  readonly doLocalOnly: boolean;
  readonly timeoutMs: number;
  readonly at: Location;
}

/** How include/exclude patterns classify a logical path (csync2's csync_match_file). */
export type MatchResult = "match" | "descend" | "ignore";

export interface Group {
  readonly name: string;
  /** The local host's entry in this group. */
  readonly local: Host;
  /** Every other host of the group, in config order. */
  readonly peers: readonly Host[];
  readonly keyFile: string;
  /** The key file's first line, validated (csync2 rules: [A-Za-z0-9._], >= 32 chars). */
  readonly key: string;
  /** Pattern texts as written (logical form), in config order; kept for display and -T. */
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly compare: readonly string[];
  /**
   * The include, exclude and compare patterns in config order, as one canonical text: all that
   * match() decides by (a check keys its directory digests on it, see index/dir-digests.ts).
   */
  readonly rules: string;
  /** Logical paths where a walk of this group starts: the literal leading directories of the include path patterns. */
  readonly roots: readonly string[];
  /** Classifies a logical path for this group (pure; see config/match.ts). */
  readonly match: (logicalPath: string, options?: { readonly compareMode?: boolean }) => MatchResult;
  readonly auto: ConflictPolicy;
  /** Absolute directory, or undefined: then backups go under the state dir. */
  readonly backupDirectory: string | undefined;
  readonly backupGenerations: number;
  /** Safety stop: most deletions one run may send per peer; undefined = the default rule. */
  readonly maxDelete: number | undefined;
  readonly actions: readonly Action[];
  readonly watch: boolean;
  readonly debounceMs: number;
  readonly rescanIntervalMs: number;
  /** `tombstone-retention`: a deletion is remembered at least this long after every peer acknowledged it; undefined: 30 days. */
  readonly tombstoneRetentionMs?: number;
  readonly at: Location;
}

export interface Config {
  /** The main config file read (absolute). */
  readonly file: string;
  /** The local node name (-N or hostname), lowercased. */
  readonly localName: string;
  /** Directory for the index, identity, backups by default. */
  readonly stateDir: string;
  /** Port the daemon listens on (global `port`, -p, else 30865). */
  readonly port: number;
  /** Groups the local node is a member of, in config order. */
  readonly groups: readonly Group[];
  /** `%name%` → absolute local directory, for this node. */
  readonly prefixes: ReadonlyMap<string, string>;
  readonly ignore: { readonly uid: boolean; readonly gid: boolean; readonly mod: boolean };
  readonly tempdir: string | undefined;
  readonly lockTimeoutS: number;
  /** `nossl FROM TO` pairs as written; peersync refuses plain TCP, see man/peersync.cfg.5. */
  readonly nossl: readonly { readonly from: string; readonly to: string }[];
  /** Logical path → absolute local path (prefix substituted); throws ConfigError for an undefined prefix. */
  readonly toLocalPath: (logicalPath: string) => string;
  /**
   * Absolute local path → logical path (prefix-encoded when under a prefix directory; the
   * longest prefix directory wins). This is csync2's prefixencode for command-line paths. A walk
   * does not use it: like csync2, it names children by joining onto the logical root it started
   * from, so a file under a prefix directory reached from an absolute root keeps its absolute
   * name (test/interop/csync2-config.test.ts checks this against csync2 -cIr).
   */
  readonly toLogicalPath: (localPath: string) => string;
}

export const DEFAULT_PORT = 30865;

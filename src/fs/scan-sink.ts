// What the walk of a check (scanner.ts) hands its sink, the check's merge with the index
// (index/check-merge.ts): items in the byte order of their logical paths, problems, and the
// directory digests that let a later walk skip what did not change. The contract between the
// two sides, kept apart so each can be read against it without the other.

import type { Fingerprint } from "../core/file-state.js";
import type { Problem } from "../core/problem.js";

export type ScanItem =
  /** A matched file, directory or symlink. */
  | { readonly type: "entry"; readonly path: string; readonly fsPath: string | Buffer; readonly stat: Fingerprint }
  /** Whatever is recorded at exactly this path must be left alone (ignored, special, unreadable). */
  | { readonly type: "keep"; readonly path: string }
  /** Whatever is recorded below this path must be left alone (not listed: ignored or unreadable). */
  | { readonly type: "keep-below"; readonly path: string }
  /**
   * Directory `path` is as the last full look at it found it (its digest matched). What is
   * still recorded in the range of `after`, the subdirectory walked just before (if any), is
   * gone from disk; what is recorded below `path` from there up to `until` (the key `sub/` of
   * the subdirectory the walk enters next), or to the end of its range, stands.
   */
  | { readonly type: "unchanged"; readonly path: string; readonly after: string | undefined; readonly until: string | undefined };

export interface ScanSink {
  /** May return a promise (hashing); the walk waits for it. */
  readonly item: (item: ScanItem) => void | Promise<void>;
  readonly problem: (problem: Problem) => void;
  /**
   * How many entries the last full look at `dir` lstat'ed, when it stored this very digest;
   * undefined otherwise (the walk then looks at every entry).
   */
  readonly unchangedDir?: (dir: string, digest: number) => number | undefined;
  /**
   * The [name, whole] hashes of `dir`'s children that the look which stored its digest saw
   * (core/standing-entries.ts), asked for when the digest moved; undefined when unknown.
   */
  readonly childrenOf?: (dir: string) => Float64Array | undefined;
  /**
   * A look at `dir` handed all its entries to item(), or told which stand (unchanged items):
   * the digest and children hashes to keep if all went well there.
   */
  readonly dirListed?: (dir: string, digest: number, scanned: number, children: Float64Array) => void;
}

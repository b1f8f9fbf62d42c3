// The walk of one check target: lstat every entry under an include root (or one hinted path),
// apply the group's include/exclude, and hand the results to a sink in the byte order of their
// logical paths, which is the order of the index (SQLite BINARY collation). That shared order
// lets the check merge the walk with one streamed range of the index, in memory bounded by the
// depth of the tree, not its size.
//
// Order within a directory: an entry `n` sorts at key "n" but its subtree at key "n/", because
// a sibling such as "n.txt" ('.' < '/') comes between them in byte order.
//
// Never followed: symlinks (recorded with their target) and anything that is not a directory.
// Special files (fifo, socket, device) are reported and skipped; a directory that cannot be
// listed is reported and its subtree left alone (never mistaken for deleted).

import { readdirSync, type Stats } from "node:fs";
import type { MatchResult } from "../config/types.js";
import { kindOfMode, typeWordOfMode } from "../core/file-state.js";
import type { Problem } from "../core/problem.js";
import { MAX_PATH_BYTES } from "../core/path.js";
import { compareUtf8, decodeName, joinFsPath, needsEscaping } from "./name-codec.js";
import { lstatOrUndefined } from "./stat.js";

export type ScanItem =
  /** A matched file, directory or symlink. */
  | { readonly type: "entry"; readonly path: string; readonly fsPath: string | Buffer; readonly stat: Stats }
  /** Whatever is recorded at exactly this path must be left alone (ignored, special, unreadable). */
  | { readonly type: "keep"; readonly path: string }
  /** Whatever is recorded below this path must be left alone (not listed: ignored or unreadable). */
  | { readonly type: "keep-below"; readonly path: string };

export interface ScanSink {
  /** May return a promise (hashing); the walk waits for it. */
  readonly item: (item: ScanItem) => void | Promise<void>;
  readonly problem: (problem: Problem) => void;
}

export interface ScanTarget {
  /** Logical path of the target (a group root, a hinted or command-line path). */
  readonly path: string;
  /** Where it is on this node's disk. */
  readonly fsPath: string | Buffer;
  /** Walk the subtree too (full check, -r, recursive hint). */
  readonly recursive: boolean;
}

export interface ScanOptions {
  readonly match: (logicalPath: string) => MatchResult;
  /** Called about every few thousand entries so a daemon can yield to its event loop. */
  readonly onProgress?: (scanned: number) => void | Promise<void>;
}

interface Child {
  readonly key: string;
  readonly item: ScanItem | undefined;
  /** Set for directories to walk when the key is reached. */
  readonly dir?: { readonly path: string; readonly fsPath: string | Buffer };
  /** The path could not be examined: leave whatever is recorded below it alone too. */
  readonly keepBelow?: boolean;
}

const PROGRESS_EVERY = 4096;

export class Scanner {
  readonly #match: (logicalPath: string) => MatchResult;
  readonly #sink: ScanSink;
  readonly #onProgress: ((scanned: number) => void | Promise<void>) | undefined;
  #scanned = 0;
  #lastProgress = 0;

  constructor(sink: ScanSink, options: ScanOptions) {
    this.#sink = sink;
    this.#match = options.match;
    this.#onProgress = options.onProgress;
  }

  /** Entries lstat'ed so far. */
  get scanned(): number {
    return this.#scanned;
  }

  /** Walks one target. A target that does not exist yields nothing (its records are deletions). */
  async scan(target: ScanTarget): Promise<void> {
    const match = this.#match(target.path);
    if (match === "ignore") {
      await this.#emit({ type: "keep", path: target.path });
      return this.#emit({ type: "keep-below", path: target.path });
    }
    const child = this.#classify(target.path, target.fsPath, target.path, match);
    if (child.item) await this.#emit(child.item);
    if (child.keepBelow) await this.#emit({ type: "keep-below", path: target.path });
    if (child.dir && target.recursive) await this.#walk(child.dir.path, child.dir.fsPath);
  }

  async #walk(dir: string, dirFs: string | Buffer): Promise<void> {
    const names = this.#list(dir, dirFs);
    if (names === undefined) return this.#emit({ type: "keep-below", path: dir });
    const children: Child[] = [];
    for (const name of names) this.#addChild(children, dir, dirFs, name);
    children.sort(names.some(hasHighUnits) ? (a, b) => compareUtf8(a.key, b.key) : (a, b) => (a.key < b.key ? -1 : 1));
    for (const child of children) {
      if (child.item) await this.#emit(child.item);
      if (child.dir) await this.#walk(child.dir.path, child.dir.fsPath);
    }
  }

  /** The escaped names in a directory, or undefined (reported) when it cannot be listed. */
  #list(dir: string, dirFs: string | Buffer): string[] | undefined {
    try {
      const names = readdirSync(dirFs);
      if (!names.some(needsEscaping)) return names;
      return readdirSync(dirFs, { encoding: "buffer" }).map(decodeName);
    } catch (err) {
      this.#problem(dir, "readdir", "error", `Cannot list directory: ${errText(err)}`, err);
      return undefined;
    }
  }

  #addChild(children: Child[], dir: string, dirFs: string | Buffer, name: string): void {
    const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
    const match = this.#match(path);
    if (match === "ignore") {
      children.push({ key: name, item: { type: "keep", path } }, { key: `${name}/`, item: { type: "keep-below", path } });
      return;
    }
    const child = this.#classify(path, joinFsPath(dirFs, name), name, match);
    if (child.item) children.push({ key: name, item: child.item });
    if (child.keepBelow) children.push({ key: `${name}/`, item: { type: "keep-below", path } });
    if (child.dir) children.push({ key: `${name}/`, item: undefined, dir: child.dir });
  }

  /** lstat one path and decide what it contributes: an entry, a subtree, both or a keep. */
  #classify(path: string, fsPath: string | Buffer, key: string, match: MatchResult): Child {
    if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
      this.#problem(path, "path", "error", `Cannot check path: longer than ${MAX_PATH_BYTES} bytes`);
      return { key, item: { type: "keep", path }, keepBelow: true };
    }
    let stat: Stats | undefined;
    try {
      stat = lstatOrUndefined(fsPath);
    } catch (err) {
      this.#problem(path, "lstat", "error", `Cannot lstat: ${errText(err)}`, err);
      return { key, item: { type: "keep", path }, keepBelow: true };
    }
    this.#scanned++;
    if (stat === undefined) return { key, item: undefined }; // vanished since readdir: deleted
    const kind = kindOfMode(stat.mode);
    if (kind === undefined) {
      if (match === "match") this.#problem(path, "skip", "skipped", `Skipped: a ${typeWordOfMode(stat.mode)} is not synced`);
      return { key, item: { type: "keep", path } };
    }
    const item: ScanItem | undefined = match === "match" ? { type: "entry", path, fsPath, stat } : undefined;
    return { key, item, ...(kind === "dir" ? { dir: { path, fsPath } } : {}) };
  }

  async #emit(item: ScanItem): Promise<void> {
    const pending = this.#sink.item(item);
    if (pending) await pending;
    if (this.#onProgress && this.#scanned - this.#lastProgress >= PROGRESS_EVERY) {
      this.#lastProgress = this.#scanned;
      await this.#onProgress(this.#scanned);
    }
  }

  #problem(path: string, op: Problem["op"], severity: Problem["severity"], message: string, err?: unknown): void {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    this.#sink.problem({ path, op, severity, message, ...(code ? { code } : {}) });
  }
}

// UTF-16 and UTF-8 orders differ only where a surrogate meets U+E000..U+FFFF; a directory of
// names without either sorts with the engine's own (faster) string comparison.
const HIGH_UNITS = /[\uD800-\uFFFF]/;
function hasHighUnits(name: string): boolean {
  return HIGH_UNITS.test(name);
}

function errText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.syscall ?? "fs"})` : String(err);
}

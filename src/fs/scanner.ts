// The walk of one check target: lstat every entry under an include root (or one hinted path),
// apply the group's include/exclude, and hand the results to a sink in the byte order of their
// logical paths, which is the order of the index (SQLite BINARY collation). That shared order
// lets the check merge the walk with one streamed range of the index, in memory bounded by the
// depth of the tree (and a few directories of look-ahead), not its size.
//
// Order within a directory: an entry `n` sorts at key "n" but its subtree at key "n/", because
// a sibling such as "n.txt" ('.' < '/') comes between them in byte order.
//
// Pipeline: directories are listed (readdir + include/exclude) a few ahead of the merge, in the
// same depth-first order (list-ahead.ts), and their lstat batches run meanwhile, off the main
// thread when a statStarter is given (stat-native.ts, stat-pool.ts). The walk descends by the
// listing's d_type, so it never follows a symlink. What it hands the sink: scan-sink.ts.
//
// Never followed: symlinks (recorded with their target) and anything that is not a directory.
// Special files (fifo, socket, device) are reported and skipped; a directory that cannot be
// listed, or a path that cannot be lstat'ed, is reported and what is recorded there is left
// alone (never mistaken for deleted).

import type { MatchResult } from "../config/types.js";
import { kindOfMode, typeWordOfMode } from "../core/file-state.js";
import type { Problem } from "../core/problem.js";
import { MAX_PATH_BYTES } from "../core/path.js";
import { standingChildren } from "../core/standing-entries.js";
import { hasHighUnits, keyPath, listProbed, sortItems, type Listing, type ListedChild, type StatStarter } from "./dir-listing.js";
import type { DirProbe, ProbeDir } from "./dir-probe.js";
import { listAhead } from "./list-ahead.js";
import { compareUtf8, joinFsPath } from "./name-codec.js";
import { ProbeAhead, type ProbeTarget } from "./probe-ahead.js";
import type { ScanItem, ScanSink } from "./scan-sink.js";
import { isTempName } from "./temp-names.js";
import { errorAt, fingerprintAt, statBatch, STAT_FAILED, STAT_MISSING, type StatBatch } from "./stat-batch.js";

export type { ScanItem, ScanSink } from "./scan-sink.js";

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
  /** Where directories' lstat batches run (native addon or worker); inline when undefined. */
  readonly statStarter?: StatStarter;
  /**
   * Read each directory whole with the native probe (dir-probe.ts) instead, and skip those whose
   * digest the sink knows (unchangedDir). `seed` goes into every digest: the group's rules.
   */
  readonly probe?: { readonly dir: ProbeDir; readonly seed: number } | undefined;
  /** Called about every few thousand entries so a daemon can yield to its event loop. */
  readonly onProgress?: ((scanned: number) => void | Promise<void>) | undefined;
}

const PROGRESS_EVERY = 4096;

type EntryResult = boolean | "failed";

/** `value` now, or once `pending` settles. */
function after<T>(pending: void | Promise<void>, value: T): T | Promise<T> {
  return pending ? pending.then(() => value) : value;
}

export class Scanner {
  readonly #sink: ScanSink;
  readonly #options: ScanOptions;
  #scanned = 0;
  #lastProgress = 0;

  constructor(sink: ScanSink, options: ScanOptions) {
    this.#sink = sink;
    this.#options = options;
  }

  /** Entries lstat'ed so far. */
  get scanned(): number {
    return this.#scanned;
  }

  /** Walks one target. A target that does not exist yields nothing (its records are deletions). */
  async scan(target: ScanTarget): Promise<void> {
    const match = this.#options.match(target.path);
    if (match === "ignore") {
      await this.#emit({ type: "keep", path: target.path });
      return this.#emit({ type: "keep-below", path: target.path });
    }
    if (Buffer.byteLength(target.path) > MAX_PATH_BYTES) return this.#tooLong(target.path);
    const batch = statBatch([target.fsPath]);
    const isDir = await this.#entry({ name: target.path, path: target.path, fsPath: target.fsPath, match, isDir: false, statIndex: 0 }, batch);
    if (isDir === "failed") return this.#emit({ type: "keep-below", path: target.path });
    if (!isDir || !target.recursive) return;
    const probe = this.#options.probe;
    if (probe !== undefined) return this.#walkProbed({ path: target.path, fsPath: target.fsPath }, new ProbeAhead(probe.dir, probe.seed));
    const next = listAhead(target.path, target.fsPath, this.#options);
    const descend = (): Promise<void> => this.#consume(next(), descend);
    await descend();
  }


  /** Walks one directory read by the probe: skipped when the sink knows its digest, else looked at whole. */
  async #walkProbed(dir: ProbeTarget, ahead: ProbeAhead): Promise<void> {
    const probed = await ahead.take(dir);
    if ("error" in probed) return this.#unlistable(dir.path, probed.error);
    const known = probed.failed === 0 ? this.#sink.unchangedDir?.(dir.path, probed.digest) : undefined;
    if (known !== undefined) {
      this.#scanned += known;
      const subdirs = this.#subdirectories(dir, probed);
      ahead.want(subdirs);
      let after: string | undefined;
      for (const sub of subdirs) {
        await this.#emit({ type: "unchanged", path: dir.path, after, until: `${sub.path}/` });
        await this.#walkProbed(sub, ahead);
        after = sub.path;
      }
      return this.#emit({ type: "unchanged", path: dir.path, after, until: undefined });
    }
    const listing = listProbed(dir.path, dir.fsPath, probed, this.#options.match, this.#standing(dir.path, probed));
    ahead.want(listing.items.flatMap((item) => (item.type === "subtree" ? [item.child] : [])));
    const before = this.#scanned;
    this.#scanned += listing.standing ?? 0;
    let below = 0;
    await this.#consume(listing, async (child) => {
      const start = this.#scanned;
      await this.#walkProbed(child, ahead);
      below += this.#scanned - start;
    });
    if (probed.failed === 0) this.#sink.dirListed?.(dir.path, probed.digest, this.#scanned - before - below, probed.hashes);
  }

  /**
   * Which children of a directory whose digest moved still stand as the last look recorded
   * them: in a directory of many files where one changed, that one gets a look, not all.
   */
  #standing(dir: string, probed: DirProbe): Uint8Array | undefined {
    if (probed.failed !== 0 || probed.hashes.length === 0) return undefined;
    const stored = this.#sink.childrenOf?.(dir);
    return stored === undefined ? undefined : standingChildren(stored, probed.hashes);
  }

  /** The subdirectories a walk enters (not ignored), in key order: what a skipped directory still holds. */
  #subdirectories(dir: ProbeTarget, probed: DirProbe): ProbeTarget[] {
    const subdirs: (ProbeTarget & { key: string })[] = [];
    let highUnits = false;
    for (const i of probed.directoryIndexes()) {
      const name = probed.name(i);
      const path = dir.path === "/" ? `/${name}` : `${dir.path}/${name}`;
      if (isTempName(name) || this.#options.match(path) === "ignore") continue;
      highUnits ||= hasHighUnits(name);
      subdirs.push({ key: `${name}/`, path, fsPath: joinFsPath(dir.fsPath, name) });
    }
    sortItems(subdirs, highUnits);
    return subdirs;
  }

  #unlistable(dir: string, error: readonly [string, string]): void | Promise<void> {
    this.#problem(dir, "readdir", "error", `Cannot list directory: ${error[1]}`, error[0]);
    return this.#emit({ type: "keep-below", path: dir });
  }

  async #consume(listing: Listing, descend: (child: ListedChild) => Promise<void>): Promise<void> {
    if (listing.error !== undefined) return this.#unlistable(listing.dir, listing.error);
    const batch = await listing.stats;
    // Children that stand as recorded have no items: the rows between two items are theirs (or
    // tombstones, which a check passes over), and each item is preceded by a skip over them.
    const passing = (listing.standing ?? 0) > 0;
    let walked: string | undefined; // the subdirectory walked just before, if the last item was one
    let items = listing.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (passing) {
        await this.#emit({ type: "unchanged", path: listing.dir, after: walked, until: keyPath(item) });
        walked = undefined;
      }
      if (item.type === "subtree") {
        await descend(item.child);
        walked = item.child.path;
        continue;
      }
      if (item.type !== "entry") {
        await this.#emit({ type: item.type, path: item.path });
        continue;
      }
      // Unchanged entries come back synchronously: no promise per entry on a no-change check.
      let result = this.#entry(item.child, batch);
      if (result instanceof Promise) result = await result;
      if (result === "failed" && !item.child.isDir) {
        // Leave what is recorded below it alone too, at the key where that range starts.
        const key = `${item.child.name}/`;
        let at = i + 1;
        while (at < items.length && compareUtf8(items[at]!.key, key) < 0) at++;
        items = [...items.slice(0, at), { type: "keep-below", key, path: item.child.path }, ...items.slice(at)];
      }
    }
    if (passing) await this.#emit({ type: "unchanged", path: listing.dir, after: walked, until: undefined });
  }

  /** Emits one lstat'ed child; true when it is a directory, "failed" when lstat failed. */
  #entry(child: ListedChild, batch: StatBatch): EntryResult | Promise<EntryResult> {
    // A UTF-16 unit is at most 3 UTF-8 bytes: most paths need no byte count.
    if (child.path.length * 3 > MAX_PATH_BYTES && Buffer.byteLength(child.path) > MAX_PATH_BYTES) {
      return this.#tooLong(child.path).then(() => "failed" as const);
    }
    this.#scanned++;
    const status = batch.status[child.statIndex];
    if (status === STAT_MISSING) return false; // vanished since readdir: deleted
    if (status === STAT_FAILED) {
      const [code, message] = errorAt(batch, child.statIndex);
      this.#problem(child.path, "lstat", "error", `Cannot lstat: ${message}`, code);
      return after(this.#emit({ type: "keep", path: child.path }), "failed");
    }
    const stat = fingerprintAt(batch, child.statIndex);
    const kind = kindOfMode(stat.mode);
    if (kind === undefined) {
      if (child.match === "match") this.#problem(child.path, "skip", "skipped", `Skipped: a ${typeWordOfMode(stat.mode)} is not synced`);
      return after(this.#emit({ type: "keep", path: child.path }), false);
    }
    if (child.match !== "match") return kind === "dir";
    return after(this.#emit({ type: "entry", path: child.path, fsPath: child.fsPath, stat }), kind === "dir");
  }

  async #tooLong(path: string): Promise<void> {
    this.#problem(path, "path", "error", `Cannot check path: longer than ${MAX_PATH_BYTES} bytes`);
    await this.#emit({ type: "keep", path });
  }

  /** Hands one item to the sink; a promise only when the sink or the progress callback returns one. */
  #emit(item: ScanItem): void | Promise<void> {
    const pending = this.#sink.item(item);
    const onProgress = this.#options.onProgress;
    const due = onProgress !== undefined && this.#scanned - this.#lastProgress >= PROGRESS_EVERY;
    if (due) this.#lastProgress = this.#scanned;
    if (pending) return due ? pending.then(() => onProgress(this.#scanned)) : pending;
    if (due) return onProgress(this.#scanned);
  }

  #problem(path: string, op: Problem["op"], severity: Problem["severity"], message: string, code?: string): void {
    this.#sink.problem({ path, op, severity, message, ...(code ? { code } : {}) });
  }
}

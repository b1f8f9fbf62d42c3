// The check of one group (check-run.ts runs one per group): its targets, each walked
// (fs/scanner.ts) and merged with the index range in path order (check-merge.ts), except under
// a root that looks unmounted or below a path that is no directory any more. Also where the
// walk's lstat batches run and what seeds its directory digests. Split from check-run.ts,
// which prepares the run (scope, hints, write batches) and sums it up.

import { lstatSync } from "node:fs";
import { createHash } from "node:crypto";
import type { Config, Group } from "../config/types.js";
import { isWithin, parentOf, type LogicalPath } from "../core/path.js";
import type { Problem } from "../core/problem.js";
import { fsPath } from "../fs/name-codec.js";
import { Scanner } from "../fs/scanner.js";
import type { StatStarter } from "../fs/dir-listing.js";
import { StatPool } from "../fs/stat-pool.js";
import { nativeStatAt } from "../fs/stat-native.js";
import { nativeDirProbe } from "../fs/dir-probe.js";
import type { CheckOptions, CheckScope } from "./check-run.js";
import type { EntryStore } from "./entries.js";
import { EntryCursor } from "./entry-cursor.js";
import { TargetMerge, type MergeContext } from "./check-merge.js";
import { fullTargets, requestedTargets, type CheckRequest, type CheckTarget } from "./check-targets.js";
import { diskNow, walkReplaced } from "./replaced-dirs.js";
import { looksUnmounted, unmountedProblem } from "./root-safety.js";
import { isTransferPath } from "./transfer-paths.js";
import { tunable } from "../config/tunables.js";

/** What the groups of one run share while they are checked one after another. */
export interface GroupRun {
  readonly config: Config;
  readonly options: CheckOptions;
  readonly ctx: MergeContext;
  readonly entries: EntryStore;
  readonly requests: readonly CheckRequest[];
  readonly scope: CheckScope;
  readonly problems: Problem[];
  scanned: number;
  safetyStop: boolean;
  /** lstat on a second core for whole subtrees; made on first use, closed by runCheck. */
  pool: StatPool | undefined;
}

export async function checkGroup(run: GroupRun, group: Group): Promise<void> {
  const { config, options, entries } = run;
  const peers = options.init || group.local.receiveOnly ? [] : group.peers.map((p) => p.name);
  const targets = run.scope === "full" ? fullTargets(group) : walkReplaced(config, entries, group, requestedTargets(group, run.requests));
  // A writer's temp or partial file (fs/atomic-write.ts, sync/partial.ts) is never a version: recorded, it would travel to peers.
  const match = (p: string) => (isTransferPath(p) ? "ignore" : group.match(p));
  // Per root: left alone when it looks unmounted, whether the whole root or paths below it are
  // checked. A receiver re-checks the paths a peer offers (sync/recheck.ts): under an unmounted
  // root each looked deleted, was recorded as this node's deletion, and came back as a conflict
  // once the disk did.
  const unmounted = new Map<string, boolean>();
  const leftAlone = (root: string): boolean => {
    if (options.allowEmptyRoots) return false;
    let stop = unmounted.get(root);
    if (stop === undefined) {
      stop = looksUnmounted(config.toLocalPath(root), entries, group.name, root);
      unmounted.set(root, stop);
      if (stop) {
        run.safetyStop = true;
        run.problems.push(unmountedProblem(root, config.toLocalPath(root)));
      }
    }
    return stop;
  };
  for (const target of targets) {
    const local = config.toLocalPath(target.path);
    if (leftAlone(target.root)) continue;
    // What is recorded below a path that is no directory now is gone with it. Looked at alone,
    // a vanished directory's record became a tombstone while its children's stayed live: the
    // watcher reports `rm -rf d` as several paths, the push offered d's deletion before its
    // children's, and every receiver kept d ("it holds entries its deleter never saw"), which
    // then came back to the deleter (exploratory run, continuous mode).
    // A target below a symlink (or a file) in its parents is not there: its records are deletions.
    const blocked = hasNonDirectoryAncestor(config, target);
    const recursive = target.recursive || blocked || !isDirectoryNow(local);
    const merge = new TargetMerge(run.ctx, group, peers, new EntryCursor(entries, group.name, target.path, recursive));
    if (!blocked) {
      const statStarter = statStarterFor(run, target);
      const probe = statStarter !== undefined ? nativeDirProbe() : undefined;
      const walker = new Scanner(merge, {
        match, statStarter, onProgress: options.onProgress,
        probe: probe && { dir: probe, seed: digestSeed(group, local) },
      });
      try {
        await walker.scan({ path: target.path, fsPath: fsPath(local), recursive });
      } catch (err) {
        merge.abandon(); // reads under way record nothing after the run failed
        throw err;
      }
      run.scanned += walker.scanned;
    }
    await merge.finish();
  }
}

/**
 * Where a subtree's lstat batches run: the native addon on the thread pool when it is built
 * (fs/stat-native.ts), else a worker thread; inline for a single path (a few hinted paths are
 * not worth a thread) or when turned off (statWorker: false, PEERSYNC_CHECK_WORKER=0).
 */
function statStarterFor(run: GroupRun, target: CheckTarget): StatStarter {
  if (!target.recursive || run.options.statWorker === false || process.env.PEERSYNC_CHECK_WORKER === "0") return undefined;
  const native = nativeStatAt();
  if (native !== undefined) return native;
  const pool = (run.pool ??= new StatPool({ threads: tunable("PEERSYNC_CHECK_THREADS", process.env) ?? 2 }));
  return (request) => pool.stat(request.paths);
}

/**
 * What goes into every directory digest of a walk besides the directory itself: the group's
 * rules (they decide which names are entries) and where the target is on disk. A new config
 * or a new version of these rules makes every stored digest miss once.
 */
function digestSeed(group: Group, local: string): number {
  const hash = createHash("sha256").update(JSON.stringify([DIGEST_RULES_VERSION, group.name, group.rules, local])).digest();
  return hash.readUIntBE(0, 6);
}

/** Bump when what a walk makes of a directory's names changes (temp names, verdicts, order). */
const DIGEST_RULES_VERSION = 1;

function isDirectoryNow(local: string): boolean {
  return diskNow(fsPath(local)).kind === "dir";
}

/**
 * True when something between the target's root and the target is not a directory (a symlink,
 * a file, nothing): the walk must not pass it, and what was recorded below it is gone.
 */
function hasNonDirectoryAncestor(config: Config, target: CheckTarget): boolean {
  if (target.path === target.root) return false;
  const root = target.root as LogicalPath;
  for (let a = parentOf(target.path as LogicalPath); a !== undefined && isWithin(a, root); a = parentOf(a)) {
    try {
      const st = lstatSync(fsPath(config.toLocalPath(a)), { throwIfNoEntry: false });
      if (st === undefined || !st.isDirectory()) return true;
    } catch {
      return false; // cannot tell (EACCES, ...): the walk reports it and leaves records alone
    }
  }
  return false;
}

// A child arriving where its parent directory is missing here: the receiver re-creates the
// parents (the other half of core/reconcile.ts keepsDirectory), backing up a file or symlink
// in the way, unless an `auto none` conflict stands on one of them. Split from receive.ts;
// the dry run asks the same question without changing anything.

import * as fsp from "node:fs/promises";
import type { Logger } from "pino";
import type { Config, Group, Host } from "../config/types.js";
import { permissionBits } from "../core/file-state.js";
import { isWithin, parentOf, type LogicalPath } from "../core/path.js";
import { messageOf } from "../errors.js";
import { fsPath } from "../fs/name-codec.js";
import { pickRoot } from "../fs/safe-path.js";
import { runCheck } from "../index/check-run.js";
import { backupFile, keepable, type BackupOptions } from "./backup.js";
import { replacedBy, reportLoss } from "./loss-report.js";
import { ParentConflictError } from "./refusal.js";
import type { SyncIndex } from "./sync-index.js";
import { checkRoot, lstatOrUndefined } from "./target.js";

/** What the parents' work needs of the receiver, for one group. */
export interface ParentsContext {
  readonly config: Config;
  readonly group: Group;
  readonly index: SyncIndex;
  readonly logger: Logger;
  readonly backup: BackupOptions;
}

/** An ancestor reviveParents would make a directory: what stands there now (undefined: nothing). */
export interface MissingParent {
  readonly p: LogicalPath;
  readonly local: string;
  readonly st: Awaited<ReturnType<typeof lstatOrUndefined>>;
}

/**
 * Re-creates the missing parent directories of `path`, which this node deleted while a peer
 * made entries in them (the other half of keepsDirectory: a new child brings its directory
 * back). Each gets the mode it had here, and a check records it as this node's new version,
 * which beats the deletion everywhere. A file or symlink in the way goes (a file backed up
 * first, its loss to `from` reported): the directory `from` has entries in wins. Unless an
 * `auto none` conflict stands on it here: then `path` is refused (ParentConflictError) and
 * nothing changes, or the conflict line's "both versions kept" would be false on this node.
 */
export async function reviveParents(ctx: ParentsContext, path: LogicalPath, from: Host, seen?: Set<string>): Promise<void> {
  const { config, group } = ctx;
  const missing = await missingParents(ctx, path, seen);
  const made: string[] = [];
  for (const { p, local, st } of missing) {
    // A file or symlink where a peer has a directory with entries: the directory wins
    // (keepsDirectory), the file or symlink is backed up first.
    const backup = keepable(st) ? await backupFile(local, ctx.backup) : undefined;
    if (backup !== undefined) reportLoss(ctx.index, ctx.logger, { group: group.name, path: p, backup, reason: st?.isSymbolicLink() ? "symlink replaced by a directory" : replacedBy("dir"), peer: from.name });
    // A symlink with no backup (backup-generations 0): its
    // target, said here, is all there is to keep of it.
    if (st?.isSymbolicLink() && backup === undefined) {
      const target = await fsp.readlink(fsPath(local)).catch((err: unknown) => `(unreadable: ${messageOf(err)})`);
      ctx.logger.warn({ path: p, target, peer: from.name }, `symlink ${p} -> ${target} replaced by a directory from ${from.name}, which has entries in it`);
    }
    if (st !== undefined) await fsp.unlink(fsPath(local));
    const old = ctx.index.get(group.name, p)?.record;
    const mode = old?.kind === "dir" ? permissionBits(old.mode) : 0o755;
    await fsp.mkdir(fsPath(local), { mode });
    await fsp.chmod(fsPath(local), mode);
    made.push(local);
  }
  if (made.length === 0) return;
  ctx.logger.info({ path, dirs: made }, `re-created ${made.length} deleted parent director${made.length === 1 ? "y" : "ies"} of ${path}`);
  const summary = await runCheck(ctx.index.db, config, { paths: made, groups: [group.name], statWorker: false });
  for (const p of summary.problems) ctx.logger.warn({ path: p.path, err: p.message }, `re-check: ${p.message}`);
}

/**
 * The ancestors of `path` that are not directories here, each with what stands there; throws
 * what reviveParents would refuse `path` with before changing anything. Changes nothing, so a
 * dry run calls it too: its answer must be the real run's. `dryConflicts`: paths this dry run
 * answered `conflict` for, which a real run would have recorded by now.
 */
export async function missingParents(ctx: ParentsContext, path: LogicalPath, seen?: Set<string>, dryConflicts?: ReadonlySet<string>): Promise<MissingParent[]> {
  const { config, group } = ctx;
  const root = pickRoot(group.roots.map((r) => ({ logical: r as LogicalPath, local: config.toLocalPath(r) })), path);
  if (root === undefined) return [];
  const ancestors: LogicalPath[] = [];
  for (let p = parentOf(path); p !== undefined && p !== root.logical && isWithin(p, root.logical); p = parentOf(p)) ancestors.unshift(p);
  // Nothing is made in a root that is gone or looks unmounted (resolveTarget refuses the
  // entry itself the same way): directories made in a mount point land on the wrong disk.
  if (ancestors.length > 0) await checkRoot(group.name, root, ctx.index.entries);
  const missing: MissingParent[] = [];
  for (const p of ancestors) {
    const local = config.toLocalPath(p);
    // Below an ancestor that is not a directory, nothing is in place: it becomes an empty
    // directory first. An lstat there would look through a symlink at its target's entries:
    // d2/d3 seen through `d2 -> a` was taken for a directory in place, only d2 was made, and
    // the entry was refused (parent directory "d2/d3" does not exist; found by the
    // convergence policy search, seed 8326 under auto smaller, check batch 2).
    if (missing.length > 0) {
      missing.push({ p, local, st: undefined });
      continue;
    }
    if (seen?.has(local)) continue;
    const st = await lstatOrUndefined(fsPath(local));
    if (st?.isDirectory()) seen?.add(local);
    else missing.push({ p, local, st });
  }
  // Looked at before anything changes: the operator was told "both versions kept" for it.
  const held = missing.find(({ p }) => dryConflicts?.has(p) === true || conflictStands(ctx.index, group, p));
  if (held !== undefined) throw new ParentConflictError(path, held.p);
  return missing;
}

/**
 * An `auto none` conflict stands on `path` here (with any peer): both versions were said to
 * be kept, so nothing below it may turn this node's version into a directory.
 */
function conflictStands(index: SyncIndex, group: Group, path: LogicalPath): boolean {
  const id = index.get(group.name, path)?.record.id;
  return id !== undefined && index.versions.conflictsOf(id).length > 0;
}

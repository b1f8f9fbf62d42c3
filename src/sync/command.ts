// What `peersync sync` (-x) and `peersync update` (-u) share: the run lock, the check (sync
// only), the update, the report and the exit code (cli/exit-codes.ts). Exit priority: a safety
// stop (5) over unreachable peers (4) over unresolved conflicts (3) over failed actions (7)
// over per-path errors (1).

import type { CommandContext } from "../cli/context.js";
import { ExitCode } from "../cli/exit-codes.js";
import type { Config } from "../config/types.js";
import { lostHereText, NO_LOSSES, sumLost } from "../core/lost-here.js";
import { countProblems, formatProblem, sortProblems } from "../core/problem.js";
import { shownName } from "../core/shown-name.js";
import { runCheck, type CheckSummary } from "../index/check-run.js";
import { carriedText, carryGoneGroups } from "../index/group-carry.js";
import { dropReceiveOnlyPending, droppedText, type DroppedPending } from "../index/receive-only-pending.js";
import { checkPathOf, configFromOptions, logicalPathOf, withIndex } from "../index/command-support.js";
import { heldIn } from "../index/held-paths.js";
import { checkProgress, syncProgress } from "../cli/progress-runs.js";
import { messageOf } from "../errors.js";
import { switchValue } from "../config/tunables.js";
import type { Db } from "../index/database.js";
import { createLogger, type Logger } from "../log.js";
import { problemsText, recordRun, type RunOutcome } from "../status/run-record.js";
import { prepareIdentity } from "../net/identity.js";
import { contentKey, ContentCache } from "./content-cache.js";
import { acquireRunLock } from "./lock.js";
import { sweepTemps } from "./sweep.js";
import type { UpdateSummary } from "./update.js";
import { DeltaPrefetch } from "./delta-prefetch.js";
import { EarlySessions } from "./early-sessions.js";
import { EarlyPush } from "./early-push.js";
import { openPeerPool } from "./peer-pool.js";
import { updateStep } from "./update-step.js";
import { markNewPeers } from "../watch/new-peers.js";

export interface SyncCommandOptions {
  /** Run a check first (sync); update alone does not. */
  readonly check: boolean;
  readonly hinted?: boolean;
  readonly init?: boolean;
  readonly markForced?: boolean;
}

export async function runSyncCommand(ctx: CommandContext, paths: readonly string[], options: SyncCommandOptions): Promise<number> {
  const o = ctx.options;
  const config = configFromOptions(o);
  const logger = createLogger({ verbose: o.verbose, name: options.check ? "sync" : "update" });
  const lock = await acquireRunLock(config.stateDir);
  try {
    // A run killed before (kill -9, power loss) may have left temp files of versions it took
    // back; it also left its lock, so only then is the tree walked for them (a second walk of
    // the whole tree cost a no-change run of 10,000 files about 10 % of its time). Temp files of
    // a daemon on this node are its own to sweep (sync/daemon.ts, at every start).
    if (!o.dryRun && lock.tookOverStale) await sweepTemps(config);
    // A first run makes this node's key pair on the thread pool while its check walks the tree
    // (runUpdate reads it; a failure here is reported there).
    const identity = prepareIdentity(config.stateDir).catch(() => undefined);
    return await withIndex(config.stateDir, async (db) => {
      let check: CheckSummary | undefined;
      // The small files the check reads for new versions, so the push need not read them again.
      const contents = new ContentCache();
      // A one-shot run: report() names each peer not reached, once; the pool and update log them at debug.
      const early = new EarlySessions({ open: () => openPeerPool(db, config, logger, { oneShot: true }), config, ready: identity, peers: o.peers });
      // Big changed files: their deltas begin while the check hashes them.
      const deltas = new DeltaPrefetch({ config, session: (group, host) => early.session(group, host), peers: o.peers });
      // What the check records goes out while it walks on (early-push.ts); not in a dry run, nor
      // with -I (it makes nothing pending).
      const pushEarly = options.check && !o.dryRun && options.init !== true && switchValue("PEERSYNC_EARLY_PUSH", process.env) !== "0";
      // A deletion pasted as list-pending shows it exists in neither reading: the index tells.
      const held = heldIn(db, config.groups);
      const filters = paths.map((p) => ({ path: logicalPathOf(config, p, { held }), recursive: o.recursive }));
      const earlyPush = pushEarly ? new EarlyPush({
        db, config, logger, session: (group, host) => early.session(group, host), groups: o.groups, peers: o.peers, paths: filters, contents, deltas,
        item: (line) => (o.verbose > 0 && !o.json ? ctx.out(line) : undefined),
      }) : undefined;
      try {
        if (options.check) {
          // NOTE: with -d the check still records what it finds in the index (bookkeeping of this
          // node's own disk, which a later check would record the same way): without it, a dry
          // run could not say what the peers would get. Files and peers are left alone.
          const checking = checkProgress(ctx, db);
          check = await runCheck(db, config, {
            paths: paths.map((p) => checkPathOf(config, p, { held })), recursive: o.recursive, full: !options.hinted, init: options.init === true,
            markForced: options.markForced === true, explainExcluded: true, ...(o.groups ? { groups: o.groups } : {}), onProgress: checking.onProgress,
            onSuspect: early.suspect, onLargeSuspect: deltas.suspect, onContent: (group, path, hash, content) => contents.keep(contentKey(group, path, hash, content.length), content),
            ...(earlyPush ? { onChange: earlyPush.onChange, onCommit: earlyPush.onCommit } : {}),
          }).finally(checking.done).finally(() => earlyPush?.finish());
          for (const d of check.receiveOnlyDropped) ctx.err(droppedText(d, { dryRun: o.dryRun }));
          reportDrift(ctx, config, check);
        }
        if (!o.dryRun) for (const d of markPeersAddedOrRemoved(db, config, logger)) ctx.err(droppedText(d));
        await identity;
        const progress = syncProgress(ctx, db, options.check ? "sync" : "update");
        const update = await updateStep(db, config, {
          logger, oneShot: true, dryRun: o.dryRun, ...(o.groups ? { groups: o.groups } : {}), ...(o.peers ? { peers: o.peers } : {}),
          ...(early.pool ? { pool: early.pool } : {}), contents, deltas, ...(earlyPush ? { early: earlyPush } : {}),
          paths: filters,
          item: (line) => (progress.item(line), (o.dryRun || o.verbose > 0) && !o.json ? ctx.out(line) : undefined),
        }).finally(progress.done);
        if (!o.dryRun) recordOutcomes(db, update, [...update.safetyStops, ...rootStops(config, check)], logger);
        report(ctx, check, update);
        return exitCodeOf(check, update);
      } finally {
        await deltas.close();
        await early.close();
      }
    });
  } finally {
    await lock.release();
  }
}

/**
 * A host added to a group since the last run gets every entry of the group, and a host removed
 * from it loses its pending rows (watch/new-peers.ts): without this, a group driven by cron
 * never sent a new host the files that did not change after it joined.
 */
function markPeersAddedOrRemoved(db: Db, config: Config, logger: Logger): DroppedPending[] {
  // An update without a check (-u) carries a renamed group's rows here (a check did already),
  // and drops those of a switch to receive-only (returned, for the caller to say).
  for (const c of carryGoneGroups(db, config)) logger.info(c, carriedText(c));
  for (const m of markNewPeers(db, config, "all")) {
    logger.info(m, `new peer "${m.peer}" in group "${m.group}": ${m.entries} entries marked for it`);
  }
  return dropReceiveOnlyPending(db, config);
}

/** What status shows as each peer's last sync and last error (status/run-record.ts); never fails the run. */
function recordOutcomes(db: Db, u: UpdateSummary, stops: UpdateSummary["safetyStops"], logger: Logger): void {
  const outcomes: RunOutcome[] = [
    ...u.results.map((r) => ({ group: r.group, peer: r.peer, reached: true, error: problemsText(r.problems) })),
    ...u.unreachable.map((x) => ({ group: x.group, peer: x.peer, reached: false, error: x.hint !== undefined ? `${x.message}; ${x.hint}` : x.message })),
    ...stops.flatMap((s) => s.peers.map((peer) => ({ group: s.group, peer, reached: false, error: `safety stop: ${s.message}` }))),
  ];
  try {
    recordRun(db, outcomes, Date.now());
  } catch (err) {
    logger.warn({ err: messageOf(err) }, `cannot record this run's peers for status: ${messageOf(err)}`);
  }
}

/**
 * The check's unmounted-root stops, as the groups of that root and their peers: status names
 * them on each peer's line, as it names a max-delete stop, rather than an older error or none.
 */
function rootStops(config: Config, check: CheckSummary | undefined): UpdateSummary["safetyStops"] {
  const roots = (check?.problems ?? []).filter((p) => p.severity === "safety" && p.op === "root");
  return roots.flatMap((p) => config.groups
    .filter((g) => !g.local.receiveOnly && g.match(p.path) !== "ignore")
    .map((g) => ({ group: g.name, peers: g.peers.map((h) => h.name), message: `${p.path}: ${p.message}` })));
}

/** A receive-only host's local changes are drift: say so (they are overwritten by the next push). */
function reportDrift(ctx: CommandContext, config: Config, check: CheckSummary): void {
  const ro = config.groups.filter((g) => g.local.receiveOnly);
  const changed = check.new + check.modified + check.deleted;
  if (ro.length > 0 && changed > 0) {
    // Nothing is sent from here: a change waits for the group's version of that path, and a path
    // the group does not change again keeps the drift (a deleted file stays deleted here).
    ctx.err(`drift: ${changed} local change(s) on this receive-only host (groups ${ro.map((g) => g.name).join(", ")}); nothing is sent from here: ` +
      "each is backed up and replaced when the group's version of its path next arrives; to restore a path now, run `peersync mark PATH` and `peersync sync` on a host that sends");
  }
}

function report(ctx: CommandContext, check: CheckSummary | undefined, u: UpdateSummary): void {
  if (!ctx.options.json) for (const c of check?.carried ?? []) ctx.err(carriedText(c));
  for (const p of sortProblems(check?.problems ?? [])) ctx.err(formatProblem(p));
  for (const s of u.safetyStops) ctx.err(`safety stop: ${shownName(s.message)}`);
  for (const x of u.unreachable) {
    ctx.err(`unreachable: ${x.group}/${x.peer}: ${shownName(x.message)}`);
    if (x.hint !== undefined) ctx.err(`  hint: ${x.hint}`);
  }
  for (const r of u.results) {
    for (const p of r.problems) ctx.err(`error: ${r.peer}: ${shownName(p.path)}: ${shownName(p.message)}`);
    for (const c of r.conflicts) ctx.err(`conflict: ${r.peer}: ${shownName(c)}: both versions kept (auto none); \`peersync force ${shownName(c)}\` picks this node's`);
    // Exit 7 must say why: the files are synced, an action the batch triggered failed there.
    if (r.actionsFailed > 0) ctx.err(`action failed: ${r.peer}: ${r.actionsFailed} run(s) of group "${r.group}"'s actions failed there; its action logfile and \`peersync status\` on ${r.peer} say why`);
  }
  const sum = (f: (r: UpdateSummary["results"][number]) => number): number => u.results.reduce((n, r) => n + f(r), 0);
  const line = {
    peers: new Set(u.results.map((r) => `${r.group}/${r.peer}`)).size, offered: sum((r) => r.offered), applied: sum((r) => r.applied), sent: sum((r) => r.sent),
    fetched: sum((r) => r.fetched), inSync: sum((r) => r.inSync), conflicts: u.conflicts,
    conflictsWon: sum((r) => r.conflictsWon), conflictsLost: sum((r) => r.conflictsLost),
    conflictsLostKept: u.results.reduce((n, r) => sumLost(n, r.lostKept), NO_LOSSES), problems: u.problems,
    stale: sum((r) => r.stale.length),
    unreachable: u.unreachable.map((x) => x.peer), safetyStops: u.safetyStops.length, actionsFailed: u.actionsFailed,
    ...(check ? { checked: { new: check.new, modified: check.modified, deleted: check.deleted }, carried: check.carried } : {}),
  };
  if (ctx.options.json) return ctx.out(JSON.stringify({ dryRun: ctx.options.dryRun, ...line }));
  if (ctx.options.verbose === 0 && !ctx.options.dryRun && line.offered === 0 && u.unreachable.length === 0) return;
  // A dry run applies, sends and settles nothing: its counts would all read 0.
  if (ctx.options.dryRun) {
    // A halted group offers nothing: "the lines above" are then its safety stop, not per-peer lines.
    const halted = u.safetyStops.length > 0 ? `; ${u.safetyStops.length} group(s) halted by a safety stop (above): a real run would send them nothing` : "";
    return ctx.out(`dry run: ${line.peers} peer(s), ${line.offered} entr${line.offered === 1 ? "y" : "ies"} offered${halted}; nothing changed (the lines above say what each peer would do)`);
  }
  const settled = line.conflictsWon + line.conflictsLost;
  // "sent" counts files sent with content, whether or not the peer then applied them; one the
  // peer answered it already held counts as in sync (push-context.ts countSent).
  ctx.out(`${line.peers} peer(s): ${line.applied} applied there, ${line.sent} sent with content, ` +
    `${line.fetched} taken back, ${line.inSync} already in sync, ` +
    `${settled} conflict(s) settled${settled > 0 ? ` (${line.conflictsWon} won, ${lostHereText(line.conflictsLostKept)})` : ""}, ` +
    `${line.conflicts} left unresolved, ${line.problems} error(s)` +
    // Not errors: those files changed here since the check or while they went (-v names them).
    (line.stale > 0 ? `, ${line.stale} changed while being sent (sent after the next check)` : "") +
    (line.actionsFailed > 0 ? `, ${line.actionsFailed} action run(s) failed` : "") +
    (line.unreachable.length ? `; not reached: ${line.unreachable.join(", ")}` : ""));
}

function exitCodeOf(check: CheckSummary | undefined, u: UpdateSummary): number {
  if (check?.safetyStop || u.safetyStops.length > 0) return ExitCode.SAFETY_STOP;
  if (u.unreachable.length > 0) return ExitCode.PEERS_UNREACHABLE;
  if (u.conflicts > 0) return ExitCode.CONFLICTS;
  if (u.actionsFailed > 0) return ExitCode.ACTION_FAILED;
  if (u.problems > 0 || countProblems(check?.problems ?? [], "error") > 0) return ExitCode.ERROR;
  return ExitCode.OK;
}

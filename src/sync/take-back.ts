// Taking a peer's version back (the answer "theirs": the peer's version won, or we were
// behind), from the pusher's side: re-check our disk, fetch the version, back ours up when it
// lost a conflict, apply it, record it, and make it pending for our other peers.

import { keptOnlyByUs } from "../core/lost-history.js";
import { addLost, lostKeep } from "../core/lost-here.js";
import { relayPeers } from "../core/tombstone.js";
import { bumpVector, mergeVectors } from "../core/vector.js";
import type { LogicalPath } from "../core/path.js";
import type { EntryState } from "../core/entry.js";
import { shownName } from "../core/shown-name.js";
import { messageOf } from "../errors.js";
import type { Answer } from "../net/messages.js";
import { applyVersion } from "./apply.js";
import { BackupError, backupFile, backupForeign, keepable } from "./backup.js";
import { FIRST_VERSION_REPLACED, lossReasonOfLabel, reportLoss, reportUnkept } from "./loss-report.js";
import { isSessionError, kindCode, problem, unchanged, type PeerResult, type PushContext, type Work } from "./push-context.js";
import type { LocalEntry } from "./sync-index.js";
import { resolveTarget } from "./target.js";
import { ChangedMeanwhileError, getFile } from "./transfer.js";

/** takeBack() for each, in order: a path's failure is that path's problem; the session's stops them all. */
export async function takeBackEach(ctx: PushContext, theirs: readonly { readonly work: Work; readonly answer: Extract<Answer, { kind: "theirs" }> }[], result: PeerResult): Promise<void> {
  for (const t of theirs) {
    try {
      await takeBack(ctx, t.work, t.answer, result);
    } catch (err) {
      if (isSessionError(ctx, err)) throw err;
      problem(ctx, result, t.work.path, messageOf(err));
    }
  }
}

/** The peer's version won (or we were behind): apply it here, backing ours up if it lost a conflict. */
export async function takeBack(ctx: PushContext, w: Work, answer: Extract<Answer, { kind: "theirs" }>, result: PeerResult): Promise<void> {
  // Peers are pushed in parallel, and two of them may both answer "theirs" for one path. One
  // take-back at a time, each re-reading our disk and index under the lock: the second then
  // finds our version replaced and leaves the path to the next round. Unserialised, both wrote
  // the file and recorded it in either order, so the index could name one peer's version
  // (and vector) while the disk held the other's, and the next edit here claimed to supersede
  // a version it never held: that peer then replaced it without a backup.
  const releasePath = await ctx.receiver.lockPath(w.path);
  const release = await ctx.receiver.mutex.lock();
  try {
    await takeBackLocked(ctx, w, answer, result);
  } finally {
    release();
    releasePath();
  }
}

async function takeBackLocked(ctx: PushContext, w: Work, answer: Extract<Answer, { kind: "theirs" }>, result: PeerResult): Promise<void> {
  const entry = answer.entry;
  // Our disk may have changed since this run's check: look again, so an edit made meanwhile
  // becomes a version of its own (offered next run) instead of being overwritten silently.
  if ((await ctx.receiver.recheck(ctx.group, [w.path])).has(w.path)) {
    return problem(ctx, result, w.path, "the file here changed while it was checked: not replaced now; the next run retries");
  }
  const current = unchanged(ctx, w);
  if (!current) return;
  // A directory here that still holds entries survives the peer's deletion of it, or its
  // file or symlink, which then lost here: a copy of that is kept first.
  if (await ctx.receiver.keepsDir(ctx.group, w.path, entry, () => keepPeersVersion(ctx, w.path, entry))) return;
  const vector = mergeVectors(current.entry.vector, answer.vector);
  ctx.item(`${ctx.host.name}\t<${kindCode(answer.entry.kind)}\t${shownName(w.path)}\t${answer.decision}`);
  // Ours (a file or a symlink) lost a conflict, or is a first version of ours the peer calls
  // behind (a write made after this node's history was lost?), or is a file a directory or
  // symlink replaces: keep a copy.
  const firstOfOurs = answer.decision === "keep-local" && keptOnlyByUs(current.entry.vector, ctx.group.local.name);
  const kindChange = entry.kind === "dir" || entry.kind === "symlink";
  const conflict = answer.decision.startsWith("conflict");
  const lost = w.local.entry.kind === "file" ? conflict || kindChange || firstOfOurs : w.local.entry.kind === "symlink" && (conflict || firstOfOurs);
  const reason = firstOfOurs && !kindChange ? FIRST_VERSION_REPLACED : lossReasonOfLabel(answer.decision, entry.kind);
  let fetched: Awaited<ReturnType<typeof getFile>> | undefined;
  try {
    if (entry.kind === "file" && entry.size > 0) {
      try {
        fetched = await getFile(ctx.session, w.path);
        if (fetched.entry.kind !== "file" || fetched.entry.hash !== entry.hash) throw new ChangedMeanwhileError(w.path);
      } catch (err) {
        if (lost) await keepLoser(ctx, w.path, reason);
        throw err;
      }
    }
    if (entry.kind !== "deleted") await ctx.receiver.reviveParents(ctx.group, w.path, ctx.host);
    const target = await resolveTarget(ctx.config, ctx.group, w.path);
    // Decided on the index as the re-check above left it; a local write during the fetch makes
    // the swap refuse (replace.ts), and the next run decides between that write and the peer's.
    const applied = await applyVersion(target, entry, ctx.deps, {
      backup: lost, expect: () => ctx.index.expected(ctx.group.name, w.path), ...(fetched ? { content: fetched.content } : {}),
    }).catch((err: unknown) => {
      if (err instanceof BackupError) holdLoser(ctx, current);
      throw err;
    });
    ctx.receiver.record(ctx.group, w.path, entry, applied.observed, vector, ctx.host);
    if (applied.backupPath) {
      reportLoss(ctx.index, ctx.logger, { group: ctx.group.name, path: w.path, backup: applied.backupPath, reason, peer: ctx.host.name });
    } else if (lost && ctx.deps.backup.generations < 1) reportUnkept(ctx.index, ctx.logger, { group: ctx.group.name, path: w.path, reason, peer: ctx.host.name });
    // Our other peers have the version we just replaced: they need this one.
    const id = ctx.index.entries.get(ctx.group.name, w.path)?.id;
    const others = relayPeers(ctx.group.peers.map((h) => h.name), ctx.host.name, { receiveOnly: ctx.group.local.receiveOnly });
    if (id !== undefined) ctx.index.pending.mark(id, others);
    result.fetched++;
    result.fetchedPaths.push(w.path);
    // The peer's label: "local" is the peer.
    if (answer.decision.startsWith("conflict-local-wins")) {
      result.conflictsLost++;
      result.lostKept = addLost(result.lostKept, lostKeep(current.entry.kind, applied.backupPath !== undefined));
    }
  } finally {
    await fetched?.close();
  }
}

/**
 * Our directory keeps its entries against the peer's file or symlink, which then lost; and
 * the directory's new version covers the peer's (it merges its vector), so if this node
 * deleted the directory before the peer ever saw it, that deletion replaced the peer's file
 * as merely older, without a backup anywhere (found by the convergence test's policy search:
 * seed 7320 under auto right). Only the peer held that version: fetched and kept here now,
 * before the directory is recorded; a failure leaves everything for the next run.
 */
async function keepPeersVersion(ctx: PushContext, path: LogicalPath, entry: EntryState): Promise<void> {
  if (entry.kind !== "file" && entry.kind !== "symlink") return;
  const reason = `${entry.kind === "file" ? "file" : "symlink"} lost to a directory with entries`;
  const target = await resolveTarget(ctx.config, ctx.group, path);
  if (ctx.deps.backup.generations < 1) return reportUnkept(ctx.index, ctx.logger, { group: ctx.group.name, path, reason, peer: ctx.host.name });
  let saved: string | undefined;
  if (entry.kind === "symlink") {
    saved = await backupForeign(target.local, { kind: "symlink", target: entry.target, mtimeNs: entry.mtimeNs }, ctx.deps.backup);
  } else {
    const fetched = entry.size > 0 ? await getFile(ctx.session, path) : undefined;
    try {
      // The peer no longer holds that version: it replaced it itself since it answered, with
      // an edit of its own (a newer version, not a loss) or with the directory an entry this
      // run sent below the path brought back (parents.ts backs the file up there). Nothing to
      // keep here, and the directory stays as the rule says.
      if (fetched && (fetched.entry.kind !== "file" || fetched.entry.hash !== entry.hash)) return;
      const data = fetched?.content ?? (async function* () {})();
      saved = await backupForeign(target.local, { kind: "file", data, mode: entry.mode, mtimeNs: entry.mtimeNs, expectedHash: { algorithm: ctx.deps.algorithm, hex: entry.hash } }, ctx.deps.backup);
    } finally {
      await fetched?.close();
    }
  }
  if (saved) reportLoss(ctx.index, ctx.logger, { group: ctx.group.name, path, backup: saved, reason, peer: ctx.host.name, note: `${ctx.host.name}'s version, kept here: only ${ctx.host.name} held it` });
}

/**
 * The peer answered that ours lost a conflict and recorded a vector that covers ours, so its
 * next version replaces ours as merely older, without a backup. When the fetch of the winner
 * fails (the peer's file changed meanwhile, the session broke), ours is backed up now: it was
 * decided the loser, and only this copy would keep it (found by the 30-minute churn soak).
 */
async function keepLoser(ctx: PushContext, path: LogicalPath, reason: string): Promise<void> {
  try {
    const target = await resolveTarget(ctx.config, ctx.group, path);
    if (!keepable(target.stat)) return;
    const saved = await backupFile(target.local, ctx.deps.backup);
    if (saved) reportLoss(ctx.index, ctx.logger, { group: ctx.group.name, path, backup: saved, reason, peer: ctx.host.name, note: "the winner could not be fetched yet" });
  } catch (err) {
    ctx.logger.error({ path, err: messageOf(err) }, `lost a conflict: ${path} could not be backed up: ${messageOf(err)}`);
    const local = ctx.index.get(ctx.group.name, path);
    if (local) holdLoser(ctx, local);
  }
}

/**
 * Ours lost a conflict and could not be backed up, so it stays on disk; but the peer recorded
 * a vector covering it when it decided, and the next offer of this version would be answered
 * "keep-local" and replace it without a backup (found by filling the backup filesystem: the
 * loser was gone in the same run). Our version gets a new counter of this node, the writer and
 * time it had (so every policy decides as before), and is pending for every peer: it is
 * concurrent with the winner again, and the next exchange is the same conflict, backup first.
 */
function holdLoser(ctx: PushContext, local: LocalEntry): void {
  const vector = bumpVector(local.entry.vector, ctx.group.local.name);
  ctx.index.recordVector(local, vector);
  const peers = ctx.group.local.receiveOnly ? [] : ctx.group.peers.map((h) => h.name);
  ctx.index.pending.mark(local.record.id, peers);
}

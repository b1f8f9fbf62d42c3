// What a receiver's decision does here once it is made (the decision itself is receive.ts's,
// from core/reconcile.ts): the answers that need no content (in sync, kept, a kept directory,
// a conflict left standing), a pushed version applied to disk and recorded, and a deletion
// held for the group's other peers. Apart from receive.ts because it is the part that writes:
// disk, index, log; deciding, re-checking and locking stay there.

import type { Logger } from "pino";
import type { Config, Group, Host } from "../config/types.js";
import { conflictKey, versionPair, type ConflictNotices } from "../core/conflict-notice.js";
import { entryToWire, type EntryState } from "../core/entry.js";
import type { Decision } from "../core/reconcile.js";
import { passesDeletionOn, relayPeers } from "../core/tombstone.js";
import { isUnseenTwinDir } from "../core/unseen-dir.js";
import type { VersionVector } from "../core/vector.js";
import type { Observation } from "../fs/stat.js";
import type { Answer, OfferItem } from "../net/messages.js";
import { applyVersion, setMeta, type ApplyDeps } from "./apply.js";
import { labelOf, writerOf } from "./decisions.js";
import { reportReplaced } from "./loss-report.js";
import { refused, refusedFor } from "./refusal.js";
import type { LocalEntry, SyncIndex } from "./sync-index.js";
import { resolveTarget } from "./target.js";

/** What one offered or put path came to. */
export interface Outcome {
  readonly answer: Answer;
  /** The disk changed (for the batch's actions). */
  readonly changed: boolean;
}

/** What carrying a decision out uses of its Receiver. */
export interface CarryOutContext {
  readonly config: () => Config;
  readonly index: SyncIndex;
  readonly deps: (group: Group) => ApplyDeps;
  readonly logger: Logger;
  readonly now: () => number;
  /** The `auto none` conflicts told (warn) so far: retries of one are told at debug. */
  readonly notices: ConflictNotices;
}

/** Carries out a decision that needs no content from the pusher. */
export async function carryOut(ctx: CarryOutContext, group: Group, item: Pick<OfferItem, "path" | "entry">, pusher: Host, d: Decision): Promise<Outcome> {
  const { index } = ctx;
  const local = index.get(group.name, item.path);
  switch (d.kind) {
    case "in-sync":
      if (local?.entry.kind === "dir" && isUnseenTwinDir(local.entry, group.local.name, index.pending.peersOf(local.record.id), group.peers.map((h) => h.name), item.entry.vector)) {
        // Our first version of it, seen by no peer, is the pusher's: not a change to pass on.
        index.entries.transaction(() => {
          index.recordVector(local, item.entry.vector, writerOf(item.entry));
          index.pending.clearAll(local.record.id);
          index.versions.setForced(local.record.id, false);
        });
        return { answer: { kind: "in-sync", vector: item.entry.vector }, changed: false };
      }
      if (local) index.recordVector(local, d.vector, d.versionOf === "remote" ? writerOf(item.entry) : undefined);
      if (local) index.acknowledged(local.record.id, pusher.name);
      // A deletion this node did not hold yet (of a path it never had, or newer than its
      // tombstone) changes no disk here, but is kept and passed on as an applied one is.
      if (passesDeletionOn(local?.entry, item.entry)) {
        if (!local) index.recordUnseenDeletion(group.name, item.path, d.vector, writerOf(item.entry));
        holdForOthers(ctx, group, item.path, pusher);
      }
      return { answer: { kind: "in-sync", vector: d.vector }, changed: false };
    case "keep-local":
    case "conflict-local-wins": {
      if (!local || !d.sendBack) return { answer: refused("KEPT", `Cannot take "${item.path}": this node keeps its version`), changed: false };
      index.recordVector(local, d.vector);
      index.acknowledged(local.record.id, pusher.name);
      ctx.logger.info({ path: item.path, peer: pusher.name, decision: labelOf(d) }, `kept: ${item.path} (${labelOf(d)})`);
      return { answer: { kind: "theirs", entry: { ...local.entry, vector: d.vector }, vector: d.vector, decision: labelOf(d) }, changed: false };
    }
    case "keep-dir": {
      if (!local) return { answer: refused("KEPT", `Cannot keep "${item.path}": this node has no version of it`), changed: false };
      const entry = keepDir(ctx, group, local, d.vector, group.peers.filter((h) => h.name !== pusher.name).map((h) => h.name));
      index.acknowledged(local.record.id, pusher.name);
      return { answer: { kind: "theirs", entry, vector: d.vector, decision: labelOf(d) }, changed: false };
    }
    case "conflict-unresolved": {
      const recorded = local !== undefined && index.versions.conflictsOf(local.record.id).some((c) => c.peer === pusher.name);
      if (local) index.versions.addConflict(local.record.id, pusher.name, JSON.stringify(entryToWire(item.entry)), ctx.now());
      const level = ctx.notices.notice(conflictKey(group.name, item.path, pusher.name), versionPair(local?.entry, item.entry), recorded);
      ctx.logger[level]({ path: item.path, peer: pusher.name }, `conflict left unresolved (auto none): ${item.path}`);
      return { answer: { kind: "conflict", entry: local?.entry ?? item.entry }, changed: false };
    }
    default:
      return applyRemote(ctx, group, item, pusher, d);
  }
}

async function applyRemote(ctx: CarryOutContext, group: Group, item: Pick<OfferItem, "path" | "entry">, pusher: Host, d: Extract<Decision, { apply: unknown }>): Promise<Outcome> {
  const { index, logger } = ctx;
  const remote = item.entry;
  const local = index.get(group.name, item.path);
  if (d.apply === "none" && local) {
    index.recordVector(local, d.vector, writerOf(remote));
    index.acknowledged(local.record.id, pusher.name);
    return { answer: { kind: "applied", vector: d.vector, decision: labelOf(d) }, changed: false };
  }
  try {
    const target = await resolveTarget(ctx.config(), group, item.path, { entries: index.entries });
    const deps = ctx.deps(group);
    const applied = d.apply === "meta" && remote.kind !== "deleted"
      ? { observed: await setMeta(target, remote, deps, index.expected(group.name, item.path)), backupPath: undefined }
      : await applyVersion(target, remote, deps, { backup: "backup" in d && d.backup === true, expect: () => index.expected(group.name, item.path) });
    recordApplied(index, group, item.path, remote, applied.observed, d.vector, pusher);
    if (remote.kind === "deleted") holdForOthers(ctx, group, item.path, pusher);
    reportReplaced(index, logger, { group: group.name, path: item.path, incoming: remote.kind, decision: d, from: pusher.name, backupPath: applied.backupPath, keepsNone: deps.backup.generations < 1 });
    logger.info({ path: item.path, peer: pusher.name, decision: labelOf(d) }, `applied ${item.path} (${labelOf(d)})`);
    return { answer: { kind: "applied", vector: d.vector, decision: labelOf(d) }, changed: true };
  } catch (err) {
    return { answer: refusedFor(item.path, err), changed: false };
  }
}

/**
 * A deletion just applied or kept from `pusher` is pending here for the group's other peers
 * (core/tombstone.ts relayPeers): one that was away may come back to this node first, with
 * the file; the tombstone is kept until each acknowledged it, and the next push brings it to
 * them. The node that made the deletion holds it for them too (a peer that has it already
 * answers "in sync").
 */
function holdForOthers(ctx: CarryOutContext, group: Group, path: string, pusher: Host): void {
  const { index } = ctx;
  const id = index.entries.idOf(group.name, path);
  if (id !== undefined) index.pending.mark(id, relayPeers(group.peers.map((h) => h.name), pusher.name, { receiveOnly: group.local.receiveOnly }));
}

/**
 * Records our directory at `local`, kept against a deletion of it (it still holds entries), as
 * a new version `vector` of this node, pending for `pendingFor`.
 */
export function keepDir(ctx: CarryOutContext, group: Group, local: LocalEntry, vector: VersionVector, pendingFor: readonly string[]): EntryState {
  const writer = { modifiedBy: group.local.name, changedAtMs: ctx.now() };
  ctx.index.recordVector(local, vector, writer);
  ctx.index.pending.mark(local.record.id, pendingFor);
  ctx.logger.info({ path: local.record.path }, `kept directory ${local.record.path}: it holds entries its deleter never saw`);
  return { ...local.entry, vector, ...writer };
}

/** Records a version just applied from `from` (the pusher, or the peer we fetched from). */
export function recordApplied(index: SyncIndex, group: Group, path: string, remote: EntryState, observed: Observation | undefined, vector: VersionVector, from: Host): void {
  const id = observed === undefined
    ? index.recordDeleted(group.name, path, vector, writerOf(remote))
    : index.recordLive(group.name, path, observed, vector, writerOf(remote));
  if (id === undefined) return;
  index.versions.setForced(id, false);
  index.acknowledged(id, from.name);
}

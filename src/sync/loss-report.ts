// A version of ours that lost to a peer's, kept in the backup directory or (backup-generations
// 0) not kept at all. Said at warn level where it happened (the pusher's run, or the receiving daemon: both lose versions) and
// recorded for `peersync status` (index/losses.ts), whose reader may come long after the log
// line scrolled away. One wording for every place a backup is made.

import type { Logger } from "pino";
import type { EntryKind } from "../core/entry.js";
import { messageOf } from "../errors.js";
import type { Decision } from "../core/reconcile.js";
import type { SyncIndex } from "./sync-index.js";

export interface LostVersion {
  readonly group: string;
  readonly path: string;
  /** Where our version was kept. */
  readonly backup: string;
  /** Why it lost, from this node's side: lossReason() or lossReasonOfLabel(). */
  readonly reason: string;
  /** Whose version replaced ours. */
  readonly peer: string;
  /** Said after the message, in parentheses. */
  readonly note?: string;
}

/** Logs the loss and records it; a record the index refuses is logged, never thrown: the file is already safe. */
export function reportLoss(index: SyncIndex, logger: Logger, lost: LostVersion, nowMs = Date.now()): void {
  logger.warn({ path: lost.path, backup: lost.backup, peer: lost.peer, reason: lost.reason }, lossMessage(lost));
  recordLoss(index, logger, lost, nowMs);
}

/** A record the index refuses is logged, never thrown: the loss already happened. */
function recordLoss(index: SyncIndex, logger: Logger, lost: Omit<LostVersion, "backup" | "note"> & { readonly backup: string | null }, nowMs: number): void {
  try {
    index.losses.record({ group: lost.group, path: lost.path, backup: lost.backup, reason: lost.reason, peer: lost.peer, atMs: nowMs });
  } catch (err) {
    logger.error({ path: lost.path, err: messageOf(err) }, `cannot record the loss of ${lost.path} for status: ${messageOf(err)}`);
  }
}

/**
 * What a decision carried out on the receiving side replaced: a backed-up loser, a loser the
 * group keeps no copies of (`keepsNone`: backup-generations 0), or drift with nothing to keep.
 */
export function reportReplaced(index: SyncIndex, logger: Logger, r: {
  readonly group: string; readonly path: string; readonly incoming: EntryKind; readonly decision: Decision; readonly from: string; readonly backupPath: string | undefined;
  readonly keepsNone?: boolean;
}): void {
  const reason = lossReason(r.decision, r.incoming);
  if (r.backupPath !== undefined) reportLoss(index, logger, { group: r.group, path: r.path, backup: r.backupPath, reason, peer: r.from });
  else if (r.keepsNone === true && "backup" in r.decision && r.decision.backup) reportUnkept(index, logger, { group: r.group, path: r.path, reason, peer: r.from });
  else if (r.decision.kind === "drift") logger.warn({ path: r.path }, `drift: local change to ${r.path} replaced by the group's version from ${r.from}`);
}

/**
 * A losing version replaced with no copy, as `backup-generations 0` asks: said at warn level
 * all the same, and recorded with no backup path, so status names it after the log line is gone.
 */
export function reportUnkept(index: SyncIndex, logger: Logger, lost: Omit<LostVersion, "backup" | "note">, nowMs = Date.now()): void {
  const what = `${lost.path} replaced, no copy kept (backup-generations 0)`;
  const message = lost.reason.startsWith("conflict") ? `lost a ${lost.reason} to ${lost.peer}: ${what}`
    : lost.reason === "drift" ? `drift: local change to ${what}, by the group's version from ${lost.peer}`
    : `${lost.reason} from ${lost.peer}: ${what}`;
  logger.warn({ path: lost.path, peer: lost.peer, reason: lost.reason }, message);
  recordLoss(index, logger, { ...lost, backup: null }, nowMs);
}

export function lossMessage(lost: LostVersion): string {
  const kept = `${lost.path} backed up to ${lost.backup}${lost.note === undefined ? "" : ` (${lost.note})`}`;
  if (lost.reason.startsWith("conflict")) return `lost a ${lost.reason} to ${lost.peer}: ${kept}`;
  if (lost.reason === "drift") return `drift: local change to ${lost.path} replaced by the group's version from ${lost.peer}; ${kept}`;
  return `${lost.reason} from ${lost.peer}: ${kept}`;
}

/** A first version of ours that a peer held a newer one of (core/lost-history.ts keptOnlyByUs). */
export const FIRST_VERSION_REPLACED = "this node's first version replaced (a rebuilt index?)";

/** Why our version lost, for a decision made here (the receiving side). */
export function lossReason(d: Decision, incoming: EntryKind): string {
  if ("rule" in d) return `conflict (${d.rule})`;
  if (d.kind === "drift") return "drift";
  // take-remote backs up otherwise only a file that a directory or symlink replaces.
  if (d.kind === "take-remote" && (incoming === "file" || incoming === "deleted")) return FIRST_VERSION_REPLACED;
  return replacedBy(incoming);
}

/**
 * Why our version lost, for a decision the peer made and labelled (decisions.ts labelOf, the
 * answer "theirs" on the pushing side): "conflict-local-wins (younger)" there is a conflict
 * lost by the rule "younger" here.
 */
export function lossReasonOfLabel(label: string, incoming: EntryKind): string {
  const rule = /^conflict-[a-z-]+ \((.+)\)$/.exec(label)?.[1];
  if (rule !== undefined) return `conflict (${rule})`;
  if (label.startsWith("conflict")) return "conflict";
  return replacedBy(incoming);
}

/** Why our file lost to an entry of another kind (no conflict: the peer's version was newer). */
export function replacedBy(incoming: EntryKind): string {
  return incoming === "dir" ? "file replaced by a directory" : incoming === "symlink" ? "file replaced by a symlink" : "file replaced";
}

// What every step of pushing one peer shares (push.ts offers and puts, take-back.ts fetches the
// peer's version): the context, the result, the entry on its way, and the checks they all make
// (is our entry still the one we offered, is this error the session's or the path's).

import type { Logger } from "pino";
import type { Config, Group, Host } from "../config/types.js";
import { sameVersion } from "../core/entry.js";
import { NO_LOSSES, type LostCounts } from "../core/lost-here.js";
import type { LogicalPath } from "../core/path.js";
import { messageOf, PeerError, ProtocolError } from "../errors.js";
import type { Answer } from "../net/messages.js";
import type { Session } from "../net/session.js";
import type { ApplyDeps } from "./apply.js";
import type { ContentSource } from "./content-cache.js";
import type { DeltaPrefetch } from "./delta-prefetch.js";
import type { Receiver } from "./receive.js";
import type { LocalEntry, SyncIndex } from "./sync-index.js";
import { ChangedSinceCheckError } from "./transfer.js";

export interface PushContext {
  readonly config: Config;
  readonly group: Group;
  readonly host: Host;
  readonly session: Session;
  readonly index: SyncIndex;
  readonly receiver: Receiver;
  readonly deps: ApplyDeps;
  readonly logger: Logger;
  readonly dryRun: boolean;
  /** One itemized line per path (rsync -i style, see README). */
  readonly item: (line: string) => void;
  /** Small files the check read, or read once for all the run's peers (content-cache.ts). */
  readonly contents?: ContentSource;
  /** Deltas of big files begun while the check hashed them (delta-prefetch.ts). */
  readonly deltas?: DeltaPrefetch;
}

export interface PeerResult {
  readonly group: string;
  readonly peer: string;
  offered: number;
  sent: number;
  applied: number;
  fetched: number;
  inSync: number;
  /** Conflicts the policy settled for our version (the peer keeps its own copy, or says why not). */
  conflictsWon: number;
  /** Conflicts the policy settled for the peer's version. */
  conflictsLost: number;
  /** conflictsLost by what this node kept of its version: a backup, or why none. */
  lostKept: LostCounts;
  /** Conflicts left to `auto none`. */
  readonly conflicts: string[];
  readonly problems: { path: string; message: string }[];
  /**
   * Paths not sent because our file changed since the check or while it was being sent: not
   * failures; they stay pending and go once the next check (or watch event) recorded them.
   */
  readonly stale: string[];
  /** Paths the peer changed on its disk (the sender's do-local actions). */
  readonly changedRemote: string[];
  /** Paths this node took back from the peer (its receiver actions). */
  readonly fetchedPaths: string[];
  actionsRan: number;
  actionsFailed: number;
}

/** A peer's result with nothing done yet. */
export function newResult(group: string, peer: string): PeerResult {
  return {
    group, peer, offered: 0, sent: 0, applied: 0, fetched: 0, inSync: 0,
    conflictsWon: 0, conflictsLost: 0, lostKept: NO_LOSSES, conflicts: [], problems: [], stale: [], changedRemote: [], fetchedPaths: [], actionsRan: 0, actionsFailed: 0,
  };
}

/** One pending entry on its way to the peer, as read when the push began. */
export interface Work { readonly path: LogicalPath; readonly op: "delete" | "write"; readonly local: LocalEntry; readonly forced: boolean }

/**
 * Our entry as it is now, when it still holds the state we offered (its vector may have grown
 * by another peer's merge); undefined when another version replaced it meanwhile.
 */
export function unchanged(ctx: PushContext, w: Work, now?: ReadonlyMap<number, LocalEntry>): LocalEntry | undefined {
  const current = now ? now.get(w.local.record.id) : readLocal(ctx, w.local.record.id);
  return current && sameVersion(current.entry, w.local.entry) ? current : undefined;
}

function readLocal(ctx: PushContext, id: number): LocalEntry | undefined {
  const record = ctx.index.entries.getById(id);
  return record && ctx.index.fromRecord(record);
}

/**
 * A file whose bytes went to the peer counts as sent with content, unless the peer answers that
 * it held that version already: then it counts as in sync (handleAnswer), as the offer would have
 * answered. Small files made here go in put-batches unasked (core/plan.ts skipsOffer), so after
 * `peersync mark -r` every one the peer has travels, and the summary once called them all sent.
 */
export function countSent(result: PeerResult, answer: Answer): void {
  if (answer.kind !== "in-sync") result.sent++;
}

export function problem(ctx: PushContext, result: PeerResult, path: string, message: string): void {
  result.problems.push({ path, message });
  ctx.logger.warn({ path, peer: ctx.host.name }, `${ctx.host.name}: ${path}: ${message}`);
}

/**
 * A path's failure to go: a version that changed here before or while it went is not a failure
 * (info; the path stays pending and goes after the next check), anything else is a problem.
 */
export function notSent(ctx: PushContext, result: PeerResult, path: string, err: unknown): void {
  if (!(err instanceof ChangedSinceCheckError)) return problem(ctx, result, path, messageOf(err));
  result.stale.push(path);
  ctx.logger.info({ path, peer: ctx.host.name }, `${ctx.host.name}: ${err.message}`);
}

/** The session is gone or the peer spoke nonsense: stop this peer (its entries stay pending). */
export function isSessionError(ctx: PushContext, err: unknown): boolean {
  if (err instanceof ProtocolError || !ctx.session.usable) return true;
  return err instanceof PeerError && (err.remoteCode === undefined || err.remoteCode === "TIMEOUT" || err.remoteCode === "RECEIVE_ONLY");
}

export function kindCode(kind: string): string {
  return kind === "dir" ? "d" : kind === "symlink" ? "L" : kind === "deleted" ? "x" : "f";
}

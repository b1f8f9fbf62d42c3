// The daemon's sync service (src/sync/README.md): offer, put, get, signature and batch-end,
// everything else handed to BasicHandler. Nothing from a peer is trusted: the group is the
// session's (authenticated) group as this node's current config has it, every path goes
// through resolveTarget(), and a receive-only peer may read but never push.

import * as fsp from "node:fs/promises";
import type { Logger } from "pino";
import type { ActionDispatcher } from "../actions/dispatcher.js";
import type { Config, Group, Host } from "../config/types.js";
import type { LogicalPath } from "../core/path.js";
import { PeersyncError } from "../errors.js";
import { signature } from "../delta/rsync.js";
import type { BasicHandler } from "../net/basic-handler.js";
import type { ListRequest, Message, Offer, OfferReply, PartialRequest, Put, PutBatch, PutBatchReply, Request } from "../net/messages.js";
import { runCheck } from "../index/check-run.js";
import { listGroup, listReplies } from "./listing.js";
import type { Reply, RequestContext, SessionHandler } from "../net/serve.js";
import type { Session } from "../net/session.js";
import type { ApplyDeps } from "./apply.js";
import { receivePutBatch } from "./put-batch.js";
import { OfferLocals } from "./offer-locals.js";
import { stalePaths } from "./recheck.js";
import { OwedActions } from "./owed-actions.js";
import { offsetFor, partialPath } from "./partial.js";
import { chunksOf, readChunks, readChunksReusing } from "./read-chunks.js";
import { receivePut, READ_FLAGS } from "./put-one.js";
import { reportReplaced } from "./loss-report.js";
import { Receiver, type Outcome } from "./receive.js";
import { logRefusals, refusedFor, UnsureError } from "./refusal.js";
import type { SignatureCache } from "./signature-cache.js";
import { syncSignatureOptions } from "./sync-signature.js";
import type { SyncIndex } from "./sync-index.js";
import { NotIncludedError, resolveTarget } from "./target.js";

export interface SyncHandlerOptions {
  readonly config: () => Config;
  readonly index: SyncIndex;
  readonly deps: (group: Group) => ApplyDeps;
  readonly basic: BasicHandler;
  readonly dispatcher: ActionDispatcher;
  readonly logger: Logger;
  readonly wholeBelow?: number;
  /** Signatures of large received files, made after they land (signature-cache.ts). */
  readonly signatures?: SignatureCache;
}

export class SyncHandler implements SessionHandler {
  readonly receiver: Receiver;
  readonly #o: SyncHandlerOptions;
  /** What each session's pushes owe in actions since its last batch-end. */
  readonly #owed: OwedActions;
  /**
   * Paths each session's dry runs answered `conflict` for: a real run records them, and then
   * refuses the entries below them (PARENT_CONFLICT), so the dry run must too.
   */
  readonly #dryConflicts = new WeakMap<Session, Set<string>>();

  constructor(options: SyncHandlerOptions) {
    this.#o = options;
    this.receiver = new Receiver({
      config: options.config, index: options.index, deps: options.deps, logger: options.logger,
      ...(options.wholeBelow === undefined ? {} : { wholeBelow: options.wholeBelow }),
    });
    this.#owed = new OwedActions({ dispatcher: options.dispatcher, logger: options.logger });
  }

  /** The daemon's one action dispatcher (pass it to runUpdate from inside the daemon). */
  get dispatcher(): ActionDispatcher {
    return this.#o.dispatcher;
  }

  onRequest(session: Session, request: Request, context: RequestContext): Reply | Promise<Reply> {
    switch (request.type) {
      case "offer": return this.#offer(session, request);
      case "put": return this.#put(session, request, context);
      case "put-batch": return this.#putBatch(session, request, context);
      case "get": return this.#get(session, request.path);
      case "signature": return this.#signature(session, request.path);
      case "batch-end": return this.#batchEnd(session);
      case "list": return this.#list(session, request);
      case "partial": return this.#partial(session, request);
      default: return this.#o.basic.onRequest(session, request, context);
    }
  }

  #where(session: Session, push: boolean): { group: Group; pusher: Host } {
    const group = this.#o.config().groups.find((g) => g.name === session.peer.group.name);
    const pusher = group?.peers.find((h) => h.name === session.peer.host.name);
    if (!group || !pusher) throw new PeersyncError("NOT_INCLUDED", `Cannot serve "${session.peer.host.name}": not a host of group "${session.peer.group.name}" here`);
    if (push && (pusher.receiveOnly || session.peer.host.receiveOnly)) {
      throw new PeersyncError("RECEIVE_ONLY", `Cannot accept changes from "${pusher.name}": it is receive-only in group "${group.name}"`);
    }
    return { group, pusher };
  }

  async #offer(session: Session, offer: Offer): Promise<OfferReply> {
    const { group, pusher } = this.#where(session, true);
    const release = await this.receiver.mutex.lock();
    try {
      const included = offer.entries.filter((e) => group.match(e.path) === "match").map((e) => e.path);
      // Only paths whose disk state moved since they were recorded need the full re-check.
      const stale = await stalePaths(this.#o.config(), this.#o.index.entries, group, included);
      // A dry run answers from what a re-check would record, recording nothing.
      const preview = offer.dryRun && stale.length > 0 ? await this.receiver.preview(group, stale) : undefined;
      const unsure = preview?.unsure ?? (stale.length > 0 && !offer.dryRun ? await this.receiver.recheck(group, stale) : new Set<string>());
      const answers = [];
      const changedHere: string[] = [];
      // Parent directories found in place, looked at once per offer; forgotten as soon as an
      // answer changed the disk (it may have removed or replaced one).
      const seenDirs = new Set<string>();
      const locals = new OfferLocals(this.#o.index, group.name, offer.entries.map((e) => e.path));
      const dryConflicts = offer.dryRun ? this.#dryConflictsOf(session) : undefined;
      for (const [i, item] of offer.entries.entries()) {
        let outcome: Outcome;
        try {
          outcome = group.match(item.path) !== "match"
            ? { answer: refusedFor(item.path, new NotIncludedError(group, item.path)), changed: false }
            : unsure.has(item.path) ? { answer: refusedFor(item.path, new UnsureError(item.path)), changed: false }
            : await this.receiver.offer(group, item, pusher, offer.dryRun, seenDirs, { local: preview?.locals.get(item.path) ?? locals.get(i) }, dryConflicts);
        } catch (err) {
          seenDirs.clear();
          outcome = { answer: refusedFor(item.path, err), changed: false };
        }
        if (outcome.changed || outcome.answer.kind !== "send") seenDirs.clear();
        if (outcome.changed) changedHere.push(item.path);
        if (outcome.answer.kind === "conflict") dryConflicts?.add(item.path);
        answers.push({ path: item.path, answer: outcome.answer });
      }
      if (!offer.dryRun) logRefusals(this.#o.logger, pusher.name, answers);
      this.#owed.owe(session, group.name, changedHere);
      return { type: "offer-reply", answers };
    } finally {
      release();
    }
  }

  async #put(session: Session, put: Put, context: RequestContext): Promise<Message> {
    const { group, pusher } = this.#where(session, true);
    const o = this.#o;
    const got = await receivePut({
      config: o.config(), group, pusher, receiver: this.receiver, index: o.index, deps: o.deps(group), logger: o.logger,
      ...(o.signatures ? { signatures: o.signatures } : {}),
    }, put, context.body ?? []);
    if (got.wrote) this.#owed.owe(session, group.name, [put.path]);
    return { type: "put-reply", answer: got.answer };
  }

  /** Small whole files, committed together (put-batch.ts): one lock, one re-check, one fsync per directory. */
  async #putBatch(session: Session, request: PutBatch, context: RequestContext): Promise<PutBatchReply> {
    const { group, pusher } = this.#where(session, true);
    const { logger } = this.#o;
    const result = await receivePutBatch({
      config: this.#o.config(), group, pusher, receiver: this.receiver, index: this.#o.index, deps: this.#o.deps(group), signal: context.signal,
    }, request.items, context.body ?? []);
    this.#owed.owe(session, group.name, result.changed);
    logRefusals(this.#o.logger, pusher.name, result.answers);
    for (const n of result.notes) {
      reportReplaced(this.#o.index, logger, { group: group.name, path: n.path, incoming: "file", decision: n.decision, from: pusher.name, backupPath: n.backupPath, keepsNone: this.#o.deps(group).backup.generations < 1 });
      logger.info({ path: n.path, peer: pusher.name, encoding: "whole", batch: true, decision: n.decision.kind }, `received ${n.path} (whole, ${n.decision.kind})`);
    }
    return { type: "put-batch-reply", answers: result.answers };
  }

  /** How much of an interrupted put of this content is kept here (partial.ts). */
  async #partial(session: Session, request: PartialRequest): Promise<Message> {
    const { group } = this.#where(session, true);
    if (group.match(request.path) !== "match") throw new NotIncludedError(group, request.path);
    const target = await resolveTarget(this.#o.config(), group, request.path);
    const offset = typeof target.fs === "string" ? await offsetFor(partialPath(target.fs, request.hash)) : 0;
    return { type: "partial-reply", offset };
  }

  /** The current local entry of a path, re-checked from disk first. */
  async #fresh(session: Session, path: LogicalPath) {
    const { group } = this.#where(session, false);
    if (group.match(path) !== "match") throw new NotIncludedError(group, path);
    const release = await this.receiver.mutex.lock();
    try {
      await this.receiver.recheck(group, [path]);
      const local = this.#o.index.get(group.name, path);
      if (!local) throw new PeersyncError("NOT_FOUND", `Cannot read "${path}": this node has no version of it`);
      return { group, local, target: await resolveTarget(this.#o.config(), group, path) };
    } finally {
      release();
    }
  }

  async #get(session: Session, path: LogicalPath): Promise<Reply> {
    const { local, target } = await this.#fresh(session, path);
    if (local.entry.kind !== "file") return streamOf([{ type: "get-reply", entry: local.entry }]);
    const file = await fsp.open(target.fs, READ_FLAGS);
    return (async function* () {
      try {
        yield { type: "get-reply", entry: local.entry } as Message;
        for await (const bytes of readChunks(file)) yield { type: "data", bytes } as Message;
      } finally {
        await file.close();
      }
    })();
  }

  async #signature(session: Session, path: LogicalPath): Promise<Reply> {
    const { local, target } = await this.#fresh(session, path);
    if (local.entry.kind !== "file") throw new PeersyncError("NOT_FILE", `Cannot sign "${path}": it is not a file here`);
    const { hash, size } = local.entry;
    const cached = await this.#o.signatures?.get(hash, size);
    if (cached) return streamOf([{ type: "signature-reply", hash, size }, ...chunksOf(cached).map((bytes) => ({ type: "data", bytes }) as Message)]);
    const file = await fsp.open(target.fs, READ_FLAGS);
    return (async function* () {
      try {
        yield { type: "signature-reply", hash, size } as Message;
        for await (const bytes of signature(readChunksReusing(file), syncSignatureOptions(size))) yield { type: "data", bytes: Buffer.from(bytes) } as Message;
      } finally {
        await file.close();
      }
    })();
  }

  /**
   * `peersync test` (csync2 -T, LIST): this node's entries of the session's group. Read-only
   * towards files and peers; but first a check of our own disk (the part asked about), so the
   * answer says what is on disk rather than what an old check saw. That check records local
   * state exactly as the daemon's own rescans would (a local edit becomes pending for this
   * node's peers); nothing else is written, and nothing is marked for the asking peer. Any
   * host of the group may ask, receive-only ones too.
   */
  async #list(session: Session, request: ListRequest): Promise<Reply> {
    const { group } = this.#where(session, false);
    const config = this.#o.config();
    const release = await this.receiver.mutex.lock();
    let items;
    try {
      const summary = await runCheck(this.#o.index.db, config, {
        groups: [group.name], statWorker: false,
        ...(request.path === undefined ? { full: true } : { paths: [config.toLocalPath(request.path)], recursive: true }),
      });
      for (const p of summary.problems) this.#o.logger.warn({ path: p.path, err: p.message }, `check before list: ${p.message}`);
      items = listGroup(this.#o.index, group, request.path);
    } finally {
      release();
    }
    this.#o.logger.info({ peer: session.peer.host.name, group: group.name, entries: items.length }, `listed ${items.length} entries for ${session.peer.host.name}`);
    return streamOf([...listReplies(items)]);
  }

  async #batchEnd(session: Session): Promise<Message> {
    const { group } = this.#where(session, false);
    return this.#owed.batchEnd(session, group.name);
  }

  /**
   * A session that changed files ended without batch-end (the pusher was killed, the network
   * dropped): the actions those changes owe still run (they are queued already).
   */
  onClose(session: Session): void {
    this.#owed.sessionEnded(session);
  }

  #dryConflictsOf(session: Session): Set<string> {
    let paths = this.#dryConflicts.get(session);
    if (paths === undefined) this.#dryConflicts.set(session, (paths = new Set()));
    return paths;
  }
}


/** Thrown from beforeRename when the fresh decision is no longer a write: the temp file goes. */
async function* streamOf(messages: readonly Message[]): AsyncIterable<Message> {
  yield* messages;
}

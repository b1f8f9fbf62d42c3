// The receiving side of a push (DESIGN.md §3 step 3): re-check the path on this disk, let
// core/reconcile.ts decide, then answer that the pusher must send content or have the
// decision carried out (carry-out.ts: apply, record, back up, or answer that the pusher must
// take ours back). One Receiver per daemon; a mutex keeps the decide-then-apply step of one
// path from interleaving with another session's.

import type { Logger } from "pino";
import type { Config, Group, Host } from "../config/types.js";
import { ConflictNotices } from "../core/conflict-notice.js";
import type { EntryState } from "../core/entry.js";
import type { LogicalPath } from "../core/path.js";
import { keptOnlyByUs } from "../core/lost-history.js";
import { keepsDirectory, reconcile, type Decision } from "../core/reconcile.js";
import { bumpVector, mergeVectors, type VersionVector } from "../core/vector.js";
import type { Observation } from "../fs/stat.js";
import { runCheck } from "../index/check-run.js";
import type { OfferItem } from "../net/messages.js";
import type { ApplyDeps } from "./apply.js";
import { carryOut, keepDir, recordApplied, type CarryOutContext, type Outcome } from "./carry-out.js";
import { contextFor, labelOf, sendsContent } from "./decisions.js";
import { Mutex } from "./mutex.js";
import type { LocalEntry, SyncIndex } from "./sync-index.js";
import { dryAnswer, previewRecheck, type DryPreview } from "./dry-run.js";
import { missingParents, reviveParents, type ParentsContext } from "./parents.js";

export type { Outcome } from "./carry-out.js";

export interface ReceiverOptions {
  readonly config: () => Config;
  readonly index: SyncIndex;
  readonly deps: (group: Group) => ApplyDeps;
  readonly logger: Logger;
  /** Files smaller than this travel whole; larger ones as a delta against our version. @default 64 KiB */
  readonly wholeBelow?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * The `auto none` conflicts this process already told, shared by a daemon's receiving and
   * pushing sides (core/conflict-notice.ts). @default a new one
   */
  readonly notices?: ConflictNotices;
}

/** A push being received: from whom, for which group, and what carries it out here. */
export interface IncomingPush {
  readonly config: Config;
  readonly group: Group;
  readonly pusher: Host;
  readonly receiver: Receiver;
  readonly index: SyncIndex;
  readonly deps: ApplyDeps;
}

export class Receiver {
  readonly mutex = new Mutex();
  readonly #paths = new Map<string, Mutex>();
  readonly #o: ReceiverOptions;
  /** The `auto none` conflicts told (warn) so far: retries of one are told at debug. */
  readonly notices: ConflictNotices;
  /** What carry-out.ts writes with. */
  readonly #carry: CarryOutContext;

  constructor(options: ReceiverOptions) {
    this.#o = options;
    this.notices = options.notices ?? new ConflictNotices();
    const { config, index, deps, logger, now } = options;
    this.#carry = { config, index, deps, logger, now: now ?? Date.now, notices: this.notices };
  }

  /**
   * One lock per path, for the pusher: a put reading our file and a take-back replacing it
   * (from another peer's answer) never overlap. Other paths are not held up.
   */
  async lockPath(path: string): Promise<() => void> {
    const lock = this.#paths.get(path) ?? new Mutex();
    this.#paths.set(path, lock);
    const release = await lock.lock();
    return () => {
      release();
      if (lock.idle) this.#paths.delete(path);
    };
  }

  get wholeBelow(): number {
    return this.#o.wholeBelow ?? 64 * 1024;
  }

  /**
   * Records what the disk holds at `paths` (with `recursive`, their subtrees) now, so an
   * unrecorded local edit is never overwritten silently. Returns the paths it could not record
   * (read failed, or written while hashed): the index does not describe their disk state, so the
   * caller must not decide on it (a local write would be overwritten with no conflict and no
   * backup; found by test/faults/churn).
   */
  async recheck(group: Group, paths: readonly LogicalPath[], options: { readonly recursive?: boolean } = {}): Promise<Set<string>> {
    const config = this.#o.config();
    const local = paths.map((p) => config.toLocalPath(p));
    const summary = await runCheck(this.#o.index.db, config, { paths: local, groups: [group.name], statWorker: false, recursive: options.recursive ?? false });
    for (const p of summary.problems) this.#o.logger.warn({ path: p.path, err: p.message }, `re-check: ${p.message}`);
    return new Set(summary.problems.map((p) => p.path));
  }

  /**
   * What recheck() would record at `paths`, recording nothing: a dry run (sync -d) must decide
   * on the disk as a real run would (an edit made here and not checked yet is a version of its
   * own, in conflict with the pusher's) and write nothing. `locals` holds the paths whose disk
   * differs from their record; `unsure` those that could not be read.
   */
  async preview(group: Group, paths: readonly LogicalPath[]): Promise<DryPreview> {
    const { config, index, now } = this.#o;
    return previewRecheck({ config: config(), index, nowMs: (now ?? Date.now)() }, group, paths);
  }

  /**
   * `local`: the path's entry as the caller just read it from the index, undefined when it has
   * none (no default that reads again: undefined would trigger it, and a new file, which has no
   * entry, was looked up twice; 150 ms of a receiving daemon's 10,000 new files).
   */
  decide(group: Group, item: Pick<OfferItem, "path" | "entry" | "forced">, local: LocalEntry | undefined, pusher: Pick<Host, "name">): Decision {
    const { index } = this.#o;
    const config = this.#o.config();
    const d = reconcile({
      local: local?.entry, remote: item.entry, policy: group.auto, localNode: group.local.name, remoteNode: pusher.name,
      context: contextFor(group, { local: local?.forced ?? false, remote: item.forced }), ignore: config.ignore,
      localChildren: local?.entry.kind === "dir" && index.entries.countLiveUnder(group.name, item.path) > 1,
    });
    return d.kind === "take-remote" && d.apply !== "meta" && local !== undefined && this.#unseenFirstVersion(group, local, pusher) ? { ...d, backup: true } : d;
  }

  /**
   * Our file is a first version of ours ({us: 1} alone) that the pusher never acknowledged, yet
   * it pushes a newer one: it holds our counter 1 from before this node lost its history (a
   * rebuilt index, which marks everything pending), or from a third node. Ours may be a write
   * no one else has, so the replacement backs it up (core/lost-history.ts keptOnlyByUs; in the
   * three-node case the copy is a spare).
   */
  #unseenFirstVersion(group: Group, local: LocalEntry, pusher: Pick<Host, "name">): boolean {
    return local.entry.kind === "file" && keptOnlyByUs(local.entry.vector, group.local.name) && this.#o.index.pending.peersOf(local.record.id).includes(pusher.name);
  }

  /**
   * Before deciding on a version that would remove our directory: look at its whole subtree,
   * so entries made here and never checked count as the children they are.
   */
  async #recheckTree(group: Group, path: LogicalPath, remote: EntryState): Promise<void> {
    if (remote.kind !== "dir" && this.#o.index.get(group.name, path)?.entry.kind === "dir") await this.recheck(group, [path], { recursive: true });
  }

  /**
   * Our directory at `path` survives `remote` (a deletion of it) when it still holds entries
   * (core/reconcile.ts keepsDirectory); then it is recorded as a new version of this node,
   * pending for every peer. For the pusher taking a peer's version back; true when kept.
   * `beforeKeep` runs first (it keeps the peer's losing version); when it throws, nothing is
   * recorded and the error goes to the caller.
   */
  async keepsDir(group: Group, path: LogicalPath, remote: EntryState, beforeKeep?: () => Promise<void>): Promise<boolean> {
    await this.#recheckTree(group, path, remote);
    const { index } = this.#o;
    if (!this.#keeps(group, path, remote)) return false;
    await beforeKeep?.();
    // Looked at again: beforeKeep awaited (a fetch), though the caller holds the receiver's lock.
    const local = index.get(group.name, path);
    if (!local || !this.#keeps(group, path, remote)) return false;
    keepDir(this.#carry, group, local, bumpVector(mergeVectors(local.entry.vector, remote.vector), group.local.name), group.peers.map((h) => h.name));
    return true;
  }

  #keeps(group: Group, path: LogicalPath, remote: EntryState): boolean {
    const local = this.#o.index.get(group.name, path);
    return local !== undefined && keepsDirectory(local.entry, remote, this.#o.index.entries.countLiveUnder(group.name, path) > 1);
  }

  /** Re-creates the missing parent directories of `path` (parents.ts). */
  async reviveParents(group: Group, path: LogicalPath, from: Host, seen?: Set<string>): Promise<void> {
    await reviveParents(this.#parents(group), path, from, seen);
  }

  #parents(group: Group): ParentsContext {
    const { config, index, logger, deps } = this.#o;
    return { config: config(), group, index, logger, backup: deps(group).backup };
  }

  /**
   * Answers one offered entry; applies what needs no content unless `dryRun`. Call under the mutex, after recheck().
   * `seenDirs`: directories this offer already found in place (reviveParents looks at each once
   * per offer, not once per file in it); the caller empties it whenever an answer changed the disk.
   */
  /**
   * `known`: the path's entry as the caller read it a moment ago with others (offer-locals.ts),
   * possibly before another process's commit. It decides only an answer "send": that changes
   * nothing here, and the put that follows decides again on the index as it is then. Any other
   * decision is made again on the entry read now, before it is carried out or answered.
   */
  async offer(group: Group, item: OfferItem, pusher: Host, dryRun: boolean, seenDirs?: Set<string>, known?: { readonly local: LocalEntry | undefined }, dryConflicts?: ReadonlySet<string>): Promise<Outcome> {
    // One read of the path's entry serves the tree re-check's test, the decision and the answer
    // (three reads per offered path were ~7 % of a receiving daemon's time in bench/sync (a));
    // read again only when the re-check ran and may have recorded something new.
    const early = known ? this.decide(group, item, known.local, pusher) : undefined;
    // A dry run decides on what the caller read (or previewed from the disk) and writes nothing.
    const fromWindow = early !== undefined && (dryRun || sendsContent(early, item));
    let local = fromWindow ? known!.local : this.#o.index.get(group.name, item.path);
    let decided = fromWindow ? early : undefined;
    if (!dryRun && item.entry.kind !== "dir" && local?.entry.kind === "dir") {
      await this.recheck(group, [item.path], { recursive: true });
      local = this.#o.index.get(group.name, item.path);
      decided = undefined;
    }
    const d = decided ?? this.decide(group, item, local, pusher);
    // reviveParents re-creates and records ancestors only: `local` (this path's entry) stays current.
    if ("apply" in d && (d.apply === "write" || d.apply === "meta") && item.entry.kind !== "deleted") {
      // A dry run refuses what the real run would (PARENT_CONFLICT), making no directory.
      if (dryRun) await missingParents(this.#parents(group), item.path, seenDirs, dryConflicts);
      else await this.reviveParents(group, item.path, pusher, seenDirs);
    }
    if (sendsContent(d, item) && item.entry.kind === "file") {
      const mine = local?.entry;
      const delta = mine?.kind === "file" && mine.size > 0 && item.entry.size >= this.wholeBelow;
      return { answer: { kind: "send", mode: delta ? "delta" : "whole", decision: labelOf(d) }, changed: false };
    }
    if (dryRun) return { answer: dryAnswer(item, d, local), changed: false };
    return this.carryOut(group, item, pusher, d);
  }

  /** Carries out a decision that needs no content from the pusher (carry-out.ts). */
  async carryOut(group: Group, item: Pick<OfferItem, "path" | "entry">, pusher: Host, d: Decision): Promise<Outcome> {
    return carryOut(this.#carry, group, item, pusher, d);
  }

  /** Records a version just applied from `from` (the pusher, or the peer we fetched from). */
  record(group: Group, path: string, remote: EntryState, observed: Observation | undefined, vector: VersionVector, from: Host): void {
    recordApplied(this.#o.index, group, path, remote, observed, vector, from);
  }
}

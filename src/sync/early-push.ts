// Pushing what sync's check has recorded while the check goes on. The check of a big change
// (a first sync, a release of thousands of files) kept one core busy for its whole walk while
// every peer waited: in bench/sync (a), 10,000 new files, about a quarter of the run. Each of
// the check's transactions now hands over the ids it committed (index/write-batch.ts
// onCommit), and one lane per peer offers and sends those versions at once, on the session
// the check's first change opened (early-sessions.ts), so the peer writes files while this
// node still hashes them. The update then does what is left as before (update.ts), in the
// same batch: the peer runs its actions once, at the batch's end.
//
// What may go early, and when a group stops going early, is core/early-push.ts: writes only,
// never after a deletion or a change of kind, never a path before its new parent directory.
// A peer that had anything of the group pending before this run gets nothing early (older
// rows could be deletions the early writes would overtake). A lane that fails (the peer is
// down, the session broke) stops; its rows stay pending and the update reports the peer with
// that failure.

import type { Logger } from "pino";
import type { Config, Group, Host } from "../config/types.js";
import { ConflictNotices } from "../core/conflict-notice.js";
import { endsEarlyPush, splitEarly } from "../core/early-push.js";
import type { Change } from "../index/check-merge.js";
import type { Db } from "../index/database.js";
import { PendingStore } from "../index/pending.js";
import { passesFilters, type PathFilter } from "../core/path.js";
import type { Session } from "../net/session.js";
import type { ContentCache } from "./content-cache.js";
import type { DeltaPrefetch } from "./delta-prefetch.js";
import { newResult, type PeerResult, type PushContext } from "./push-context.js";

export interface EarlyPushOptions {
  readonly db: Db;
  readonly config: Config;
  readonly logger: Logger;
  /** The session to a group's peer (the run's pool, early-sessions.ts). */
  readonly session: (group: Group, host: Host) => Promise<Session>;
  /** -G / -P: only these groups and peers. */
  readonly groups?: readonly string[] | undefined;
  readonly peers?: readonly string[] | undefined;
  /** Only entries at (or, recursive, below) these logical paths, as the update filters. */
  readonly paths?: readonly PathFilter[];
  readonly contents?: ContentCache;
  readonly deltas?: DeltaPrefetch;
  /** One itemized line per path (as the update's). */
  readonly item: (line: string) => void;
}

/** One peer of one group: what waits to go to it, what went, and the push under way. */
interface Lane {
  readonly group: Group;
  readonly host: Host;
  /** Committed entry ids not pushed yet (some wait for their parent). */
  queue: number[];
  /** Paths offered early (a path's children wait for it: core/early-push.ts). */
  readonly sent: Set<string>;
  /** Entry ids offered early: the update does not offer them again (a refusal or a conflict would count twice). */
  readonly offered: Set<number>;
  result: PeerResult | undefined;
  running: Promise<void> | undefined;
  /** Why its push failed (the peer is down, the session broke): the update reports it for the peer. */
  failure: Error | undefined;
}

/** What pushing needs, loaded on the first push: a run whose check records nothing never loads it. */
interface Machinery {
  readonly context: (lane: Lane) => Promise<PushContext>;
  readonly pushRows: typeof import("./push.js").pushRows;
}

export class EarlyPush {
  readonly #o: EarlyPushOptions;
  readonly #pending: PendingStore;
  readonly #lanes: Lane[] = [];
  /** Per group: paths the check recorded a new version of (core/early-push.ts splitEarly). */
  readonly #changed = new Map<string, Set<string>>();
  /** Groups whose early pushes ended (a deletion or a change of kind). */
  readonly #ended = new Set<string>();
  #machinery: Promise<Machinery> | undefined;
  #finishing = false;

  /** Call before the check: which peers may get anything early is decided by what is pending now. */
  constructor(options: EarlyPushOptions) {
    this.#o = options;
    this.#pending = new PendingStore(options.db);
    for (const group of options.config.groups) {
      if (group.local.receiveOnly || (options.groups && !options.groups.includes(group.name))) continue;
      for (const host of group.peers) {
        if (options.peers && !options.peers.includes(host.name)) continue;
        if (this.#pending.anyForPeerInGroup(host.name, group.name)) continue;
        this.#lanes.push({ group, host, queue: [], sent: new Set(), offered: new Set(), result: undefined, running: undefined, failure: undefined });
      }
    }
  }

  /** The check found a change (check-run.ts onChange). */
  readonly onChange = (change: Change): void => {
    if (endsEarlyPush(change.kind)) this.#ended.add(change.group);
    else this.#changedIn(change.group).add(change.path);
  };

  /** The check committed new versions of these entries (check-run.ts onCommit). */
  readonly onCommit = (ids: readonly number[]): void => {
    if (this.#finishing) return;
    for (const lane of this.#lanes) {
      if (lane.failure || this.#ended.has(lane.group.name)) continue;
      lane.queue.push(...ids);
      // Later, not inside the check's transaction: the change that made this commit has not
      // reached onChange yet (it may end the group's early pushes).
      lane.running ??= Promise.resolve().then(() => this.#drive(lane));
    }
  };

  /** Stops taking new work and waits for the pushes under way; what is left stays pending. */
  async finish(): Promise<void> {
    this.#finishing = true;
    await Promise.all(this.#lanes.map((l) => l.running));
    for (const { group, host, result } of this.#lanes) {
      if (result !== undefined) this.#o.logger.info({ group: group.name, peer: host.name, offered: result.offered }, `${host.name}: ${result.offered} entr${result.offered === 1 ? "y" : "ies"} went while the check went on`);
    }
  }

  /** What went early to `host` of `group` (the update goes on with it), if anything did. */
  resultFor(group: string, host: string): PeerResult | undefined {
    return this.#lanes.find((l) => l.group.name === group && l.host.name === host)?.result;
  }

  /**
   * Why pushing to `host` of `group` failed during the check, if it did: the update reports
   * the peer with this error rather than trying again at once (the pool's backoff would
   * answer with a notice instead of the cause).
   */
  failureFor(group: string, host: string): Error | undefined {
    return this.#lanes.find((l) => l.group.name === group && l.host.name === host)?.failure;
  }

  /** Whether the entry was offered to `host` of `group` during the check (the update leaves it alone). */
  offeredEarly(group: string, host: string, entryId: number): boolean {
    return this.#lanes.find((l) => l.group.name === group && l.host.name === host)?.offered.has(entryId) ?? false;
  }

  /** Whether anything went early to any peer. */
  get pushedAny(): boolean {
    return this.#lanes.some((l) => l.result !== undefined);
  }

  async #drive(lane: Lane): Promise<void> {
    try {
      while (!this.#finishing && !lane.failure && lane.queue.length > 0 && !this.#ended.has(lane.group.name)) {
        const ready = this.#take(lane);
        if (ready.length === 0) break;
        const m = await (this.#machinery ??= loadMachinery(this.#o));
        const ctx = await m.context(lane);
        lane.result ??= newResult(lane.group.name, lane.host.name);
        for (const row of ready) lane.offered.add(row.entryId);
        await m.pushRows(ctx, ready, lane.result);
        for (const row of ready) lane.sent.add(row.path);
      }
    } catch (err) {
      lane.failure = err instanceof Error ? err : new Error(String(err));
    } finally {
      lane.running = undefined;
    }
  }

  /** The lane's queued rows that may go now; the rest stay queued for a later commit or the update. */
  #take(lane: Lane): ReturnType<PendingStore["listForPeerByIds"]> {
    const ids = lane.queue;
    lane.queue = [];
    const rows = this.#pending.listForPeerByIds(lane.host.name, ids).filter((r) => r.group === lane.group.name && passesFilters(r.path, this.#o.paths));
    const { ready, waiting } = splitEarly(rows, this.#changedIn(lane.group.name), lane.sent);
    lane.queue = waiting.map((r) => r.entryId);
    return ready;
  }

  #changedIn(group: string): Set<string> {
    let set = this.#changed.get(group);
    if (set === undefined) this.#changed.set(group, (set = new Set()));
    return set;
  }
}

async function loadMachinery(o: EarlyPushOptions): Promise<Machinery> {
  const [{ SyncIndex }, { Receiver }, { applyDepsFor }, push] = await Promise.all([
    import("./sync-index.js"), import("./receive.js"), import("./deps.js"), import("./push.js"),
  ]);
  const index = new SyncIndex(o.db, o.config.localName);
  const deps = applyDepsFor(o.db, () => o.config);
  // Only a sync run pushes early, and its summary names each conflict: the log need not.
  const receiver = new Receiver({ config: () => o.config, index, deps, logger: o.logger, notices: new ConflictNotices(undefined, true) });
  const context = async (lane: Lane): Promise<PushContext> => {
    // One peer of the group reads each file once and keeps nothing; several share the copies.
    const peers = lane.group.peers.filter((h) => !o.peers || o.peers.includes(h.name)).length;
    const contents = peers > 1 ? o.contents : o.contents?.readThrough();
    return {
      config: o.config, group: lane.group, host: lane.host, session: await o.session(lane.group, lane.host), index, receiver,
      deps: deps(lane.group), logger: o.logger, dryRun: false, item: o.item,
      ...(contents ? { contents } : {}), ...(o.deltas ? { deltas: o.deltas } : {}),
    };
  };
  return { context, pushRows: push.pushRows };
}

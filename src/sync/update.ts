// `peersync update` (csync2 -u), the second half of `sync` (-x): push every peer of every
// group its pending entries, several peers at once (bounded), each in its own session, so a
// peer that is down, slow or failing costs only its own entries (they stay pending, and the
// PeerPool's backoff spaces the retries). Then the sender's do-local actions, once per group.
// Decides nothing per path: the peer reconciles (sync/receive.ts) and push.ts follows.

import type { Logger } from "pino";
import { ActionDispatcher } from "../actions/dispatcher.js";
import { ActionRunner } from "../actions/runner.js";
import type { Config, Group, Host } from "../config/types.js";
import { ConflictNotices } from "../core/conflict-notice.js";
import { passesFilters, type PathFilter } from "../core/path.js";
import { uncoveredReason } from "../core/coverage.js";
import { hintOf, messageOf } from "../errors.js";
import { ActionQueue } from "../index/action-queue.js";
import type { Db } from "../index/database.js";
import type { PendingRow } from "../index/pending.js";
import { actionRecorder } from "../status/action-record.js";
import type { PeerPool } from "../net/pool.js";
import { ContentCache } from "./content-cache.js";
import type { DeltaPrefetch } from "./delta-prefetch.js";
import { deleteStop } from "./delete-stop.js";
import { applyDepsFor } from "./deps.js";
import { pushPending, type PeerResult } from "./push.js";
import { newResult } from "./push-context.js";
import { Receiver } from "./receive.js";
import { openPeerPool } from "./peer-pool.js";
import { daemonOwnsQueue } from "./service.js";
import { forgetTombstones } from "./forget-tombstones.js";
import { SyncIndex } from "./sync-index.js";

export interface UpdateOptions {
  readonly logger: Logger;
  /** Ask peers what they would do; change nothing anywhere (-d). @default false */
  readonly dryRun?: boolean;
  /** Only these groups (-G) / peers (-P). */
  readonly groups?: readonly string[];
  readonly peers?: readonly string[];
  /** Only pending entries at (or, with recursive, below) these logical paths. */
  readonly paths?: readonly PathFilter[];
  /** Peers pushed at once. @default 4 */
  readonly parallel?: number;
  /** One itemized line per path and peer. */
  readonly item?: (line: string) => void;
  /**
   * The action dispatcher to use. A daemon passes the one its SyncHandler uses (handler.dispatcher),
   * so that one queue row is never run by two dispatchers at once. @default a new one, which
   * first runs the rows a crash left queued
   */
  readonly dispatcher?: ActionDispatcher;
  /**
   * The `auto none` conflicts already told (warn): continuous mode passes one kept across its
   * pushes, so a retry meeting the same conflict tells it at debug. @default a new one per run
   */
  readonly conflictNotices?: ConflictNotices;
  /** Sessions to use and keep open (a daemon's continuous mode reuses one across pushes). @default a new pool, closed at the end */
  readonly pool?: PeerPool;
  /**
   * A one-shot command (sync, update): its report names each unreachable peer once (with the
   * hint), so they are logged here at debug only. @default false (the daemon warns: its log
   * is where they are read)
   */
  readonly oneShot?: boolean;
  /** The clock tombstone retention is measured with, ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** Small files this run's check read, kept for the push (content-cache.ts). @default none */
  readonly contents?: ContentCache;
  /** Deltas of big files this run's check began (delta-prefetch.ts). @default none */
  readonly deltas?: DeltaPrefetch;
  /** What this run pushed while its check went on (early-push.ts): the update goes on from there. @default none */
  readonly early?: {
    resultFor(group: string, host: string): PeerResult | undefined;
    failureFor(group: string, host: string): Error | undefined;
    offeredEarly(group: string, host: string, entryId: number): boolean;
    readonly pushedAny: boolean;
  };
}

/** A peer not synced: why, and what to do about it when the error says (a wrong key, a host the peer does not know). */
export interface Unreachable {
  readonly group: string;
  readonly peer: string;
  readonly message: string;
  readonly hint?: string;
}

export interface UpdateSummary {
  readonly results: readonly PeerResult[];
  /** Each peer not reached (or lost mid-way). */
  readonly unreachable: readonly Unreachable[];
  /** Groups halted by max-delete: the message, and the peers that got nothing of the group. */
  readonly safetyStops: readonly SafetyStop[];
  readonly conflicts: number;
  readonly problems: number;
  readonly actionsFailed: number;
}

export interface SafetyStop {
  readonly group: string;
  readonly peers: readonly string[];
  readonly message: string;
}

export async function runUpdate(db: Db, config: Config, options: UpdateOptions): Promise<UpdateSummary> {
  const { logger } = options;
  const index = new SyncIndex(db, config.localName);
  const deps = applyDepsFor(db, () => config);
  // A one-shot run's summary names each conflict (sync/command.ts report): its log need not.
  const notices = options.conflictNotices ?? (options.oneShot === true ? new ConflictNotices(undefined, true) : undefined);
  const receiver = new Receiver({ config: () => config, index, deps, logger, ...(notices ? { notices } : {}) });
  const dispatcher = options.dispatcher ?? new ActionDispatcher({ config, queue: new ActionQueue(db), runner: new ActionRunner({ logger }), logger, onResult: actionRecorder(db) });
  // Rows a crash left queued; a running daemon on this node runs them itself (never both).
  if (!options.dryRun && !options.dispatcher && !daemonOwnsQueue(db)) await dispatcher.runPending();
  // Made on first use: a run with nothing pending opens no session and never reads the key.
  let own: PeerPool | undefined;
  const pool = (): PeerPool => options.pool ?? (own ??= openPeerPool(db, config, logger, { oneShot: options.oneShot === true }));
  const results: PeerResult[] = [];
  const unreachable: Unreachable[] = [];
  const safetyStops: SafetyStop[] = [];
  const round = { config, pool, index, receiver, deps, options, results, unreachable, safetyStops };
  try {
    const fetched = await pushRound(round, undefined);
    // Versions taken back from one peer are pending for the others: a second round brings
    // them along, so one run converges the whole group, not just the pair that conflicted.
    if (fetched.size > 0 && !options.dryRun) await pushRound(round, fetched);
  } finally {
    await own?.close();
  }
  if (!options.dryRun) forgetTombstones(db, () => index, config, options);
  const actionsFailed = options.dryRun ? 0 : await runOwnActions(dispatcher, results);
  return {
    results, unreachable, safetyStops, actionsFailed: actionsFailed + sum(results, (r) => r.actionsFailed),
    conflicts: sum(results, (r) => r.conflicts.length), problems: sum(results, (r) => r.problems.length),
  };
}

interface Round {
  readonly config: Config;
  readonly pool: () => PeerPool;
  readonly index: SyncIndex;
  readonly receiver: Receiver;
  readonly deps: ReturnType<typeof applyDepsFor>;
  readonly options: UpdateOptions;
  readonly results: PeerResult[];
  readonly unreachable: Unreachable[];
  readonly safetyStops: SafetyStop[];
}

/** Pushes every peer its pending rows (only `only`'s "group\0path" keys when given); returns what was taken back. */
async function pushRound(r: Round, only: ReadonlySet<string> | undefined): Promise<Set<string>> {
  const { config, options, index } = r;
  const { logger } = options;
  const failed = new Set(r.unreachable.map((u) => `${u.group}\0${u.peer}`));
  const fetched = new Set<string>();
  const tasks: (() => Promise<void>)[] = [];
  for (const group of config.groups.filter((g) => !options.groups || options.groups.includes(g.name))) {
    if (group.local.receiveOnly) {
      if (!only) logger.info({ group: group.name }, `group "${group.name}": this host is receive-only, nothing is pushed`);
      continue;
    }
    const work = peerWork(index, group, options)
      .map((w) => ({ ...w, rows: only ? w.rows.filter((row) => only.has(`${group.name}\0${row.path}`)) : w.rows.filter((row) => !options.early?.offeredEarly(group.name, w.host.name, row.entryId)) }))
      .map((w) => ({ ...w, prior: only ? undefined : options.early?.resultFor(group.name, w.host.name) }))
      .filter((w) => (w.rows.length > 0 || w.prior !== undefined) && !failed.has(`${group.name}\0${w.host.name}`));
    const stop = only ? undefined : deleteStop(index, group, work);
    if (stop !== undefined) {
      r.safetyStops.push({ group: group.name, peers: work.map((w) => w.host.name), message: stop });
      // A one-shot run says it on its own `safety stop:` line (sync/command.ts report).
      logger[options.oneShot === true ? "debug" : "error"]({ group: group.name }, stop);
    }
    // Several peers get this group's files: each small file is read once for all of them. One
    // peer uses what the check kept, and keeps nothing more.
    const contents = work.length > 1 ? (options.contents ?? new ContentCache()) : options.contents?.readThrough();
    for (const { host, rows, prior } of work) {
      // Stopped: nothing more goes, but what went during the check ends its batch (the peer's actions).
      if (stop !== undefined && prior === undefined) continue;
      tasks.push(async () => {
        // Filled as the push goes: a peer lost mid-way keeps what it applied before (the summary counts it).
        const result = prior ?? newResult(group.name, host.name);
        try {
          const failedEarly = only ? undefined : options.early?.failureFor(group.name, host.name);
          if (failedEarly) throw failedEarly;
          const session = await r.pool().session(group, host);
          const ctx = {
            config, group, host, session, index, receiver: r.receiver, deps: r.deps(group), logger, dryRun: options.dryRun ?? false, item: options.item ?? (() => {}),
            ...(contents ? { contents } : {}), ...(options.deltas ? { deltas: options.deltas } : {}),
          };
          await pushPending(ctx, stop === undefined ? rows : [], result);
          r.results.push(result);
          for (const p of result.fetchedPaths) fetched.add(`${group.name}\0${p}`);
        } catch (err) {
          if (result.offered > 0) r.results.push(result);
          const hint = hintOf(err);
          r.unreachable.push({ group: group.name, peer: host.name, message: messageOf(err), ...(hint !== undefined ? { hint } : {}) });
          logger[options.oneShot === true ? "debug" : "warn"]({ group: group.name, peer: host.name, ...(hint !== undefined ? { hint } : {}) }, `peer "${host.name}" not synced: ${messageOf(err)}; its entries stay pending`);
        }
      });
    }
  }
  // The identity is read here, not in a task: a broken one fails the run, not each peer.
  if (tasks.length > 0) r.pool();
  await runBounded(tasks, options.parallel ?? 4);
  return fetched;
}

function peerWork(index: SyncIndex, group: Group, options: UpdateOptions): { host: Host; rows: PendingRow[] }[] {
  const out: { host: Host; rows: PendingRow[] }[] = [];
  let dropped = 0;
  for (const host of group.peers) {
    if (options.peers && !options.peers.includes(host.name)) continue;
    const rows = index.pending.listForPeer(host.name).filter((r) => r.group === group.name && passesFilters(r.path, options.paths));
    // Marked before an exclude was added (or an include removed): no peer takes them, each
    // refused them NOT_INCLUDED on every run, for ever. They are no longer this group's to send.
    const covered: PendingRow[] = [];
    const uncovered: number[] = [];
    for (const r of rows) (uncoveredReason([group], group.name, r.path) === undefined ? covered.push(r) : uncovered.push(r.entryId));
    if (uncovered.length > 0 && !options.dryRun) index.pending.clearMany(uncovered, host.name);
    dropped += uncovered.length;
    out.push({ host, rows: covered });
  }
  if (dropped > 0) {
    options.logger.info({ group: group.name, rows: dropped },
      `group "${group.name}": ${options.dryRun ? "would drop" : "dropped"} ${dropped} pending row(s) of paths its include and exclude lines no longer cover; \`peersync prune\` removes their index entries`);
  }
  return out;
}

/** do-local actions for what peers applied, and this node's actions for what it took back. */
async function runOwnActions(dispatcher: ActionDispatcher, results: readonly PeerResult[]): Promise<number> {
  let failed = 0;
  const byGroup = new Map<string, { sent: Set<string>; fetched: Set<string> }>();
  for (const r of results) {
    const g = byGroup.get(r.group) ?? { sent: new Set<string>(), fetched: new Set<string>() };
    for (const p of r.changedRemote) g.sent.add(p);
    for (const p of r.fetchedPaths) g.fetched.add(p);
    byGroup.set(r.group, g);
  }
  for (const [group, g] of byGroup) {
    for (const [side, paths] of [["sender", g.sent], ["receiver", g.fetched]] as const) {
      if (paths.size === 0) continue;
      const ran = await dispatcher.afterBatch({ group, changedPaths: [...paths], side });
      failed += ran.filter((x) => !x.ok).length;
    }
  }
  return failed;
}

async function runBounded(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

function sum<T>(items: readonly T[], f: (t: T) => number): number {
  return items.reduce((n, t) => n + f(t), 0);
}

// What continuous mode adds to `peersync daemon` (sync/daemon.ts), started once the index is
// open and stopped before it is closed: the Metrics object (served over HTTP when an address
// is given), the status board persisted for `peersync status`, and the continuous loop with
// the push it drives. A config reload restarts the loop (and its peer pool) on the new config;
// the metrics, their server and the board live as long as the daemon.
//
// The push is the engine's `runUpdate` for the group, on one PeerPool kept between pushes (a
// TLS handshake per change would cost more than the debounce) and with the daemon's own action
// dispatcher, so a queued action row is never run by two dispatchers.

import type { Logger } from "pino";
import type { ActionDispatcher } from "../actions/dispatcher.js";
import { ConflictNotices } from "../core/conflict-notice.js";
import type { Config } from "../config/types.js";
import { messageOf } from "../errors.js";
import type { Db } from "../index/database.js";
import { PinStore } from "../index/pins.js";
import { Metrics } from "../metrics/metrics.js";
import { serveMetrics, type MetricsAddress, type MetricsServer } from "../metrics/server.js";
import { loadOrCreateIdentity } from "../net/identity.js";
import { limitsFromEnv, resolveLimits } from "../net/limits.js";
import { PeerPool } from "../net/pool.js";
import { StatusBoard } from "../status/board.js";
import { conflictCounts, pendingCounts, queuedActions } from "../status/queries.js";
import { runUpdate } from "../sync/update.js";
import { problemsText } from "../status/run-record.js";
import { startContinuous, type CheckFn, type Continuous } from "./continuous.js";
import type { RootHalt } from "./root-halts.js";
import { markNewPeers } from "./new-peers.js";
import type { PushFn } from "./pusher.js";
import { realTimers } from "./timers.js";
import { runCheck } from "../index/check-run.js";

export interface DaemonServicesOptions {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  /** Serve /metrics here (daemon --metrics, PEERSYNC_METRICS_PORT); undefined: no server. */
  readonly metricsAddress?: MetricsAddress | undefined;
  /** @default updatePush() over a pool kept by the services */
  readonly push?: PushFn;
  /** Watch and check (false: metrics and board only, e.g. daemon --once). @default true */
  readonly continuous?: boolean;
  /** The daemon's action dispatcher (SyncHandler.dispatcher); @default runUpdate makes its own per push. */
  readonly dispatcher?: ActionDispatcher | undefined;
  /**
   * The `auto none` conflicts already told (the SyncHandler's Receiver.notices, so a conflict
   * met pushing and receiving is told once). @default one kept by the services across pushes
   */
  readonly conflictNotices?: ConflictNotices | undefined;
  /** Held around each path check, so it does not interleave with a receive (Receiver.mutex.lock). */
  readonly lock?: (() => Promise<() => void>) | undefined;
  /** Test hook (PEERSYNC_TEST_INITIAL_CHECK_DELAY_MS): the initial full check ends this much later. @default 0 */
  readonly initialCheckDelayMs?: number;
}

export interface DaemonServices {
  readonly metrics: Metrics;
  readonly board: StatusBoard;
  /** The running loop (a new one after each reload). */
  readonly continuous: Continuous | undefined;
  readonly metricsServer: MetricsServer | undefined;
  /** Restarts the loop on a new config (the caller's reload); waits at most `graceMs` for the old one. */
  reload(config: Config, graceMs?: number): Promise<void>;
  /** Stops everything; waits at most `graceMs` for a check or push in hand (see Continuous.stop). */
  stop(graceMs?: number): Promise<void>;
}

export async function startDaemonServices(options: DaemonServicesOptions): Promise<DaemonServices> {
  const { db, logger } = options;
  let config = options.config;
  // Node's process metrics sample the event loop every 10 ms: only when someone can scrape them.
  const metrics = new Metrics({ processMetrics: options.metricsAddress !== undefined });
  metrics.setSources({
    pending: () => withZeros(config, pendingCounts(db)),
    conflicts: () => groupConflicts(db),
    queuedActions: () => queuedActions(db),
  });
  const board = new StatusBoard({ timers: realTimers, db });
  board.announce();
  const metricsServer = options.metricsAddress ? await serveMetrics(metrics, options.metricsAddress) : undefined;
  if (metricsServer) logger.info({ address: `${metricsServer.address.host}:${metricsServer.address.port}` }, "metrics served at /metrics");

  // Outlives a reload's new loop: a conflict told before the reload is not news after it.
  const conflictNotices = options.conflictNotices ?? new ConflictNotices();
  let loop: { continuous: Continuous; pool: PeerPool | undefined } | undefined;
  // Likewise a group halted for an unmounted root: told once, not again after each reload.
  let haltsBefore: readonly RootHalt[] = [];
  const startLoop = (cfg: Config, initial: boolean): void => {
    if (!(options.continuous ?? true)) return;
    // A peer new to a group gets the whole tree on first contact (DESIGN §1, upload-farm).
    const marked = markNewPeers(db, cfg);
    for (const m of marked) logger.info(m, `new peer "${m.peer}" in group "${m.group}": ${m.entries} entries marked for it`);
    const pool = options.push ? undefined : newPool(cfg, db, logger);
    const push = options.push ?? updatePush({ config: cfg, db, logger, board, metrics, pool, dispatcher: options.dispatcher, conflictNotices });
    const delay = initial ? options.initialCheckDelayMs ?? 0 : 0;
    const continuous = startContinuous({ config: cfg, db, logger, push, metrics, board, lock: options.lock, haltsBefore, ...(delay > 0 ? { check: delayedFirstCheck(delay, logger) } : {}) });
    const watched = cfg.groups.filter((g) => g.watch).length;
    void continuous.ready.then(() => {
      if (watched > 0) logger.info({ groups: watched }, "continuous mode ready: initial full check done");
    });
    loop = { continuous, pool };
  };
  const stopLoop = async (graceMs: number | undefined): Promise<void> => {
    const old = loop;
    loop = undefined;
    await old?.continuous.stop(graceMs);
    // After its stop: the old loop's last check may have found a root back.
    haltsBefore = old?.continuous.halts() ?? [];
    await old?.pool?.close(Math.min(graceMs ?? 1_000, 1_000));
  };
  startLoop(config, true);
  return {
    metrics, board, metricsServer,
    get continuous() {
      return loop?.continuous;
    },
    reload: async (next, graceMs) => {
      await stopLoop(graceMs);
      config = next;
      startLoop(next, false);
    },
    stop: async (graceMs) => {
      await stopLoop(graceMs);
      board.close();
      await metricsServer?.close();
    },
  };
}

function newPool(config: Config, db: Db, logger: Logger): PeerPool {
  return new PeerPool({ identity: loadOrCreateIdentity(config.stateDir), pins: new PinStore(db), limits: resolveLimits(limitsFromEnv(process.env)), logger });
}

/** The first check returns `ms` after its walk: writes meanwhile reach only the watcher (tests of lsyncd #226). */
function delayedFirstCheck(ms: number, logger: Logger): CheckFn {
  let first = true;
  return async (db, config, options) => {
    const summary = await runCheck(db, config, options);
    if (first) {
      first = false;
      logger.warn({ delayMs: ms }, "Test hook PEERSYNC_TEST_INITIAL_CHECK_DELAY_MS: delaying the end of the initial full check");
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    return summary;
  };
}

/** Every (group, peer) of the config, 0 when nothing is pending: a series must not vanish when it drains. */
function withZeros(config: Config, counts: readonly { group: string; peer: string; n: number }[]): { group: string; peer: string; n: number }[] {
  const out = new Map<string, { group: string; peer: string; n: number }>();
  for (const g of config.groups) for (const p of g.peers) out.set(`${g.name}\0${p.name}`, { group: g.name, peer: p.name, n: 0 });
  for (const c of counts) out.set(`${c.group}\0${c.peer}`, c);
  return [...out.values()];
}

function groupConflicts(db: Db): { group: string; n: number }[] | undefined {
  const rows = conflictCounts(db);
  if (rows === undefined) return undefined;
  const byGroup = new Map<string, number>();
  for (const r of rows) byGroup.set(r.group, (byGroup.get(r.group) ?? 0) + r.n);
  return [...byGroup].map(([group, n]) => ({ group, n }));
}

export interface UpdatePushDeps {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly board?: StatusBoard;
  readonly metrics?: Metrics;
  /** Sessions kept between pushes; @default a new pool per push */
  readonly pool?: PeerPool | undefined;
  /** @default runUpdate's own */
  readonly dispatcher?: ActionDispatcher | undefined;
  /** Conflicts told by earlier pushes (retries tell them at debug). @default a new one per push */
  readonly conflictNotices?: ConflictNotices | undefined;
}

/** A PushFn over the engine's runUpdate: everything pending for the group goes to its peers. */
export function updatePush(deps: UpdatePushDeps): PushFn {
  const { config, db, logger, board, metrics } = deps;
  return async (group, _paths, context) => {
    const started = Date.now();
    let summary;
    try {
      summary = await runUpdate(db, config, {
        logger, groups: [group], ...(deps.pool ? { pool: deps.pool } : {}), ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
        ...(deps.conflictNotices ? { conflictNotices: deps.conflictNotices } : {}),
      });
    } catch (err) {
      logger.warn({ group, err: messageOf(err) }, `push of group "${group}" failed: ${messageOf(err)}`);
      return;
    }
    // From the first event of the oldest change (or the push's start for a full check or a retry).
    const seconds = (Date.now() - (context.sinceMs ?? started)) / 1000;
    for (const r of summary.results) {
      const labels = { group, peer: r.peer };
      board?.recordPeer(group, r.peer, problemsText(r.problems), true);
      metrics?.peerUp.set(labels, 1);
      metrics?.filesSent.inc(labels, r.applied);
      metrics?.filesReceived.inc(labels, r.fetched);
      metrics?.conflictsDetected.inc({ group }, r.conflicts.length + r.conflictsWon + r.conflictsLost);
      metrics?.actionRuns.inc({ group }, r.actionsRan);
      metrics?.actionFailures.inc({ group }, r.actionsFailed);
      if (r.applied > 0) metrics?.syncLatency.observe(labels, seconds);
      if (r.actionsRan > 0) board?.recordAction(group, r.actionsFailed === 0, r.actionsFailed > 0 ? `${r.actionsFailed} failed on ${r.peer}` : undefined);
    }
    for (const s of summary.safetyStops) for (const peer of s.peers) board?.recordPeer(group, peer, `safety stop: ${s.message}`);
    for (const u of summary.unreachable) {
      board?.recordPeer(group, u.peer, u.message);
      metrics?.peerUp.set({ group, peer: u.peer }, 0);
      metrics?.syncErrors.inc({ group, peer: u.peer });
    }
    // Stale paths too: the pusher checks a path again when its disk state moved (pusher.ts).
    return summary.results.flatMap((r) => [...r.problems.map((p) => p.path), ...r.stale]);
  };
}

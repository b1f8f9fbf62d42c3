// What continuous mode adds to `peersync daemon`, started and stopped as one: the Metrics
// object (served over HTTP when an address is given), the status board persisted for
// `peersync status`, and the continuous loop. The daemon (sync/daemon.ts) calls
// startDaemonServices() once the index is open and stop() before it closes it.
//
// Until the sync engine offers a push made for the daemon, `updatePush` runs the engine's
// `runUpdate` for the group (what `peersync update -G group` does) and records each peer's
// outcome on the board and in the metrics.

import type { Logger } from "pino";
import type { Config } from "../config/types.js";
import { messageOf } from "../errors.js";
import type { Db } from "../index/database.js";
import { Metrics } from "../metrics/metrics.js";
import { serveMetrics, type MetricsAddress, type MetricsServer } from "../metrics/server.js";
import { StatusBoard } from "../status/board.js";
import { conflictCounts, pendingCounts, queuedActions } from "../status/queries.js";
import { runUpdate } from "../sync/update.js";
import { startContinuous, type Continuous } from "./continuous.js";
import type { PushFn } from "./pusher.js";
import { realTimers } from "./timers.js";

export interface DaemonServicesOptions {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  /** Serve /metrics here (daemon --metrics, PEERSYNC_METRICS_PORT); undefined: no server. */
  readonly metricsAddress?: MetricsAddress | undefined;
  /** @default updatePush() */
  readonly push?: PushFn;
  /** Watch and check (false: metrics and board only, e.g. daemon --once). @default true */
  readonly continuous?: boolean;
}

export interface DaemonServices {
  readonly metrics: Metrics;
  readonly board: StatusBoard;
  readonly continuous: Continuous | undefined;
  readonly metricsServer: MetricsServer | undefined;
  /** Stops everything; waits at most `graceMs` for a check in hand (see Continuous.stop). */
  stop(graceMs?: number): Promise<void>;
}

export async function startDaemonServices(options: DaemonServicesOptions): Promise<DaemonServices> {
  const { config, db, logger } = options;
  const metrics = new Metrics();
  metrics.setSources({
    pending: () => withZeros(config, pendingCounts(db)),
    conflicts: () => groupConflicts(db),
    queuedActions: () => queuedActions(db),
  });
  const board = new StatusBoard({ timers: realTimers, db });
  const metricsServer = options.metricsAddress ? await serveMetrics(metrics, options.metricsAddress) : undefined;
  if (metricsServer) logger.info({ address: `${metricsServer.address.host}:${metricsServer.address.port}` }, "metrics served at /metrics");
  const push = options.push ?? updatePush({ config, db, logger, board, metrics });
  const continuous = options.continuous ?? true ? startContinuous({ config, db, logger, push, metrics, board }) : undefined;
  return {
    metrics, board, continuous, metricsServer,
    stop: async (graceMs) => {
      await continuous?.stop(graceMs);
      board.close();
      await metricsServer?.close();
    },
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
}

/** A PushFn over the engine's runUpdate: everything pending for the group goes to its peers. */
export function updatePush(deps: UpdatePushDeps): PushFn {
  const { config, db, logger, board, metrics } = deps;
  return async (group, _paths, context) => {
    const started = Date.now();
    let summary;
    try {
      summary = await runUpdate(db, config, { logger, groups: [group] });
    } catch (err) {
      logger.warn({ group, err: messageOf(err) }, `push of group "${group}" failed: ${messageOf(err)}`);
      return;
    }
    // From the first event of the oldest change (or the push's start for a full check or a retry).
    const seconds = (Date.now() - (context.sinceMs ?? started)) / 1000;
    for (const r of summary.results) {
      const labels = { group, peer: r.peer };
      board?.recordPeer(group, r.peer);
      metrics?.peerUp.set(labels, 1);
      metrics?.filesSent.inc(labels, r.applied);
      metrics?.filesReceived.inc(labels, r.fetched);
      metrics?.conflictsDetected.inc({ group }, r.conflicts.length);
      metrics?.actionRuns.inc({ group }, r.actionsRan);
      metrics?.actionFailures.inc({ group }, r.actionsFailed);
      if (r.applied > 0) metrics?.syncLatency.observe(labels, seconds);
      if (r.actionsRan > 0) board?.recordAction(group, r.actionsFailed === 0, r.actionsFailed > 0 ? `${r.actionsFailed} failed on ${r.peer}` : undefined);
    }
    for (const u of summary.unreachable) {
      board?.recordPeer(group, u.peer, u.message);
      metrics?.peerUp.set({ group, peer: u.peer }, 0);
      metrics?.syncErrors.inc({ group, peer: u.peer });
    }
  };
}

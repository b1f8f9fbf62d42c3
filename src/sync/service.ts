// The daemon's default handler: the sync service (handler.ts) with its index view, apply
// dependencies and action dispatcher. Actions a crash left queued run as soon as the daemon
// listens (csync2 runs leftover rows at its next start): claimActionQueue().

import { join } from "node:path";
import type { Logger } from "pino";
import { ActionDispatcher } from "../actions/dispatcher.js";
import { ActionRunner } from "../actions/runner.js";
import type { Config } from "../config/types.js";
import { ActionQueue } from "../index/action-queue.js";
import { MetaStore } from "../index/meta.js";
import { actionRecorder } from "../status/action-record.js";
import type { Db } from "../index/database.js";
import type { BasicHandler } from "../net/basic-handler.js";
import { applyDepsFor } from "./deps.js";
import { SyncHandler } from "./handler.js";
import { signatureCacheFromEnv } from "./signature-cache.js";
import { SyncIndex } from "./sync-index.js";
import { tunable } from "../config/tunables.js";
import { processAlive } from "../fs/process-alive.js";

export interface SyncServiceDeps {
  readonly db: Db;
  readonly config: () => Config;
  readonly basic: BasicHandler;
  readonly logger: Logger;
}

export function createSyncHandler(deps: SyncServiceDeps): SyncHandler {
  const { db, config, logger } = deps;
  const dispatcher = new ActionDispatcher({
    config: { get groups() { return config().groups; }, get prefixes() { return config().prefixes; }, toLocalPath: (p) => config().toLocalPath(p) },
    queue: new ActionQueue(db), runner: new ActionRunner({ logger }), logger,
    // A burst of batches (several pushers, or one pushing twice) runs each action once per
    // group's `debounce` (DESIGN §8), not once per batch.
    debounce: true, onResult: actionRecorder(db),
  });
  const wholeBelow = tunable("PEERSYNC_WHOLE_FILE_BELOW", process.env);
  return new SyncHandler({
    config, index: new SyncIndex(db, config().localName), deps: applyDepsFor(db, config), basic: deps.basic, dispatcher, logger,
    signatures: signatureCacheFromEnv(join(config().stateDir, "signatures"), logger),
    ...(wholeBelow === undefined ? {} : { wholeBelow }),
  });
}

/**
 * Makes this daemon the owner of the index's action queue and runs the rows a crash left queued.
 * Called once the daemon listens: a second daemon started by mistake (its listen fails) once
 * took the queue over before failing, so one-shot runs found the owner dead and ran the rows
 * the live daemon was running too: actions twice.
 */
export function claimActionQueue(db: Db, handler: SyncHandler): void {
  new MetaStore(db).set(DAEMON_PID_KEY, String(process.pid));
  void handler.dispatcher.runPending();
}

/** The pid of the daemon that owns this index's action queue (it runs leftover rows itself). */
const DAEMON_PID_KEY = "actions.daemon_pid";

/**
 * True when a daemon other than this process serves this index: a one-shot run must then leave
 * the queued rows to it (they may be waiting out its debounce, or running), or they run twice.
 */
export function daemonOwnsQueue(db: Db, isAlive: (pid: number) => boolean = processAlive): boolean {
  const pid = Number(new MetaStore(db).get(DAEMON_PID_KEY));
  return Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid);
}


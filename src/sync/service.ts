// The daemon's default handler: the sync service (handler.ts) with its index view, apply
// dependencies and action dispatcher. Actions a crash left queued run at once (csync2 runs
// leftover rows at its next start).

import type { Logger } from "pino";
import { ActionDispatcher } from "../actions/dispatcher.js";
import { ActionRunner } from "../actions/runner.js";
import type { Config } from "../config/types.js";
import { ActionQueue } from "../index/action-queue.js";
import { actionRecorder } from "../status/action-record.js";
import type { Db } from "../index/database.js";
import type { BasicHandler } from "../net/basic-handler.js";
import { applyDepsFor } from "./deps.js";
import { SyncHandler } from "./handler.js";
import { SyncIndex } from "./sync-index.js";

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
  void dispatcher.runPending();
  const wholeBelow = Number(process.env["PEERSYNC_WHOLE_FILE_BELOW"] ?? 64 * 1024);
  return new SyncHandler({
    config, index: new SyncIndex(db, config().localName), deps: applyDepsFor(db, config), basic: deps.basic, dispatcher, logger,
    ...(Number.isSafeInteger(wholeBelow) && wholeBelow >= 0 ? { wholeBelow } : {}),
  });
}

// The update half of `peersync sync` (and all of `peersync update`): runUpdate, unless there is
// nothing for it to do (no entry pending for any peer, no action queued). Then only its last
// step runs, old tombstones forgotten, and the push machinery (TLS, sessions, actions) is never
// loaded: a sync from cron that finds nothing to do is mostly start-up (~95 ms here), and
// loading and setting that up was ~2 ms of it.

import type { Config } from "../config/types.js";
import type { Db } from "../index/database.js";
import { forgetTombstones } from "./forget-tombstones.js";
import { SyncIndex } from "./sync-index.js";
import type { UpdateOptions, UpdateSummary } from "./update.js";

export async function updateStep(db: Db, config: Config, options: UpdateOptions): Promise<UpdateSummary> {
  // A run whose check pushed everything early still ends those batches (the peers' actions).
  if (hasUpdateWork(db) || options.early?.pushedAny) return (await import("./update.js")).runUpdate(db, config, options);
  if (!options.dryRun) forgetTombstones(db, () => new SyncIndex(db, config.localName), config, options);
  return { results: [], unreachable: [], safetyStops: [], conflicts: 0, problems: 0, actionsFailed: 0 };
}

function hasUpdateWork(db: Db): boolean {
  return db.prepare("SELECT EXISTS (SELECT 1 FROM pending) OR EXISTS (SELECT 1 FROM action_queue)").pluck().get() === 1;
}

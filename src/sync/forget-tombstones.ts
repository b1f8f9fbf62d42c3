// The last step of every update: tombstones every peer acknowledged longer than the group's
// retention ago are dropped (sync-index.ts purgeTombstones). Its own module because an update
// with nothing to push does this and nothing else (sync/command.ts), without loading the rest.

import type { Logger } from "pino";
import type { Config } from "../config/types.js";
import type { Db } from "../index/database.js";
import { purgeTombstones, type SyncIndex } from "./sync-index.js";

export interface ForgetOptions {
  readonly logger: Logger;
  /** Only these groups (-G). */
  readonly groups?: readonly string[] | undefined;
  /** The clock retention is measured with, ms since the epoch. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** Drops the tombstones every peer acknowledged longer than the group's retention ago. */
export function forgetTombstones(db: Db, indexOf: () => SyncIndex, config: Config, options: ForgetOptions): void {
  const nowMs = (options.now ?? Date.now)();
  for (const group of config.groups.filter((g) => !options.groups || options.groups.includes(g.name))) {
    const retention = group.tombstoneRetentionMs === undefined ? {} : { retentionMs: group.tombstoneRetentionMs };
    const purged = purgeTombstones(db, indexOf, group.name, group.peers.map((h) => h.name), { nowMs, ...retention });
    if (purged.length > 0) options.logger.info({ group: group.name, tombstones: purged.length }, `group "${group.name}": forgot ${purged.length} deletion(s) every peer acknowledged before the retention`);
  }
}

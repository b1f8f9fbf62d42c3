// The PeerPool a sync or update run connects through: this node's identity, the pins its index
// keeps, the connection limits from the environment. One place for both who open one: the
// update (update.ts) and the sessions a sync opens while its check still runs (early-sessions.ts).

import type { Logger } from "pino";
import type { Config } from "../config/types.js";
import type { Db } from "../index/database.js";
import { PinStore } from "../index/pins.js";
import { loadOrCreateIdentity } from "../net/identity.js";
import { limitsFromEnv, resolveLimits } from "../net/limits.js";
import { PeerPool } from "../net/pool.js";

/**
 * Reads (or, on a first run, makes) the identity now: a broken one throws here, once.
 * `oneShot`: a sync or update command, which names unreachable peers itself (PeerPoolOptions).
 */
export function openPeerPool(db: Db, config: Config, logger: Logger, options: { readonly oneShot?: boolean } = {}): PeerPool {
  return new PeerPool({
    identity: loadOrCreateIdentity(config.stateDir), pins: new PinStore(db), limits: resolveLimits(limitsFromEnv(process.env)), logger,
    oneShot: options.oneShot === true,
  });
}

// What the tombstone tests share: an update run as if days had passed (runUpdate's injected
// clock, never slept on), and what a node's index holds of a deleted name.

import { loadConfig } from "../../src/config/load.js";
import { openIndex } from "../../src/index/database.js";
import { EntryStore } from "../../src/index/entries.js";
import { silentLogger } from "../../src/net/testing.js";
import { runUpdate } from "../../src/sync/update.js";
import type { ClusterNode } from "./sync-cluster.js";

const DAY = 24 * 60 * 60 * 1000;

/** `peersync update` in this process, on `node`, as if it ran `daysLater` days from now. */
export async function updateLater(node: ClusterNode, configFile: string, daysLater: number): Promise<void> {
  const config = loadConfig({ configFile, nodeName: node.name, stateDir: node.state });
  const db = openIndex(node.state);
  try {
    await runUpdate(db, config, { logger: silentLogger(), now: () => Date.now() + daysLater * DAY });
  } finally {
    db.close();
  }
}

/** What `node`'s index holds of %data%/`name` in group g. */
export function tombstoneOf(node: ClusterNode, name: string): "live" | "tombstone" | "forgotten" {
  const db = openIndex(node.state, { readonly: true });
  try {
    const r = new EntryStore(db).get("g", `%data%/${name}`);
    return r === undefined ? "forgotten" : r.deletedNs === undefined ? "live" : "tombstone";
  } finally {
    db.close();
  }
}

// A peer added to a watched group (DESIGN §1, upload-farm: a new web node) has none of the group's
// files, but nothing is pending for it: pending rows are made when a file changes, and it was
// not a peer then. The daemon remembers each group's peers in the index (meta
// "daemon.peers.<group>"); at start and at every reload, a peer it has not seen before gets
// every live entry of the group marked pending, so the first push brings it the whole tree
// (it answers "in sync" for what it already has). A peer removed from the group loses its
// pending rows there, or they would be retried for ever.
//
// The first time (no record), the peers are only recorded: a fresh index marks everything for
// every peer at its first check anyway, and an index made by cron runs is taken as synced.
//
// Two callers: the daemon for its `watch yes` groups (it pushes them), and every sync and
// update run (sync/command.ts) for all of this node's groups, so a group driven by cron
// (`watch no`, csync2's way) brings a new host the whole tree too. Both share the record, so
// whichever runs first after the config changed marks the new peer, once.

import type { Config } from "../config/types.js";
import type { Db } from "../index/database.js";
import { MetaStore } from "../index/meta.js";
import { PendingStore } from "../index/pending.js";

export interface PeerChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** What changed between the recorded peers (undefined: never recorded) and the config's. Pure. */
export function peerChanges(known: readonly string[] | undefined, current: readonly string[]): PeerChanges {
  if (known === undefined) return { added: [], removed: [] };
  const before = new Set(known);
  const now = new Set(current);
  return { added: [...now].filter((p) => !before.has(p)).sort(), removed: [...before].filter((p) => !now.has(p)).sort() };
}

export interface MarkedPeer {
  readonly group: string;
  readonly peer: string;
  readonly entries: number;
}

export const PEERS_KEY_PREFIX = "daemon.peers.";

/** Which groups a caller keeps the peer record of: the daemon its watched ones, a sync run all. */
export type PeerScope = "watched" | "all";

/** Marks the whole group for each new peer, forgets removed ones, records the peers; returns what was marked. */
export function markNewPeers(db: Db, config: Config, scope: PeerScope = "watched"): MarkedPeer[] {
  const meta = new MetaStore(db);
  const pending = new PendingStore(db);
  const live = db.prepare<[string], { id: number }>("SELECT id FROM entries WHERE grp = ? AND deleted_ns IS NULL ORDER BY path");
  const forget = db.prepare<[string, string]>("DELETE FROM pending WHERE peer = ? AND entry_id IN (SELECT id FROM entries WHERE grp = ?)");
  const out: MarkedPeer[] = [];
  db.transaction(() => {
    for (const group of config.groups) {
      // A receive-only node never pushes: nothing to mark, nothing to remember. The daemon
      // leaves a `watch no` group to the sync runs (it only serves it).
      if (group.local.receiveOnly || (scope === "watched" && !group.watch)) continue;
      const key = PEERS_KEY_PREFIX + group.name;
      const current = group.peers.map((p) => p.name);
      const change = peerChanges(parseNames(meta.get(key)), current);
      if (change.added.length > 0) {
        const ids = live.all(group.name).map((r) => r.id);
        for (const id of ids) pending.mark(id, change.added);
        for (const peer of change.added) out.push({ group: group.name, peer, entries: ids.length });
      }
      for (const peer of change.removed) forget.run(peer, group.name);
      meta.set(key, JSON.stringify([...current].sort()));
    }
  })();
  return out;
}

function parseNames(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
  } catch {
    return undefined;
  }
}

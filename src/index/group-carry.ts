// A group renamed in the config (`group g` → `group web`, the same on every node), split in two
// or merged into another keeps its history. Index rows are keyed by group, so without this the
// renamed group started empty: its first check recorded every file as new with a vector of this
// node only, the peers did the same with theirs, the first sync sent every file again with
// content, and the first edit on one node met the other's unrelated vector as a false conflict.
//
// So before anything records rows of the new config, each row of a group that left the config
// moves to the group that now selects its path (core/coverage.ts coveringGroup), with its
// vector, its tombstone (a deletion stays a deletion, not a file a peer may resurrect) and its
// pending rows and conflicts for the hosts that are still peers. Every node does the same with
// the same config, so the vectors agree again on both ends. The daemon's record of the group's
// peers (watch/new-peers.ts) goes along, so a host that is new in the renamed group still gets
// the whole tree.
//
// Left alone: a row whose path no group selects (prune drops it), a path the new group already
// has a row for (recorded before this ran, by an older peersync), and rows moved between two
// groups that both stay in the config (an include moved): those are recorded anew there.

import type { Config } from "../config/types.js";
import { coveringGroup } from "../core/coverage.js";
import { PEERS_KEY_PREFIX } from "../watch/new-peers.js";
import type { Db } from "./database.js";
import { MetaStore } from "./meta.js";

export interface CarriedGroup {
  /** The group that left the config. */
  readonly from: string;
  /** The group that took its rows over. */
  readonly to: string;
  readonly entries: number;
}

/** Moves the rows of groups no longer in the config to the groups that now select their paths. */
export function carryGoneGroups(db: Db, config: Pick<Config, "groups">): CarriedGroup[] {
  const current = new Set(config.groups.map((g) => g.name));
  const gone = indexGroups(db).filter((g) => !current.has(g));
  if (gone.length === 0) return [];
  const carried = new Map<string, CarriedGroup>();
  const rowsOf = db.prepare<[string], { id: number; path: string }>("SELECT id, path FROM entries WHERE grp = ? ORDER BY path");
  const taken = db.prepare<[string, string], { id: number }>("SELECT id FROM entries WHERE grp = ? AND path = ?");
  const move = db.prepare<[string, number]>("UPDATE entries SET grp = ? WHERE id = ?");
  const dropPending = db.prepare<[number, string]>("DELETE FROM pending WHERE entry_id = ? AND peer NOT IN (SELECT value FROM json_each(?))");
  const dropConflicts = db.prepare<[number, string]>("DELETE FROM conflicts WHERE entry_id = ? AND peer NOT IN (SELECT value FROM json_each(?))");
  db.transaction(() => {
    for (const from of gone) {
      for (const row of rowsOf.all(from)) {
        const to = coveringGroup(config.groups, row.path);
        if (to === undefined || taken.get(to.name, row.path) !== undefined) continue;
        const peers = JSON.stringify(to.peers.map((p) => p.name));
        move.run(to.name, row.id);
        dropPending.run(row.id, peers);
        dropConflicts.run(row.id, peers);
        const key = `${from}\0${to.name}`;
        carried.set(key, { from, to: to.name, entries: (carried.get(key)?.entries ?? 0) + 1 });
      }
    }
    carryPeerRecords(new MetaStore(db), [...carried.values()]);
  }).immediate();
  return [...carried.values()];
}

/** One line per carried group, as the commands and the daemon log it. */
export function carriedText(c: CarriedGroup): string {
  const one = c.entries === 1;
  return `group "${c.from}" is no longer in the config: ${c.entries} ${one ? "entry" : "entries"} carried over to group "${c.to}" with ${one ? "its" : "their"} version history`;
}

/** The distinct groups of the index, one index lookup each (not a scan of every row). */
function indexGroups(db: Db): string[] {
  const next = db.prepare<[string], { grp: string }>("SELECT grp FROM entries WHERE grp > ? ORDER BY grp LIMIT 1");
  const out: string[] = [];
  for (let row = next.get(""); row !== undefined; row = next.get(row.grp)) out.push(row.grp);
  return out;
}

/** The new group inherits the old one's known peers, unless it has a record of its own. */
function carryPeerRecords(meta: MetaStore, carried: readonly CarriedGroup[]): void {
  for (const c of carried) {
    const known = meta.get(PEERS_KEY_PREFIX + c.from);
    if (known !== undefined && meta.get(PEERS_KEY_PREFIX + c.to) === undefined) meta.set(PEERS_KEY_PREFIX + c.to, known);
  }
}

// A node listed in parentheses in a group's host list (csync2's `(host)`) is receive-only there:
// it never pushes that group's entries (sync/update.ts skips the group, a check marks nothing
// for its peers). A node switched to receive-only kept the rows that were pending for its peers
// before the switch for ever: status and list-pending showed them, and nothing would ever send
// them. So they are dropped at the next check, sync or update and at the daemon's start and
// reload, with one line saying how many and why. The entries (their version history) and the
// conflicts stay: the node still receives the group's versions and decides on them.

import type { Config } from "../config/types.js";
import type { Db } from "./database.js";

export interface DroppedPending {
  /** A group this node is receive-only in. */
  readonly group: string;
  /** The pending rows dropped (or, in a dry run, that would be). */
  readonly rows: number;
}

export interface DropOptions {
  /** Count the rows, remove nothing. @default false */
  readonly dryRun?: boolean;
}

// Pending is driven from its own side (few rows; none once dropped) with the entry found by its
// id: the group's entries, possibly a million, are never walked on a check that drops nothing.
const OF_GROUP = "(SELECT grp FROM entries WHERE id = pending.entry_id) = ?";

/** Drops the pending rows of the groups this node is receive-only in; one result per group that had any. */
export function dropReceiveOnlyPending(db: Db, config: Pick<Config, "groups">, options: DropOptions = {}): DroppedPending[] {
  const groups = config.groups.filter((g) => g.local.receiveOnly).map((g) => g.name);
  if (groups.length === 0) return [];
  const count = db.prepare<[string], number>(`SELECT count(*) FROM pending WHERE ${OF_GROUP}`).pluck();
  const drop = db.prepare<[string]>(`DELETE FROM pending WHERE ${OF_GROUP}`);
  const out: DroppedPending[] = [];
  db.transaction(() => {
    for (const group of groups) {
      const rows = options.dryRun === true ? count.get(group) ?? 0 : drop.run(group).changes;
      if (rows > 0) out.push({ group, rows });
    }
  }).immediate();
  return out;
}

/** The one line the commands print and the daemon logs for a group's dropped rows. */
export function droppedText(d: DroppedPending, options: DropOptions = {}): string {
  const verb = options.dryRun === true ? "would drop" : "dropped";
  return `group "${d.group}": this node is receive-only there (listed in parentheses), so it never sends the group's entries: ` +
    `${verb} ${d.rows} pending row(s) left from before; their version history and conflicts stay`;
}

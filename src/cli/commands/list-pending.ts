// `peersync list-pending` (csync2 -M): `force|chary<TAB>myname<TAB>peer<TAB>path` per pending
// (entry, peer), as csync2 prints its dirty table; exit 2 when nothing is pending.

import type { Config } from "../../config/types.js";
import { shownName } from "../../core/shown-name.js";
import { PendingStore, type PendingRow } from "../../index/pending.js";
import { configFromOptions, withIndexReadonly } from "../../index/command-support.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export const run: Command = async (ctx) => {
  const config = configFromOptions(ctx.options);
  const rows = await withIndexReadonly<PendingRow[]>(config.stateDir, [], (db) => new PendingStore(db).list());
  const listed = dedupe(rows);
  if (ctx.options.json) {
    ctx.out(JSON.stringify(listed.map((r) => ({ ...r, myname: myName(config, r.group) }))));
  } else {
    for (const r of listed) ctx.out(`${r.forced ? "force" : "chary"}\t${myName(config, r.group)}\t${r.peer}\t${shownName(r.path)}`);
  }
  return listed.length === 0 ? ExitCode.EMPTY : ExitCode.OK;
};

/** The local host's name in the group (csync2's `myname` column). */
function myName(config: Config, group: string): string {
  return config.groups.find((g) => g.name === group)?.local.name ?? config.localName;
}

// A path in two groups with the same peer is one line, as in csync2's dirty table.
function dedupe(rows: readonly PendingRow[]): PendingRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.path}\0${r.peer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

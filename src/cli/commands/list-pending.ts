// `peersync list-pending` (csync2 -M): `force|chary<TAB>myname<TAB>peer<TAB>path` per pending
// (entry, peer), as csync2 prints its dirty table; the named command marks a row left in
// conflict with that peer with a fifth column, and lists the conflicts with no pending row
// too (core/pending-line.ts). Exit 2 when it lists nothing.

import type { Config } from "../../config/types.js";
import { listedPairs, pendingLine, type ListedPair, type PendingForm } from "../../core/pending-line.js";
import type { Db } from "../../index/database.js";
import { PendingStore } from "../../index/pending.js";
import { configFromOptions, withIndexReadonly } from "../../index/command-support.js";
import { VersionStore, type ConflictRow } from "../../index/versions.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export const run: Command = async (ctx) => {
  const config = configFromOptions(ctx.options);
  const form: PendingForm = ctx.options.csync2Syntax === true ? "csync2" : "peersync";
  const rows = await withIndexReadonly<ListedPair[]>(config.stateDir, [], (db) => dedupe(listedPairs(new PendingStore(db).list(), conflictsOf(db), form)));
  if (ctx.options.json) {
    ctx.out(JSON.stringify(rows.map((r) => ({ ...r, myname: myName(config, r.group) }))));
  } else {
    for (const r of rows) ctx.out(pendingLine({ ...r, myname: myName(config, r.group) }, form));
  }
  return rows.length === 0 ? ExitCode.EMPTY : ExitCode.OK;
};

/** The local host's name in the group (csync2's `myname` column). */
function myName(config: Config, group: string): string {
  return config.groups.find((g) => g.name === group)?.local.name ?? config.localName;
}

// A path in two groups with the same peer is one line, as in csync2's dirty table.
function dedupe(rows: readonly ListedPair[]): ListedPair[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = `${r.path}\0${r.peer}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The conflicts `auto none` left; none in an index from before that table. */
function conflictsOf(db: Db): ConflictRow[] {
  let store: VersionStore;
  try {
    store = new VersionStore(db);
  } catch {
    return [];
  }
  return store.conflicts();
}

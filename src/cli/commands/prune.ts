// `peersync prune` (csync2 -R): drop what the index holds that the config no longer covers,
// after a group, an include or a host was removed: entries of a group this node is no longer
// in, entries the group's patterns no longer include (their pending rows and conflicts go with
// them, by the schema's ON DELETE CASCADE), and pending rows for hosts no longer peers of the
// entry's group. Files on disk are never touched. -d reports and removes nothing; -G is refused
// (it would prune the groups left out), as csync2 does. Takes the run lock, so no sync runs
// meanwhile. Exit 0.

import type { Config } from "../../config/types.js";
import { uncoveredReason, type UncoveredReason } from "../../core/coverage.js";
import { shownName } from "../../core/shown-name.js";
import { UsageError } from "../../errors.js";
import { configFromOptions, withIndex } from "../../index/command-support.js";
import { carriedText, carryGoneGroups } from "../../index/group-carry.js";
import type { Db } from "../../index/database.js";
import { acquireRunLock } from "../../sync/lock.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export type PruneReason = UncoveredReason;

/** Why an entry no longer belongs in the index, or undefined when it does (core/coverage.ts). */
function pruneReason(config: Pick<Config, "groups">, group: string, path: string): PruneReason | undefined {
  return uncoveredReason(config.groups, group, path);
}

/** Entries listed in --json output at most (the counts are always complete). */
const JSON_LIMIT = 10_000;

interface Pruned {
  readonly entries: { group: string; path: string; reason: PruneReason }[];
  readonly pending: { group: string; path: string; peer: string }[];
}

export const run: Command = async (ctx) => {
  const o = ctx.options;
  if (o.groups) {
    throw new UsageError("Cannot prune with -G: it would drop the index entries of the groups left out", { hint: "run prune without -G (csync2 refuses -R -G too)" });
  }
  const config = configFromOptions(o);
  const lock = o.dryRun ? undefined : await acquireRunLock(config.stateDir);
  let pruned: Pruned;
  try {
    pruned = await withIndex(config.stateDir, (db) => prune(db, config, o.dryRun, (line) => ctx.err(line)));
  } finally {
    await lock?.release();
  }
  const verb = o.dryRun ? "would remove" : "removed";
  if (o.json) {
    ctx.out(JSON.stringify({
      dryRun: o.dryRun, entriesRemoved: pruned.entries.length, pendingRemoved: pruned.pending.length,
      entries: pruned.entries.slice(0, JSON_LIMIT), pending: pruned.pending.slice(0, JSON_LIMIT),
    }));
    return ExitCode.OK;
  }
  if (o.verbose > 0) {
    for (const e of pruned.entries) ctx.out(`${verb} ${e.reason}: ${e.group} ${shownName(e.path)}`);
    for (const p of pruned.pending) ctx.out(`${verb} pending for ${p.peer}: ${p.group} ${shownName(p.path)}`);
  }
  const gone = pruned.entries.filter((e) => e.reason === "group-gone").length;
  ctx.out(`prune: ${verb} ${pruned.entries.length} entries (${gone} of groups not in the config, ${pruned.entries.length - gone} no longer included), ` +
    `${pruned.pending.length} pending rows for hosts no longer peers${o.dryRun ? " (dry run: nothing removed)" : ""}`);
  return ExitCode.OK;
};

function prune(db: Db, config: Config, dryRun: boolean, note: (line: string) => void): Pruned {
  // A renamed group's rows are not gone: they move to the group that now selects them (even in a
  // dry run, which otherwise would list them as removable), and only what none selects is pruned.
  for (const c of carryGoneGroups(db, config)) note(carriedText(c));
  const out: Pruned = { entries: [], pending: [] };
  const ids: number[] = [];
  // Read everything first: better-sqlite3 cannot delete while iterating the same statement.
  for (const row of db.prepare("SELECT id, grp, path FROM entries ORDER BY grp, path").iterate() as IterableIterator<{ id: number; grp: string; path: string }>) {
    const reason = pruneReason(config, row.grp, row.path);
    if (reason === undefined) continue;
    ids.push(row.id);
    out.entries.push({ group: row.grp, path: row.path, reason });
  }
  const peersOf = new Map(config.groups.map((g) => [g.name, new Set(g.peers.map((h) => h.name))]));
  const stale: { id: number; peer: string }[] = [];
  const pendingRows = db.prepare("SELECT p.entry_id AS id, p.peer, e.grp, e.path FROM pending p JOIN entries e ON e.id = p.entry_id ORDER BY e.grp, e.path, p.peer");
  for (const row of pendingRows.iterate() as IterableIterator<{ id: number; peer: string; grp: string; path: string }>) {
    const peers = peersOf.get(row.grp);
    // Rows of an entry pruned above go with it; only rows of kept entries are counted here.
    if (peers === undefined || pruneReason(config, row.grp, row.path) !== undefined || peers.has(row.peer)) continue;
    stale.push({ id: row.id, peer: row.peer });
    out.pending.push({ group: row.grp, path: row.path, peer: row.peer });
  }
  if (dryRun) return out;
  const deleteEntry = db.prepare("DELETE FROM entries WHERE id = ?");
  const deletePending = db.prepare("DELETE FROM pending WHERE entry_id = ? AND peer = ?");
  db.transaction(() => {
    for (const id of ids) deleteEntry.run(id);
    for (const s of stale) deletePending.run(s.id, s.peer);
  })();
  return out;
}

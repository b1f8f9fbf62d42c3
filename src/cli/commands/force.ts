// `peersync force [-r] PATH...` (csync2 -f): this node's version of each path wins its next
// conflict (core/conflict.ts rule 2) and is pending for every peer, so the next sync pushes it.
// With -r, every entry the index holds below each path too (csync2 -f -r), deletions included:
// the conflicts of a tree under `auto none` are settled with one command, as in csync2.
// A version that another one dominates still loses: force settles conflicts, not history.

import { shownArgument } from "../../core/argument-path.js";
import { shownName } from "../../core/shown-name.js";
import { UsageError } from "../../errors.js";
import { configFromOptions, logicalPathOf, noEntryError, withIndex } from "../../index/command-support.js";
import { EntryCursor } from "../../index/entry-cursor.js";
import { heldIn } from "../../index/held-paths.js";
import { SyncIndex } from "../../sync/sync-index.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export const run: Command = async (ctx, paths) => {
  const config = configFromOptions(ctx.options);
  const recursive = ctx.options.recursive;
  const forced: string[] = [];
  await withIndex(config.stateDir, (db) => {
    const index = new SyncIndex(db, config.localName);
    // A deletion pasted as list-pending shows it exists in neither reading: the index tells.
    const held = heldIn(db, config.groups);
    for (const p of paths) {
      const logical = logicalPathOf(config, p, { held });
      let found = false;
      const receiveOnly: string[] = [];
      for (const group of config.groups) {
        const local = index.get(group.name, logical);
        if (!local) continue;
        // Its versions never go to a peer, so none of them can win anything there.
        if (group.local.receiveOnly) {
          receiveOnly.push(group.name);
          continue;
        }
        found = true;
        const rows = entriesAt(index, group.name, logical, recursive);
        index.entries.transaction(() => {
          for (const row of rows) {
            index.versions.setForced(row.id, true);
            index.pending.mark(row.id, group.peers.map((h) => h.name), true);
          }
        });
        forced.push(...rows.map((r) => r.path));
      }
      if (!found && receiveOnly.length > 0) {
        throw new UsageError(`Cannot force "${shownArgument(p)}": this node is receive-only in group "${receiveOnly[0]}" (listed in parentheses there), so its version never goes to a peer`, {
          hint: "force it on a node that sends",
        });
      }
      // Not always the config's doing: an included file may just never have been checked.
      if (!found) throw noEntryError(config, "force", p, logical, { recursive });
    }
  });
  if (ctx.options.json) ctx.out(JSON.stringify({ forced }));
  else for (const f of forced) ctx.out(`forced: ${shownName(f)}`);
  return ExitCode.OK;
};

/** The entry at `path` and, with `recursive`, every entry recorded below it (live or deleted). */
function entriesAt(index: SyncIndex, group: string, path: string, recursive: boolean): { readonly id: number; readonly path: string }[] {
  const rows: { id: number; path: string }[] = [];
  const cursor = new EntryCursor(index.entries, group, path, recursive);
  for (let row = cursor.peek(); row !== undefined; row = cursor.peek()) {
    rows.push({ id: row.id, path: row.path });
    cursor.next();
  }
  return rows;
}

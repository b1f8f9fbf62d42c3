// `peersync mark [-r] [--mark-forced] PATH...` (csync2 -m): make paths pending for every peer
// of their groups, changed or not, so the next update offers them (a peer that lost a file
// gets it back; the peer answers "in sync" for the rest). The paths are checked first, so what
// is marked is what is on disk now; that check's problems are printed as warnings.

import { shownArgument } from "../../core/argument-path.js";
import { shownName } from "../../core/shown-name.js";
import { UsageError } from "../../errors.js";
import { runCheck } from "../../index/check-run.js";
import { configFromOptions, localPathOf, logicalPathOf, noEntryError, withIndex } from "../../index/command-support.js";
import { EntryCursor } from "../../index/entry-cursor.js";
import { heldIn } from "../../index/held-paths.js";
import { SyncIndex } from "../../sync/sync-index.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export const run: Command<readonly string[], { readonly markForced?: boolean }> = async (ctx, paths, flags) => {
  const config = configFromOptions(ctx.options);
  const recursive = ctx.options.recursive;
  let marked = 0;
  await withIndex(config.stateDir, async (db) => {
    // A deletion pasted as list-pending shows it exists in neither reading: the index tells.
    const held = heldIn(db, config.groups);
    const check = await runCheck(db, config, { paths: paths.map((p) => localPathOf(config, p, { held })), recursive, statWorker: false });
    // Why a path may end up unmarked (unreadable, a root that looks unmounted): said before any error below.
    // A path outside every include root is "skipped" here and named by the error below.
    for (const problem of check.problems.filter((x) => x.severity !== "skipped")) ctx.err(`warning: check: ${shownName(problem.path)}: ${shownName(problem.message)}`);
    const index = new SyncIndex(db, config.localName);
    for (const p of paths) {
      const logical = logicalPathOf(config, p, { held });
      let found = 0;
      const receiveOnly: string[] = [];
      for (const group of config.groups) {
        if (group.local.receiveOnly) {
          if (index.entries.get(group.name, logical) !== undefined) receiveOnly.push(group.name);
          continue;
        }
        const peers = group.peers.map((h) => h.name);
        const cursor = new EntryCursor(index.entries, group.name, logical, recursive);
        const ids: number[] = [];
        for (let row = cursor.peek(); row !== undefined; row = cursor.peek()) {
          ids.push(row.id);
          cursor.next();
        }
        index.entries.transaction(() => {
          for (const id of ids) index.pending.mark(id, peers, flags.markForced === true);
        });
        found += ids.length;
      }
      if (found === 0 && receiveOnly.length > 0) {
        throw new UsageError(`Cannot mark "${shownArgument(p)}": this node is receive-only in group "${receiveOnly[0]}" (listed in parentheses there), so nothing goes from it to a peer`, {
          hint: "mark it on a node that sends",
        });
      }
      // Not always the config's doing: an included name may be a typo, or unreadable.
      if (found === 0) throw noEntryError(config, "mark", p, logical, { recursive, checkedFirst: true });
      marked += found;
    }
  });
  if (ctx.options.json) ctx.out(JSON.stringify({ marked }));
  else if (ctx.options.verbose > 0) ctx.out(`marked ${marked} entries pending`);
  return ExitCode.OK;
};

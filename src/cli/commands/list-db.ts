// `peersync list-db` (csync2 -L): `checktxt<TAB>path` per live entry the config still includes,
// with csync2's checktxt (csync2.md §6.2); exit 2 when there is none.

import type { Config } from "../../config/types.js";
import { checktxt } from "../../index/checktxt.js";
import { EntryStore, type EntryRecord } from "../../index/entries.js";
import { configFromOptions, withIndexReadonly } from "../../index/command-support.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export const run: Command = async (ctx) => {
  const config = configFromOptions(ctx.options);
  const rows = await withIndexReadonly<EntryRecord[]>(config.stateDir, [], (db) => listed(config, new EntryStore(db)));
  if (ctx.options.json) {
    ctx.out(JSON.stringify(rows.map((r) => ({
      path: r.path, group: r.group, checktxt: checktxt(r, config.ignore), kind: r.kind, mode: r.mode, uid: r.uid,
      gid: r.gid, user: r.userName ?? null, groupName: r.groupName ?? null, mtimeNs: String(r.mtimeNs), size: r.size,
      hash: r.hash ?? null, target: r.target ?? null, vector: r.vector,
    }))));
  } else {
    for (const r of rows) ctx.out(`${checktxt(r, config.ignore)}\t${r.path}`);
  }
  return rows.length === 0 ? ExitCode.EMPTY : ExitCode.OK;
};

/** Live entries still matching their group, one per path (csync2 keeps one row per file). */
function listed(config: Config, entries: EntryStore): EntryRecord[] {
  const out: EntryRecord[] = [];
  let last: string | undefined;
  for (const r of entries.all()) {
    if (r.deletedNs !== undefined || r.path === last) continue;
    const group = config.groups.find((g) => g.name === r.group);
    if (group === undefined || group.match(r.path) !== "match") continue;
    out.push(r);
    last = r.path;
  }
  return out;
}

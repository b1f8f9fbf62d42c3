// `peersync list-db` (csync2 -L): `checktxt<TAB>path` per live entry the config still includes,
// with csync2's checktxt (csync2.md §6.2); exit 2 when there is none. Lines are printed while
// the index is read, so a million entries never sit in memory at once (except for --json).

import type { Config, Group } from "../../config/types.js";
import { shownName } from "../../core/shown-name.js";
import { checktxt } from "../../index/checktxt.js";
import { EntryStore, type EntryRecord } from "../../index/entries.js";
import { configFromOptions, withIndexReadonly } from "../../index/command-support.js";
import type { Command, CommandContext } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export const run: Command = async (ctx) => printListing(ctx, configFromOptions(ctx.options));

/** list-db's lines (or JSON array) for the groups `keep` accepts; exit 2 when there is none. */
export async function printListing(ctx: CommandContext, config: Config, keep?: (group: Group) => boolean): Promise<number> {
  let printed = false;
  const count = await withIndexReadonly(config.stateDir, 0, (db) => {
    let n = 0;
    const json: unknown[] = [];
    for (const r of listed(config, new EntryStore(db), keep)) {
      n++;
      if (ctx.options.json) json.push(toJson(r, config));
      else ctx.out(`${checktxt(r, config.ignore)}\t${shownName(r.path)}`);
    }
    if (ctx.options.json) ctx.out(JSON.stringify(json));
    printed = true;
    return n;
  });
  if (ctx.options.json && !printed) ctx.out("[]");
  return count === 0 ? ExitCode.EMPTY : ExitCode.OK;
}

/**
 * Live entries still matching their group, one per path (csync2 keeps one row per file); only
 * the groups `keep` accepts (list-pair: those shared with one peer).
 */
export function* listed(config: Config, entries: EntryStore, keep: (group: Group) => boolean = () => true): Generator<EntryRecord> {
  let last: string | undefined;
  for (const r of entries.all()) {
    if (r.deletedNs !== undefined || r.path === last) continue;
    const group = config.groups.find((g) => g.name === r.group);
    if (group === undefined || !keep(group) || group.match(r.path) !== "match") continue;
    last = r.path;
    yield r;
  }
}

export function toJson(r: EntryRecord, config: Config): Record<string, unknown> {
  return {
    path: r.path, group: r.group, checktxt: checktxt(r, config.ignore), kind: r.kind, mode: r.mode, uid: r.uid,
    gid: r.gid, user: r.userName ?? null, groupName: r.groupName ?? null, mtimeNs: String(r.mtimeNs), size: r.size,
    hash: r.hash ?? null, target: r.target ?? null, vector: r.vector,
  };
}

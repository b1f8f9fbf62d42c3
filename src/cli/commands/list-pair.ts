// `peersync list-pair MYNAME PEER` (csync2 -S): list-db's `checktxt<TAB>path` lines, only for
// the groups in which this node (MYNAME) and PEER are both hosts: what the pair shares. Exit 2
// when there is none. MYNAME must be this node's name in those groups, as csync2 requires.

import type { Config } from "../../config/types.js";
import { UsageError } from "../../errors.js";
import { configFromOptions } from "../../index/command-support.js";
import type { Command } from "../context.js";
import { printListing } from "./list-db.js";

export const run: Command = async (ctx, args) => {
  const [myname, peer] = args.map((a) => a.toLowerCase());
  const config = configFromOptions(ctx.options);
  const shared = pairGroups(config, myname!, peer!);
  return printListing(ctx, config, (g) => shared.has(g.name));
};

/** The groups where this node is `myname` and `peer` is one of its peers; refuses a pair that shares none. */
export function pairGroups(config: Pick<Config, "groups" | "localName">, myname: string, peer: string): Set<string> {
  const mine = config.groups.filter((g) => g.local.name === myname);
  if (mine.length === 0) {
    throw new UsageError(`Cannot list the pair "${myname}" "${peer}": this node is "${config.localName}", not "${myname}"`, {
      // Swapped (`list-pair beta alpha` on alpha): the other name is the peer.
      hint: `csync2 -S takes this node's own name first: peersync list-pair ${config.localName} ${peer === config.localName ? myname : peer}`,
    });
  }
  const shared = mine.filter((g) => g.peers.some((h) => h.name === peer));
  if (shared.length === 0) {
    throw new UsageError(`Cannot list the pair "${myname}" "${peer}": no group of this node has the peer "${peer}"`, {
      hint: "run `peersync config-check` to see each group's peers",
    });
  }
  return new Set(shared.map((g) => g.name));
}

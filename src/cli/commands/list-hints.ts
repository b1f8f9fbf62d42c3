// `peersync list-hints` (csync2 -H): `recursive<TAB>path` per hint, as csync2 prints it;
// exit 2 when there is none.

import { HintStore, type Hint } from "../../index/hints.js";
import { configFromOptions, withIndexReadonly } from "../../index/command-support.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export const run: Command = async (ctx) => {
  const config = configFromOptions(ctx.options);
  const hints = await withIndexReadonly<Hint[]>(config.stateDir, [], (db) => new HintStore(db).list());
  if (ctx.options.json) ctx.out(JSON.stringify(hints.map((h) => ({ path: h.path, recursive: h.recursive }))));
  else for (const h of hints) ctx.out(`${h.recursive ? 1 : 0}\t${h.path}`);
  return hints.length === 0 ? ExitCode.EMPTY : ExitCode.OK;
};

// `peersync list-hints` (csync2 -H): `recursive<TAB>path` per hint, as csync2 prints it, those
// still in the spool (not yet moved into the index by a check) included; exit 2 when there is
// none.

import { shownName } from "../../core/shown-name.js";
import { readSpool } from "../../index/hint-spool.js";
import { HintStore, withSpooled, type Hint } from "../../index/hints.js";
import { configFromOptions, withIndexReadonly } from "../../index/command-support.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export const run: Command = async (ctx) => {
  const config = configFromOptions(ctx.options);
  const spooled = readSpool(config.stateDir);
  const hints = await withIndexReadonly<Hint[]>(config.stateDir, withSpooled([], spooled), (db) =>
    withSpooled(new HintStore(db).list(), spooled),
  );
  if (ctx.options.json) ctx.out(JSON.stringify(hints.map((h) => ({ path: h.path, recursive: h.recursive }))));
  else for (const h of hints) ctx.out(`${h.recursive ? 1 : 0}\t${shownName(h.path)}`);
  return hints.length === 0 ? ExitCode.EMPTY : ExitCode.OK;
};

// `peersync test [PEER] [PATH]` (csync2 -T; --diff = -TT): see sync/test-command.ts.
import { runTestCommand, type TestFlags } from "../../sync/test-command.js";
import type { Command } from "../context.js";

export const run: Command<readonly string[], TestFlags> = (ctx, args, flags) => runTestCommand(ctx, args, flags);

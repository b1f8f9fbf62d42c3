// `peersync update [PATH...]` (csync2 -u): push every peer its pending entries, without a
// check first. See sync/command.ts for the report and the exit codes.
import { runSyncCommand } from "../../sync/command.js";
import type { Command } from "../context.js";

export const run: Command = (ctx, paths) => runSyncCommand(ctx, paths, { check: false });

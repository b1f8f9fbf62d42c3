// `peersync sync [PATH...]` (csync2 -x; -cu is `sync --hinted`): check, then push every peer
// its pending entries. See sync/command.ts for the report and the exit codes.
import { runSyncCommand } from "../../sync/command.js";
import type { Command } from "../context.js";

interface SyncFlags {
  readonly hinted?: boolean;
  readonly init?: boolean;
  readonly markForced?: boolean;
}

export const run: Command<readonly string[], SyncFlags> = (ctx, paths, flags) =>
  runSyncCommand(ctx, paths, { check: true, hinted: flags.hinted === true, init: flags.init === true, markForced: flags.markForced === true });

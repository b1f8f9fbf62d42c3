// `peersync hint [-r] [--fsync] PATH...` (csync2 -h): remember paths for the next check. An
// application calls this after each write, so it does the least possible: it appends the
// absolute paths to the hint spool in the state dir (index/hint-spool.ts) and never opens the
// index (nor loads SQLite); the next check moves the spool into the index. The path is stored
// as given (made absolute, symlinks not resolved); the check maps it onto groups. Paths are not
// checked for existence: a hint for a deleted file records the deletion.

import { resolve } from "node:path";
import { appendHints } from "../../index/hint-spool.js";
import { configFromOptions } from "../../index/command-support.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export interface HintCommandOptions {
  readonly fsync?: boolean;
}

export const run: Command<readonly string[], HintCommandOptions> = async (ctx, paths, options) => {
  const config = configFromOptions(ctx.options);
  const absolute = paths.map((p) => resolve(p));
  appendHints(config.stateDir, absolute, ctx.options.recursive, { fsync: options.fsync === true });
  if (ctx.options.json) ctx.out(JSON.stringify({ hinted: absolute, recursive: ctx.options.recursive }));
  return ExitCode.OK;
};

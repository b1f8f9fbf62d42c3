// `peersync hint [-r] PATH...` (csync2 -h): remember paths for the next check. An application
// calls this after each write, so it does the least possible: absolute paths, one transaction.
// The path is stored as given (made absolute, symlinks not resolved); the check maps it onto
// groups. Paths are not checked for existence: a hint for a deleted file records the deletion.

import { resolve } from "node:path";
import { HintStore } from "../../index/hints.js";
import { configFromOptions, withIndex } from "../../index/command-support.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export const run: Command = async (ctx, paths) => {
  const config = configFromOptions(ctx.options);
  const absolute = paths.map((p) => resolve(p));
  await withIndex(config.stateDir, (db) => new HintStore(db).add(absolute, ctx.options.recursive));
  if (ctx.options.json) ctx.out(JSON.stringify({ hinted: absolute, recursive: ctx.options.recursive }));
  return ExitCode.OK;
};

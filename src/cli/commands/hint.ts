// `peersync hint [-r] [--fsync] PATH...` (csync2 -h): remember paths for the next check. An
// application calls this after each write, so it does the least possible: it appends the
// absolute paths to the hint spool in the state dir (index/hint-spool.ts) and never opens the
// index (nor loads SQLite); the next check moves the spool into the index. The path is stored
// as given (made absolute, symlinks not resolved); the check maps it onto groups. Paths are not
// checked for existence: a hint for a deleted file records the deletion.
//
// --json also says how long it took, timed here, inside the process: `recordMs`, the record
// itself (the spool append: open, write, fdatasync with --fsync, close; the index time of
// issue 5), and `commandMs`, from this command's entry (the config read included) to the record
// being where it survives the process. bench/check reports both; node's start-up and module
// loading come before either.

import { appendHints } from "../../index/hint-spool.js";
import { configFromOptions, localPathOf, withArgumentIndex } from "../../index/command-support.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export interface HintCommandOptions {
  readonly fsync?: boolean;
}

export const run: Command<readonly string[], HintCommandOptions> = async (ctx, paths, options) => {
  const entered = performance.now();
  const config = configFromOptions(ctx.options);
  // A path as sync prints it (%prefix%/...) is this node's local one; any other is made absolute.
  // The index is asked only for a name pasted from output that exists in neither reading.
  const absolute = await withArgumentIndex(config, paths, (o) => paths.map((p) => localPathOf(config, p, o)));
  const recordStarted = performance.now();
  appendHints(config.stateDir, absolute, ctx.options.recursive, { fsync: options.fsync === true });
  const recorded = performance.now();
  if (ctx.options.json) {
    ctx.out(JSON.stringify({
      hinted: absolute, recursive: ctx.options.recursive, recordMs: ms(recorded - recordStarted), commandMs: ms(recorded - entered),
    }));
  }
  return ExitCode.OK;
};

/** Milliseconds to the microsecond. */
const ms = (x: number): number => Math.round(x * 1000) / 1000;

// What a thrown error means for the user: its stable code, message, hint and the process exit
// status. cli/main.ts is the only caller; commands never exit. csync2 defines 0, 1 and 2 (with
// fixed meanings for listings and -T); the finer codes of cli/exit-codes.ts are used only for
// conditions csync2 has no code of its own for, and only when peersync is run with its own
// subcommands: a csync2-style invocation (`peersync -x`) gets csync2's codes, so scripts that
// test `$? -eq 1` keep working.

import { CommanderError } from "commander";
import { PeersyncError } from "../errors.js";
import { ExitCode } from "./exit-codes.js";

/** PeersyncError code or commander error code → exit status. Anything else exits ERROR. */
export const EXIT_TABLE: Readonly<Record<string, ExitCode>> = {
  USAGE: ExitCode.ERROR,
  CONFIG: ExitCode.ERROR,
  NOT_IMPLEMENTED: ExitCode.ERROR,
  PROTOCOL: ExitCode.ERROR,
  AUTH: ExitCode.ERROR,
  PEER: ExitCode.ERROR,
  RSYNC: ExitCode.ERROR,
  INDEX: ExitCode.ERROR,
  STORAGE: ExitCode.ERROR,
  LISTEN: ExitCode.ERROR,
  IO: ExitCode.ERROR,
  LOCKED: ExitCode.LOCKED,
  "commander.helpDisplayed": ExitCode.OK,
  "commander.version": ExitCode.OK,
  // No subcommand at all: help on stderr and exit 1, as csync2 without arguments.
  "commander.help": ExitCode.ERROR,
};

export interface ErrorReport {
  readonly exitCode: ExitCode;
  /** Stable code for --json: a PeersyncError code, USAGE, IO or INTERNAL. */
  readonly code: string;
  /** Empty when commander already printed what the user asked for (--help, --version). */
  readonly message: string;
  readonly hint: string | undefined;
}

const USAGE_HINT = "run `peersync --help` for usage";
const BUG_HINT = "this is a bug in peersync: please report it with the command line; -vv adds the stack trace";

/** Classifies anything thrown out of a command or the parser. */
export function classify(err: unknown): ErrorReport {
  if (err instanceof PeersyncError) {
    return { exitCode: EXIT_TABLE[err.code] ?? ExitCode.ERROR, code: err.code, message: err.message, hint: err.hint };
  }
  if (err instanceof CommanderError) {
    // `peersync help CMD` also ends in "commander.help", but with exitCode 0: help was asked for.
    const asked = err.code === "commander.help" && err.exitCode === 0;
    const exitCode = asked ? ExitCode.OK : (EXIT_TABLE[err.code] ?? ExitCode.ERROR);
    if (exitCode === ExitCode.OK || err.code === "commander.help") {
      return { exitCode, code: "USAGE", message: "", hint: undefined };
    }
    return { exitCode, code: "USAGE", message: err.message.replace(/^error: /, ""), hint: USAGE_HINT };
  }
  if (isSystemError(err)) {
    // An fs or network call that no module wrapped: its message names the call and the path.
    return { exitCode: ExitCode.ERROR, code: "IO", message: err.message, hint: undefined };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { exitCode: ExitCode.ERROR, code: "INTERNAL", message: `internal error: ${message}`, hint: BUG_HINT };
}

/** csync2's own exit statuses (0, 1, 2) stay; every finer code becomes csync2's 1. */
export function toCsync2ExitCode(code: number): number {
  return code === ExitCode.OK || code === ExitCode.EMPTY ? code : ExitCode.ERROR;
}

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === "string";
}

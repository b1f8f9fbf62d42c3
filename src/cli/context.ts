// What every subcommand receives: the global options (parsed once by cli/program.ts) and
// where to print. A command returns an exit code from cli/exit-codes.ts or throws a
// PeersyncError; only cli/main.ts turns either into the process's exit status.

import type { Progress } from "./progress.js";

export interface GlobalOptions {
  /** The config file (--config FILE, or -C NAME → csync2_NAME.cfg lookup). */
  readonly configFile: string | undefined;
  /** --state-dir DIR, or -D DIR (csync2's database directory). */
  readonly stateDir: string | undefined;
  /** -N NAME: this node's name instead of the hostname. */
  readonly nodeName: string | undefined;
  /** -p PORT. */
  readonly port: number | undefined;
  /** -v, repeatable; -1 for -q (errors only), so `verbose > 0` tests stay right. */
  readonly verbose: number;
  /** -q: print errors only (no progress, no summary lines, warnings not logged). */
  readonly quiet?: boolean;
  /** -d: dry run. */
  readonly dryRun: boolean;
  /** -r: recursive (subtrees of the path arguments). */
  readonly recursive: boolean;
  /** --json: machine-readable output. */
  readonly json: boolean;
  /** -G GROUPS: only these groups. */
  readonly groups: readonly string[] | undefined;
  /** -P PEERS: only these peers. */
  readonly peers: readonly string[] | undefined;
  /**
   * The command line was csync2's (`peersync -M`), not a command name: output that scripts
   * written for csync2 parse keeps csync2's exact columns. @default false
   */
  readonly csync2Syntax?: boolean;
}

export interface CommandContext {
  readonly options: GlobalOptions;
  /** One line to stdout (no trailing newline needed). */
  readonly out: (line: string) => void;
  /** One line to stderr. */
  readonly err: (line: string) => void;
  /**
   * A progress line on stderr for a long run (cli/progress.ts), or a silent one when stderr is
   * not a terminal, with -q, or PEERSYNC_PROGRESS=never. Optional: tests and the daemon omit it.
   */
  readonly progress?: (label: string, verb: string) => Progress;
}

/** A subcommand: positional arguments plus its own options after the globals. */
export type Command<A = readonly string[], O = Record<string, unknown>> = (
  ctx: CommandContext,
  args: A,
  options: O,
) => Promise<number>;

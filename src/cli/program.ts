// The commander program: global options, one subcommand per entry of cli/command-table.ts, and
// the dispatch that hands each command its validated GlobalOptions. Parse errors, --help and
// --version surface as thrown CommanderErrors (exitOverride), so cli/main.ts alone decides what
// is printed and how the process exits.

import { Argument, Command as CommanderCommand, Option } from "commander";
import { NotImplementedError } from "../errors.js";
import { COMMANDS, type CommandSpec } from "./command-table.js";
import type { Command, CommandContext, GlobalOptions } from "./context.js";
import { checkTunables } from "../config/tunables.js";
import { resolveGlobalOptions, type RawGlobalOptions, type ResolveEnv } from "./global-options.js";
import { NO_PROGRESS, ProgressLine, progressWanted } from "./progress.js";

/**
 * Which commands work in this version. A command marked false answers "not implemented yet"
 * (exit 1) without being loaded, and --help says so. The lead engineer flips these as work lands.
 */
export const IMPLEMENTED: Readonly<Record<string, boolean>> = {
  sync: true,
  check: true,
  update: true,
  test: true,
  "list-pending": true,
  "list-db": true,
  "list-hints": true,
  hint: true,
  mark: true,
  force: true,
  keygen: true,
  daemon: true,
  status: true,
  "config-check": true,
  reload: true,
  trust: true,
  compare: true,
  "list-pair": true,
  prune: true,
  completion: true,
  "import-csync2": true,
};

export interface ProgramIo {
  /** Raw text to stdout / stderr (help, command output). */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: ResolveEnv;
  readonly version: string;
  /** Whether stderr is a terminal: progress lines are drawn only there. @default false */
  readonly stderrIsTty?: boolean;
  /** PEERSYNC_PROGRESS: "always" or "never" overrides the terminal test. */
  readonly progressMode?: string | undefined;
}

/** What a program is built from; tests pass their own commands. */
export interface ProgramOptions {
  /** @default COMMANDS */
  readonly commands?: readonly CommandSpec[];
  /** @default IMPLEMENTED */
  readonly implemented?: Readonly<Record<string, boolean>>;
  /** Told the validated global options before the command runs (main.ts: -v for stacks). */
  readonly onGlobals?: (options: GlobalOptions) => void;
  /** argv was translated from csync2's syntax (GlobalOptions.csync2Syntax). @default false */
  readonly csync2Syntax?: boolean;
}

const CSYNC2_HELP = `
csync2-style flags (an unchanged csync2 command line works with peersync):
  -x  sync               -c  check              -u  update
  -cu sync --hinted      -T  test               -TT test --diff
  -M  list-pending       -L  list-db            -H  list-hints
  -h  hint               -m  mark               -f  force
  -k FILE  keygen FILE   -i  daemon --inetd     -ii daemon
  -iii daemon --once     -o  compare            -S  list-pair
  -R  prune
  modifiers: -r -d -v -N NAME -C NAME -D DIR -p PORT -G LIST -P LIST
             -I -X -U -F -l; accepted without effect: -B -A -t -s FILE
  -h is csync2's hint: help is --help only.

Exit status: 0 success (test: differences found), 1 error,
  2 nothing listed (test: in sync), 3 conflicts left, 4 peers unreachable,
  5 safety stop, 6 another run holds the lock, 7 an action failed.
  csync2-style invocations exit 0, 1 or 2 only, as csync2 does.
See peersync(1).
`;

/** Parses argv (already translated from csync2 style) and runs the chosen command. */
export async function runProgram(argv: readonly string[], io: ProgramIo, options: ProgramOptions = {}): Promise<number> {
  let exitCode: number | undefined;
  const table: Table = {
    commands: options.commands ?? COMMANDS,
    implemented: options.implemented ?? IMPLEMENTED,
    onGlobals: options.onGlobals ?? (() => {}),
    csync2Syntax: options.csync2Syntax === true,
  };
  const program = createProgram(io, table, (code) => {
    exitCode = code;
  });
  await program.parseAsync([...argv], { from: "user" });
  // Every path through commander either runs an action or throws (exitOverride).
  return exitCode ?? 1;
}

interface Table {
  readonly commands: readonly CommandSpec[];
  readonly implemented: Readonly<Record<string, boolean>>;
  readonly onGlobals: (options: GlobalOptions) => void;
  readonly csync2Syntax?: boolean;
}

/**
 * The commander program with every command and option, for `peersync completion` to walk; its
 * actions are never run.
 */
export function programForCompletion(commands: readonly CommandSpec[] = COMMANDS): CommanderCommand {
  const io: ProgramIo = { stdout: () => {}, stderr: () => {}, env: { cwd: "/", configFileForName: (n) => n }, version: "" };
  return createProgram(io, { commands, implemented: IMPLEMENTED, onGlobals: () => {} }, () => {});
}

function createProgram(io: ProgramIo, table: Table, done: (code: number) => void): CommanderCommand {
  const program = new CommanderCommand("peersync")
    .description("Multi-master file sync for server clusters; a drop-in replacement for csync2")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    // csync2's -h means "hint", so help is --help only, on every subcommand too.
    .helpOption("--help", "show help")
    .version(io.version, "--version", "print the version")
    .addHelpText("after", CSYNC2_HELP);
  addGlobalOptions(program);
  for (const spec of table.commands) {
    const implemented = table.implemented[spec.name] === true;
    const cmd = program.command(spec.name).description(describe(spec, implemented));
    for (const [i, arg] of spec.args.entries()) {
      const argument = new Argument(arg);
      if (i === 0 && spec.choices) argument.choices(spec.choices);
      cmd.addArgument(argument);
    }
    for (const [flags, description] of spec.options) cmd.option(flags, description);
    cmd.action(async (...params: unknown[]) => {
      const self = params.at(-1) as CommanderCommand;
      const options: GlobalOptions = { ...resolveGlobalOptions(program.opts<RawGlobalOptions>(), io.env), csync2Syntax: table.csync2Syntax === true };
      table.onGlobals(options);
      if (!implemented) throw new NotImplementedError(spec.name);
      done(await dispatch(spec, self, options, io));
    });
  }
  return program;
}

function addGlobalOptions(program: CommanderCommand): void {
  program
    .option("--config <file>", "the config file to read")
    .option("-C, --config-name <name>", "read csync2_NAME.cfg from $CSYNC2_SYSTEM_DIR, /etc or /etc/csync2")
    .option("-D, --state-dir <dir>", "directory of the index and node identity")
    .option("-N, --node-name <name>", "this node's name in the config (default: the hostname)")
    .option("-p, --port <port>", "TCP port (default: 30865)")
    .option("-G, --groups <list>", "only these groups (comma-separated)")
    .option("-P, --peers <list>", "only these peers (comma-separated)")
    .option("-r, --recursive", "include everything below the PATHs")
    .option("-d, --dry-run", "report what would be sent; send nothing")
    .option("-q, --quiet", "print errors only: no progress, no summary lines, no warnings")
    .addOption(
      new Option("-v, --verbose", "log more; repeat: -v info, -vv debug, -vvv trace")
        .argParser((_value: string, previous: number) => previous + 1)
        .default(0),
    )
    .option("--json", "machine-readable output on stdout");
}

function describe(spec: CommandSpec, implemented: boolean): string {
  const csync2 = spec.csync2 === undefined ? "" : ` [csync2 ${spec.csync2}]`;
  return implemented ? spec.summary + csync2 : `(not implemented yet) ${spec.summary}${csync2}`;
}

async function dispatch(spec: CommandSpec, cmd: CommanderCommand, options: GlobalOptions, io: ProgramIo): Promise<number> {
  // A bad tuning variable stops every command before it starts, not mid-run (config/tunables.ts).
  checkTunables(process.env);
  const { run } = await spec.load();
  // One progress line at a time; other output first erases it, and the next update redraws it.
  let active: ProgressLine | undefined;
  const clear = (): void => active?.clear();
  // -q mutes a command's report (its summary lines), never a listing nor --json.
  const muted = options.quiet === true && spec.report === true && !options.json;
  const ctx: CommandContext = {
    options,
    out: muted ? () => {} : (line) => (clear(), io.stdout(`${line}\n`)),
    err: (line) => (clear(), io.stderr(`${line}\n`)),
    progress: (label, verb) => {
      if (!progressWanted({ PEERSYNC_PROGRESS: io.progressMode }, io.stderrIsTty === true, options.quiet === true)) {
        return NO_PROGRESS;
      }
      const line = new ProgressLine(label, verb, { write: io.stderr });
      active = line;
      return line;
    },
  };
  // Variadic arguments arrive as arrays, optional ones as undefined: commands get a flat list.
  const args = cmd.processedArgs.flat().filter((a): a is string => typeof a === "string");
  return (run as Command)(ctx, args, cmd.opts());
}

// csync2-style argv → peersync subcommand argv, before commander parses anything. Operators keep
// their cron and inetd lines (`csync2 -cr /etc`, `csync2 -ii -v`, `csync2 -T a b`) and change only
// the program name, so every csync2 flag (csync2.md §3) either maps onto a subcommand and its
// options, is accepted without effect (documented in man/peersync.1), or is refused with a
// message. Pure: argv in, argv out, UsageError on a mistake.
//
// csync2 parses with GNU getopt("W:s:Ftp:G:P:C:D:N:HBAIXULlSTMRvhcuoimfxrd") plus `-k FILE`:
// short flags cluster (`-cr`), a value may be attached (`-Nhost1`) or follow, options may come
// after file arguments, and `--` ends the options.

import { UsageError } from "../errors.js";

/** Every subcommand name: a first positional that is one of these means native syntax. */
export const SUBCOMMANDS = [
  "sync", "check", "update", "test", "list-pending", "list-db", "list-hints", "hint", "mark", "force",
  "keygen", "daemon", "status", "config-check", "reload", "trust", "compare", "list-pair", "prune", "import-csync2", "completion", "help",
] as const;

/** Short flags that take a value, and the global long option each becomes. */
const VALUE_FLAGS: Readonly<Record<string, string | null>> = {
  N: "--node-name", C: "--config-name", D: "--state-dir", p: "--port", G: "--groups", P: "--peers",
  s: null, // csync2's timestamp file: peersync's log lines always carry a time, so it is dropped
  W: null, // refused below; listed so that its value is consumed while scanning
};

/** Boolean modifiers; the mode flags are in MODES. */
const MODIFIERS = new Set(["v", "r", "d", "l", "B", "A", "t", "I", "X", "U", "F"]);

type Mode = "x" | "c" | "u" | "cu" | "T" | "M" | "L" | "H" | "h" | "m" | "f" | "k" | "i" | "o" | "S" | "R";

/** Per csync2 mode: the subcommand, how many positionals it takes, and its csync2 synopsis. */
interface ModeSpec {
  readonly command: string;
  readonly min: number;
  readonly max: number;
  readonly usage: string;
}
const ANY = Infinity;
const MODES: Readonly<Record<Mode, ModeSpec>> = {
  x: { command: "sync", min: 0, max: ANY, usage: "-x [-d] [[-r] PATH...]" },
  c: { command: "check", min: 0, max: ANY, usage: "-c [-r] [PATH...]" },
  u: { command: "update", min: 0, max: ANY, usage: "-u [-d] [-r] [PATH...]" },
  cu: { command: "sync", min: 0, max: ANY, usage: "-cu [-r] [PATH...]" },
  T: { command: "test", min: 0, max: 3, usage: "-T[T] [MYNAME PEER] [PATH]" },
  M: { command: "list-pending", min: 0, max: 0, usage: "-M" },
  L: { command: "list-db", min: 0, max: 0, usage: "-L" },
  H: { command: "list-hints", min: 0, max: 0, usage: "-H" },
  h: { command: "hint", min: 1, max: ANY, usage: "-h [-r] PATH..." },
  m: { command: "mark", min: 1, max: ANY, usage: "-m [-r] PATH..." },
  f: { command: "force", min: 1, max: ANY, usage: "-f [-r] PATH..." },
  o: { command: "compare", min: 1, max: ANY, usage: "-o [-r] PATH..." },
  k: { command: "keygen", min: 1, max: 1, usage: "-k FILE" },
  i: { command: "daemon", min: 0, max: 0, usage: "-i | -ii | -iii" },
  S: { command: "list-pair", min: 2, max: 2, usage: "-S MYNAME PEER" },
  R: { command: "prune", min: 0, max: 0, usage: "-R" },
};
/** The mode flags themselves ("cu" is a combination, not a letter). */
const MODE_LETTERS: ReadonlySet<string> = new Set(Object.keys(MODES).filter((mode) => mode.length === 1));

/** Our own long options, accepted in csync2-style argv too (`peersync -x --json`). */
const LONG_WITH_VALUE = new Set(["--config", "--state-dir", "--node-name", "--config-name", "--port", "--groups", "--peers"]);
const LONG_BOOLEAN = new Set(["--json", "--quiet", "--verbose", "--recursive", "--dry-run", "--help", "--version"]);

const HELP_HINT = "run `peersync --help` for the commands and the csync2 flags they replace";

interface Scan {
  /** Short flag letter → how often it was given. */
  readonly counts: Map<string, number>;
  /** Value flag letter → its last value (getopt: the last one wins). */
  readonly values: Map<string, string>;
  readonly positionals: string[];
  /** Our long options, passed through unchanged. */
  readonly longs: string[];
}

/**
 * Translates csync2-style argv (without node and script) into subcommand argv for commander.
 * Argv in peersync's own syntax (a subcommand name first, or no csync2 mode flag at all) comes
 * back unchanged.
 */
export function translateCsync2Argv(argv: readonly string[]): string[] {
  const { firstPositional, modeSeen } = peek(argv);
  if (isSubcommand(firstPositional)) {
    if (modeSeen !== undefined) {
      throw new UsageError(`Cannot use csync2 flag -${modeSeen} with subcommand "${firstPositional}"`, {
        hint: `use either \`peersync ${firstPositional} ...\` or csync2 flags; help is --help (-h is csync2's hint)`,
      });
    }
    return [...argv];
  }
  if (modeSeen === undefined) return [...argv];
  return translate(scan(argv));
}

/** True when argv uses csync2's syntax (a mode flag, no subcommand): csync2's exit codes apply. */
export function isCsync2Style(argv: readonly string[]): boolean {
  const { firstPositional, modeSeen } = peek(argv);
  return !isSubcommand(firstPositional) && modeSeen !== undefined;
}

function isSubcommand(word: string | undefined): boolean {
  return word !== undefined && (SUBCOMMANDS as readonly string[]).includes(word);
}

/** Light pass: the first positional and the first mode letter, skipping option values. */
function peek(argv: readonly string[]): { firstPositional: string | undefined; modeSeen: string | undefined } {
  let firstPositional: string | undefined;
  let modeSeen: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      firstPositional ??= argv[i + 1];
      break;
    }
    if (arg.startsWith("--")) {
      if (LONG_WITH_VALUE.has(arg)) i++;
    } else if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        if (MODE_LETTERS.has(letter)) modeSeen ??= letter;
        if (letter in VALUE_FLAGS) {
          if (j === arg.length - 1) i++;
          break;
        }
      }
    } else {
      firstPositional ??= arg;
    }
  }
  return { firstPositional, modeSeen };
}

/** Full getopt-style pass over csync2-style argv. */
function scan(argv: readonly string[]): Scan {
  const result: Scan = { counts: new Map(), values: new Map(), positionals: [], longs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      result.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      i = scanLong(argv, i, result.longs);
    } else if (arg.startsWith("-") && arg.length > 1) {
      i = scanCluster(argv, i, result);
    } else {
      result.positionals.push(arg);
    }
  }
  return result;
}

function scanLong(argv: readonly string[], i: number, longs: string[]): number {
  const arg = argv[i] as string;
  const name = arg.split("=", 1)[0] as string;
  if (LONG_BOOLEAN.has(arg)) {
    longs.push(arg);
    return i;
  }
  if (!LONG_WITH_VALUE.has(name)) {
    throw new UsageError(`Cannot parse option "${name}": unknown option`, { hint: HELP_HINT });
  }
  if (name !== arg) {
    longs.push(arg);
    return i;
  }
  const value = argv[i + 1];
  if (value === undefined) throw new UsageError(`Cannot parse option "${name}": it needs a value`, { hint: HELP_HINT });
  longs.push(arg, value);
  return i + 1;
}

function scanCluster(argv: readonly string[], i: number, result: Scan): number {
  const arg = argv[i] as string;
  for (let j = 1; j < arg.length; j++) {
    const letter = arg[j] as string;
    if (letter in VALUE_FLAGS) {
      const attached = arg.slice(j + 1);
      const value = attached !== "" ? attached : argv[i + 1];
      if (value === undefined) {
        throw new UsageError(`Cannot parse option "-${letter}": it needs a value`, { hint: HELP_HINT });
      }
      result.values.set(letter, value);
      result.counts.set(letter, (result.counts.get(letter) ?? 0) + 1);
      return attached !== "" ? i : i + 1;
    }
    if (!MODE_LETTERS.has(letter) && !MODIFIERS.has(letter)) {
      throw new UsageError(`Cannot parse option "-${letter}": not a csync2 or peersync option`, { hint: HELP_HINT });
    }
    result.counts.set(letter, (result.counts.get(letter) ?? 0) + 1);
  }
  return i;
}

/** Exactly one mode; -c with -u is csync2's check-and-update. */
function modeOf(counts: ReadonlyMap<string, number>): Mode {
  const letters = [...counts.keys()].filter((l) => MODE_LETTERS.has(l));
  if (letters.length === 2 && letters.includes("c") && letters.includes("u")) return "cu";
  if (letters.length > 1) {
    const flags = letters.map((l) => `-${l}`);
    throw new UsageError(`Cannot use ${flags.slice(0, -1).join(", ")} and ${flags.at(-1)} together: choose one mode`, {
      hint: "csync2 modes are exclusive (only -c and -u combine); " + HELP_HINT,
    });
  }
  return letters[0] as Mode;
}

function translate(s: Scan): string[] {
  const mode = modeOf(s.counts);
  const spec = MODES[mode];
  checkRepeats(mode, s.counts);
  checkArity(mode, s.positionals);
  const out = [spec.command, ...globalOptions(s), ...modeOptions(mode, s), ...s.longs];
  if (s.positionals.some((p) => p.startsWith("-"))) out.push("--");
  out.push(...s.positionals);
  return out;
}

function checkRepeats(mode: Mode, counts: ReadonlyMap<string, number>): void {
  const limits: Readonly<Record<string, number>> = { T: 2, i: 3 };
  const limit = limits[mode];
  const count = counts.get(mode) ?? 0;
  if (limit !== undefined && count > limit) {
    throw new UsageError(`Cannot use -${mode.repeat(count)}: the most is -${mode.repeat(limit)}`, { hint: HELP_HINT });
  }
}

function checkArity(mode: Mode, positionals: readonly string[]): void {
  const { min, max, usage } = MODES[mode];
  const flag = `-${mode}`;
  const n = positionals.length;
  const hint = `usage: peersync ${usage}`;
  if (n < min) {
    throw new UsageError(`Cannot run ${flag}: it needs ${min === 1 ? "an argument" : `${min} arguments`}`, { hint });
  }
  if (n > max) {
    const got = n === 1 ? JSON.stringify(positionals[0]) : `${n} arguments`;
    const takes = max === 0 ? "it takes no arguments" : `it takes at most ${max}`;
    throw new UsageError(`Cannot run ${flag} with ${got}: ${takes}`, { hint });
  }
}

function globalOptions(s: Scan): string[] {
  const out: string[] = [];
  for (let n = s.counts.get("v") ?? 0; n > 0; n--) out.push("--verbose");
  if (s.counts.has("r")) out.push("--recursive");
  if (s.counts.has("d")) out.push("--dry-run");
  if (s.counts.has("W")) {
    throw new UsageError("Cannot use -W: peersync does not write csync2's directory list to a file descriptor", {
      hint: "drop -W; `peersync list-db` lists the indexed files",
    });
  }
  for (const [letter, value] of s.values) {
    const long = VALUE_FLAGS[letter];
    if (long) out.push(long, value);
  }
  return out;
}

/** Modifiers that belong to one mode, as that subcommand's options. */
function modeOptions(mode: Mode, s: Scan): string[] {
  const has = (letter: string): boolean => s.counts.has(letter);
  const out: string[] = [];
  if (mode === "cu" && s.positionals.length === 0) out.push("--hinted");
  if (mode === "T" && (s.counts.get("T") ?? 0) === 2) out.push("--diff");
  if (mode === "i") {
    const count = s.counts.get("i") ?? 1;
    if (count === 1) out.push("--inetd");
    if (count === 3) out.push("--once");
    if (has("l")) out.push("--syslog");
  }
  if (has("I")) out.push(onlyWith("I", mode, ["x", "c", "cu", "T"], "--init"));
  if (has("F")) out.push(onlyWith("F", mode, ["x", "c", "cu", "m"], "--mark-forced"));
  for (const [letter, option] of [["X", "--mark-removals"], ["U", "--single-peer"]] as const) {
    if (!has(letter)) continue;
    if (mode !== "T" || !has("I")) {
      throw new UsageError(`Cannot use -${letter} without -T and -I: it only changes -TI runs`, { hint: HELP_HINT });
    }
    out.push(option);
  }
  if (mode === "R" && s.values.has("G")) {
    throw new UsageError("Cannot use -R with -G: it would drop the index entries of the groups left out", {
      hint: "run -R without -G (csync2 refuses this too)",
    });
  }
  return out;
}

function onlyWith(letter: string, mode: Mode, modes: readonly Mode[], option: string): string {
  if (!modes.includes(mode)) {
    const list = modes.map((m) => `-${m}`).join(", ");
    throw new UsageError(`Cannot use -${letter} with -${mode}: it only applies to ${list}`, { hint: HELP_HINT });
  }
  return option;
}

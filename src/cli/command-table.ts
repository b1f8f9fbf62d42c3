// Every subcommand: its arguments and options as commander declares them, the csync2 flag it
// replaces, whether it works in this version, and how to load it. Modules load on demand, so
// `--version` and `--help` never open the index or the native addon, and one broken command
// cannot take the others down.

import type { Command } from "./context.js";

/** Any command module's `run`; its argument and option types are the module's own business. */
export type AnyCommand = (ctx: Parameters<Command>[0], args: never, options: never) => Promise<number>;

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** The csync2 invocation it replaces, for --help and the man page. */
  readonly csync2: string | undefined;
  /** Commander argument syntax: "<file>", "[paths...]". */
  readonly args: readonly string[];
  /** [flags, description] pairs, commander syntax. */
  readonly options: readonly (readonly [string, string])[];
  /** The values the first argument may take (commander checks them; completion offers them). */
  readonly choices?: readonly string[];
  /** Its stdout is a report on what it did (summary lines), which -q mutes; else it is a listing. */
  readonly report?: boolean;
  readonly load: () => Promise<{ readonly run: AnyCommand }>;
}

const INIT: readonly [string, string] = ["--init", "init run: record files without marking them pending (csync2 -I)"];
const FORCED: readonly [string, string] = ["--mark-forced", "newly pending entries win their next conflict (csync2 -F)"];
const PATHS = ["[paths...]"];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "sync", report: true, summary: "check, then send changes to every peer (the cron job)", csync2: "-x, -cu",
    args: PATHS, options: [["--hinted", "without PATHs, check only the hinted paths (csync2 -cu)"], INIT, FORCED],
    load: () => import("./commands/sync.js"),
  },
  {
    name: "check", report: true, summary: "find local changes and mark them pending for peers", csync2: "-c",
    args: PATHS,
    options: [
      ["--full", "walk every include root even when hints exist"],
      ["--checksum", "hash every file, not only those whose metadata changed"],
      ["--allow-empty-roots", "record deletions even when an include root vanished or holds none of the files the index knows (not an unmounted disk)"],
      INIT,
      FORCED,
    ],
    load: () => import("./commands/check.js"),
  },
  {
    name: "update", report: true, summary: "send pending changes to peers", csync2: "-u",
    args: PATHS, options: [], load: () => import("./commands/update.js"),
  },
  {
    name: "test", summary: "compare with peers without changing anything (exit 2: in sync)", csync2: "-T, -TT",
    args: ["[args...]"],
    options: [
      ["--diff", "print unified diffs of differing files (csync2 -TT)"],
      ["--init", "mark the differences pending (csync2 -TI)"],
      ["--mark-removals", "with --init, also mark files only the peer has (csync2 -X)"],
      ["--single-peer", "with --init, mark for that one peer only (csync2 -U)"],
    ],
    load: () => import("./commands/test.js"),
  },
  {
    name: "list-pending", summary: "list entries pending per peer (exit 2: none)", csync2: "-M",
    args: [], options: [], load: () => import("./commands/list-pending.js"),
  },
  {
    name: "list-db", summary: "list the indexed files (exit 2: none)", csync2: "-L",
    args: [], options: [], load: () => import("./commands/list-db.js"),
  },
  {
    name: "list-hints", summary: "list the hints not checked yet (exit 2: none)", csync2: "-H",
    args: [], options: [], load: () => import("./commands/list-hints.js"),
  },
  {
    name: "hint", report: true, summary: "record paths for the next check", csync2: "-h",
    args: ["<paths...>"], options: [["--fsync", "also survive a power cut: flush the hint to disk before returning"]],
    load: () => import("./commands/hint.js"),
  },
  {
    name: "mark", report: true, summary: "mark paths pending for every peer", csync2: "-m",
    args: ["<paths...>"], options: [FORCED], load: () => import("./commands/mark.js"),
  },
  {
    name: "force", report: true, summary: "make pending paths win their next conflict", csync2: "-f",
    args: ["<paths...>"], options: [], load: () => import("./commands/force.js"),
  },
  {
    name: "keygen", report: true, summary: "write a new group key file (never overwrites)", csync2: "-k",
    args: ["<file>"], options: [], load: () => import("./commands/keygen.js"),
  },
  {
    name: "daemon", summary: "serve peers in the foreground", csync2: "-ii, -i, -iii",
    args: [],
    options: [
      ["--inetd", "(not implemented yet) serve one session on stdin/stdout: inetd, systemd Accept=yes (csync2 -i)"],
      ["--once", "(not implemented yet) serve one connection, then exit (csync2 -iii)"],
      ["--syslog", "(not implemented yet) log to syslog, not to stderr, which inetd may connect to the peer (csync2 -l)"],
      ["--metrics <[host:]port>", "serve Prometheus metrics at http://HOST:PORT/metrics (HOST 127.0.0.1 unless given; or PEERSYNC_METRICS_PORT)"],
    ],
    load: () => import("./commands/daemon.js"),
  },
  {
    name: "status", summary: "peers, pending entries, conflicts, last sync, drift", csync2: undefined,
    args: [], options: [["--no-probe", "do not contact peers; show only what the index and the daemon recorded"]],
    load: () => import("./commands/status.js"),
  },
  {
    name: "config-check", summary: "read the config and report every error", csync2: undefined,
    args: [], options: [], load: () => import("./commands/config-check.js"),
  },
  {
    name: "reload", summary: "make the running daemon re-read its config; fail with its reason when it refuses", csync2: undefined,
    args: [], options: [["--pid <pid>", "the daemon's process id (systemd: $MAINPID); needed only when several daemons run"]],
    load: () => import("./commands/reload.js"),
  },
  {
    name: "trust", summary: "show pinned peer certificates; --reset HOST forgets one", csync2: undefined,
    args: [], options: [["--reset <host>", "forget HOST's pinned certificate; the next contact pins it again"]],
    load: () => import("./commands/trust.js"),
  },
  {
    name: "compare", summary: "print the files the compare patterns select", csync2: "-o",
    args: ["<paths...>"], options: [], load: () => import("./commands/compare.js"),
  },
  {
    name: "list-pair", summary: "list the indexed files shared with one peer (exit 2: none)", csync2: "-S",
    args: ["<myname>", "<peer>"], options: [], load: () => import("./commands/list-pair.js"),
  },
  {
    name: "import-csync2", report: true, summary: "seed the index from csync2's database when switching from csync2", csync2: undefined,
    args: [], options: [["--db <file>", "csync2's SQLite database (default: /var/lib/csync2/NODE.db3)"]],
    load: () => import("./commands/import-csync2.js"),
  },
  {
    name: "completion", summary: "print a bash or zsh completion script for peersync", csync2: undefined,
    args: ["<shell>"], choices: ["bash", "zsh"], options: [], load: () => import("./commands/completion.js"),
  },
  {
    name: "prune", report: true, summary: "drop index entries the config no longer includes", csync2: "-R",
    args: [], options: [], load: () => import("./commands/prune.js"),
  },
];

// Commander's raw global option values → the validated GlobalOptions every command receives.
// Argv is a trust boundary (STYLE R3): each value is checked here once, with a message that
// names the option, so commands can rely on the types.

import { isAbsolute, resolve } from "node:path";
import { UsageError } from "../errors.js";
import type { GlobalOptions } from "./context.js";

/** What commander collects for the global options (all optional, all strings). */
export interface RawGlobalOptions {
  readonly verbose?: number;
  readonly quiet?: boolean;
  readonly recursive?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly config?: string;
  readonly configName?: string;
  readonly stateDir?: string;
  readonly nodeName?: string;
  readonly port?: string;
  readonly groups?: string;
  readonly peers?: string;
}

export interface ResolveEnv {
  /** Base for relative paths. */
  readonly cwd: string;
  /** csync2's -C NAME lookup (config/load.ts configFileForName); throws UsageError for a bad NAME. */
  readonly configFileForName: (name: string) => string;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

export function resolveGlobalOptions(raw: RawGlobalOptions, env: ResolveEnv): GlobalOptions {
  return {
    configFile: configFile(raw, env),
    stateDir: stateDir(raw.stateDir, env.cwd),
    nodeName: nodeName(raw.nodeName),
    port: raw.port === undefined ? undefined : port(raw.port),
    verbose: verbosity(raw),
    quiet: raw.quiet ?? false,
    dryRun: raw.dryRun ?? false,
    recursive: raw.recursive ?? false,
    json: raw.json ?? false,
    groups: list("-G/--groups", raw.groups, (g) => g),
    // Host names are lowercased in the config (as csync2 does), so peers are too.
    peers: list("-P/--peers", raw.peers, (p) => p.toLowerCase()),
  };
}

/**
 * `--config FILE` as given; `-C NAME` is csync2's csync2_NAME.cfg lookup, which config/load.ts
 * owns so that the CLI and the daemon agree. Neither: undefined, and loadConfig picks the
 * default file.
 */
function configFile(raw: RawGlobalOptions, env: ResolveEnv): string | undefined {
  if (raw.config !== undefined && raw.configName !== undefined) {
    throw new UsageError("Cannot use --config and -C together: both choose the config file", {
      hint: "keep one: --config FILE takes a path, -C NAME reads csync2_NAME.cfg",
    });
  }
  if (raw.config === "") throw new UsageError('Cannot use --config "": the path is empty');
  if (raw.config !== undefined) return resolve(env.cwd, raw.config);
  return raw.configName === undefined ? undefined : env.configFileForName(raw.configName);
}

/** -v count, or -1 for -q; both at once is a contradiction, not a choice to make silently. */
function verbosity(raw: RawGlobalOptions): number {
  const verbose = raw.verbose ?? 0;
  if (raw.quiet !== true) return verbose;
  if (verbose > 0) {
    throw new UsageError("Cannot use -q and -v together: one asks for less output, the other for more", {
      hint: "keep -q (errors only) or -v/-vv (more detail)",
    });
  }
  return -1;
}

function stateDir(value: string | undefined, cwd: string): string | undefined {
  if (value === undefined) return undefined;
  if (URL_LIKE.test(value)) {
    throw new UsageError(`Cannot use database "${value}": peersync keeps its index in a state directory`, {
      hint: "pass a directory instead, e.g. -D /var/lib/peersync (csync2's database is not reused)",
    });
  }
  if (value === "") throw new UsageError('Cannot use state directory "": the path is empty');
  return isAbsolute(value) ? value : resolve(cwd, value);
}

function nodeName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === "" || /\s/.test(value)) {
    throw new UsageError(`Cannot use node name "${value}": it must be one word`, { hint: "e.g. -N host1" });
  }
  return value.toLowerCase();
}

function port(value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new UsageError(`Cannot use port "${value}": expected a number from 1 to 65535`, {
      hint: "csync2's port is 30865; service names are not looked up",
    });
  }
  return n;
}

function list(option: string, value: string | undefined, normalise: (item: string) => string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (items.length === 0) {
    throw new UsageError(`Cannot use ${option} "${value}": the list is empty`, { hint: "separate names with commas: a,b" });
  }
  return items.map(normalise);
}

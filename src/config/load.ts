// The I/O edge of the config: finds and reads the config file, its `config` includes and the
// key files, picks the node name, then hands everything to the pure pipeline (compile.ts).
//
// Choices (see man/peersync.cfg.5, FILES):
//   - Default file: /etc/peersync.cfg, else /etc/csync2.cfg (Debian's csync2 uses this one),
//     else /etc/csync2/csync2.cfg (some distributions).
//   - `-C NAME` → csync2_NAME.cfg in csync2's system directory: $CSYNC2_SYSTEM_DIR if set, else
//     /etc, else /etc/csync2 (first that exists).
//   - `config FILE;` includes: an absolute name as is; a relative one relative to the process's
//     working directory first (what csync2 does), then relative to the including file's
//     directory (what users expect when the daemon runs from /).
//   - Relative key paths: relative to the main config file's directory, which is csync2's
//     system directory for every standard location and for -C.
//   - Node name: -N, else os.hostname() lowercased and used as is (csync2 uses gethostname()
//     without canonicalising; a host whose hostname is an FQDN must be listed by that FQDN, or
//     given -N).

import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, isAbsolute, resolve as resolvePath } from "node:path";
import { ConfigError, ConfigErrors, UsageError, type Location } from "../errors.js";
import { compileConfig } from "./compile.js";
import { keyFromText } from "./values.js";
import type { Source } from "./lexer.js";
import type { Config } from "./types.js";

export const DEFAULT_CONFIG_FILES = ["/etc/peersync.cfg", "/etc/csync2.cfg", "/etc/csync2/csync2.cfg"] as const;

export interface LoadOptions {
  /** Config file; default: the first of DEFAULT_CONFIG_FILES that exists. */
  readonly configFile?: string | undefined;
  /** -N: this node's name; default os.hostname(). Lowercased either way. */
  readonly nodeName?: string | undefined;
  /** --state-dir / -D: overrides the config's state-dir. */
  readonly stateDir?: string | undefined;
  /** -p: overrides the config's global port. */
  readonly port?: number | undefined;
}

/** The config file used when none is given. */
export function defaultConfigFile(exists: (path: string) => boolean = existsSync): string {
  return DEFAULT_CONFIG_FILES.find((f) => exists(f)) ?? DEFAULT_CONFIG_FILES[1];
}

/** csync2's `-C NAME`: csync2_NAME.cfg in its system directory. NAME must match [a-z0-9]+. */
export function configFileForName(name: string, env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): string {
  if (!/^[a-z0-9]+$/.test(name)) {
    throw new UsageError(`Cannot use config name ${JSON.stringify(name)}: config names are limited to [a-z0-9]+`, {
      hint: "use lowercase letters and digits only, as csync2 does",
    });
  }
  const dirs = env.CSYNC2_SYSTEM_DIR ? [env.CSYNC2_SYSTEM_DIR] : ["/etc", "/etc/csync2"];
  const candidates = dirs.map((d) => resolvePath(d, `csync2_${name}.cfg`));
  return candidates.find((f) => exists(f)) ?? (candidates[0] as string);
}

/** The local node name: -N if given, else the hostname; lowercased. */
export function localNodeName(nodeName?: string): string {
  return (nodeName ?? hostname()).toLowerCase();
}

function errnoText(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return err instanceof Error ? err.message : String(err);
}

function readSource(file: string, at: Location | undefined, what: string): Source {
  try {
    return { file, text: readFileSync(file, "utf8") };
  } catch (err) {
    throw new ConfigError(`Cannot read ${what} "${file}": ${errnoText(err)}`, at, {
      hint: at === undefined ? "pass --config FILE (or -C NAME for csync2_NAME.cfg)" : "check the path in the config statement",
    });
  }
}

function readInclude(name: string, from: Location): Source {
  if (isAbsolute(name)) return readSource(name, from, "included config file");
  const candidates = [resolvePath(name), resolvePath(dirname(from.file), name)];
  const found = candidates.find((c) => existsSync(c));
  return readSource(found ?? (candidates[0] as string), from, "included config file");
}

/**
 * The key in `file` as it is now (csync2's rules), or undefined when it cannot be read or holds
 * no valid key: a daemon compares it with the key it holds when a proof fails (a key rotation
 * that was not followed by a reload).
 */
export function readKeyNow(file: string): string | undefined {
  try {
    return keyFromText(readFileSync(file, "utf8"), file, { file, line: 1, column: 1 });
  } catch {
    return undefined;
  }
}

/** Reads, parses and resolves the config for the local node; throws ConfigErrors with every error. */
export function loadConfig(options: LoadOptions = {}): Config {
  const file = resolvePath(options.configFile ?? defaultConfigFile());
  let main: Source;
  try {
    main = readSource(file, undefined, "config file");
  } catch (err) {
    throw new ConfigErrors([err as ConfigError]);
  }
  return compileConfig(main, {
    localName: localNodeName(options.nodeName),
    stateDir: options.stateDir === undefined ? undefined : resolvePath(options.stateDir),
    port: options.port,
    readFile: (path) => readFileSync(path, "utf8"),
    readInclude,
    keyDir: dirname(file),
  });
}

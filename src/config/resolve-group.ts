// One `group { ... }` block → a Group for the local node (or only its errors when the node is
// not a member). Duplicate single-valued statements, bad values, hosts listed twice, missing or
// invalid key files all become ConfigErrors here. Pure: key files come through `readFile`.

import { posix } from "node:path";
import { ConfigError, type Location } from "../errors.js";
import type { ActionNode, GroupNode, Statement, Word } from "./ast.js";
import { suggest } from "./hints.js";
import { compileMatcher, isPathPattern, rootsOf, stripTrailingSlashes, type PatternSpec } from "./match.js";
import { CONFLICT_POLICIES, type Action, type ConflictPolicy, type Group, type Host } from "./types.js";
import * as v from "./values.js";

export interface GroupDefaults {
  readonly localName: string;
  /** Port of hosts without an explicit one when the group sets none. */
  readonly port: number;
  readonly maxDelete: number | undefined;
  readonly watch: boolean;
  readonly debounceMs: number;
  readonly rescanIntervalMs: number;
  /** The global `tombstone-retention`; undefined: the default (30 days). */
  readonly tombstoneRetentionMs?: number | undefined;
  /** Prefixes defined for the local node. */
  readonly prefixes: ReadonlyMap<string, string>;
  /** Every prefix name the config declares (defined here or not). */
  readonly declaredPrefixes: ReadonlySet<string>;
  /** Reads a key file (absolute path); throws an Error with `code` (ENOENT...) on failure. */
  readonly readFile: (path: string) => string;
  /** Base of relative key paths (csync2: its system dir). */
  readonly keyDir: string;
  /** Syntax errors dropped statements: do not report a missing key. */
  readonly partial: boolean;
}

export const DEFAULT_ACTION_TIMEOUT_MS = 60_000;
export const DEFAULT_BACKUP_GENERATIONS = 3;

const SINGLE = new Set(["key", "auto", "backup-directory", "backup-generations", "port", "max-delete", "watch", "debounce", "rescan-interval", "tombstone-retention"]);

/** Runs `fn`, turning a thrown ConfigError into an entry of `errors`. */
export function collect<T>(errors: ConfigError[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      errors.push(err);
      return undefined;
    }
    throw err;
  }
}

function duplicate(keyword: string, first: Location, again: Location, where: string): ConfigError {
  return new ConfigError(`Cannot use "${keyword}" twice in ${where}: first set at ${first.line}:${first.column}`, again, {
    hint: `keep one ${keyword} statement`,
  });
}

/** The single-valued statements of a block, after reporting duplicates. */
export function singles(statements: readonly Statement[], names: ReadonlySet<string>, where: string, errors: ConfigError[]): Map<string, Statement> {
  const seen = new Map<string, Statement>();
  for (const s of statements) {
    if (!names.has(s.keyword)) continue;
    const first = seen.get(s.keyword);
    if (first !== undefined) errors.push(duplicate(s.keyword, first.at, s.at, where));
    else seen.set(s.keyword, s);
  }
  return seen;
}

export function resolveGroup(node: GroupNode, name: string, d: GroupDefaults, errors: ConfigError[]): Group | undefined {
  const where = `group "${name}"`;
  const one = singles(node.statements, SINGLE, where, errors);
  const arg = (k: string): Word | undefined => one.get(k)?.args[0];
  const keyWord = arg("key");
  const key = keyWord === undefined ? undefined : collect(errors, () => readKey(keyWord, d));
  if (keyWord === undefined && !d.partial) {
    errors.push(new ConfigError(`Cannot use ${where}: it has no key`, node.at, { hint: "add key /etc/csync2.key; (create the file with peersync -k FILE)" }));
  }
  const auto = arg("auto") === undefined ? "none" : collect(errors, () => policy(arg("auto") as Word));
  const groupPort = arg("port") === undefined ? d.port : collect(errors, () => v.port(arg("port") as Word));
  const hosts = resolveHosts(node, d.localName, groupPort ?? d.port, errors);
  const local = hosts.find((h) => h.local);
  const member = local !== undefined;
  const specs = patterns(node.statements, d, member, errors);
  const actions = node.actions.map((a) => resolveAction(a, d, member, errors));
  const backupDirectory = arg("backup-directory") === undefined ? undefined : collect(errors, () => v.absolutePath(arg("backup-directory") as Word, "backup-directory"));
  const backupGenerations = arg("backup-generations") === undefined ? DEFAULT_BACKUP_GENERATIONS : collect(errors, () => v.integer(arg("backup-generations") as Word, "backup-generations"));
  const maxDelete = arg("max-delete") === undefined ? d.maxDelete : collect(errors, () => v.integer(arg("max-delete") as Word, "max-delete"));
  const watch = arg("watch") === undefined ? d.watch : collect(errors, () => v.yesNo(arg("watch") as Word, "watch"));
  const debounceMs = arg("debounce") === undefined ? d.debounceMs : collect(errors, () => v.duration(arg("debounce") as Word, "debounce"));
  const rescanIntervalMs = arg("rescan-interval") === undefined ? d.rescanIntervalMs : collect(errors, () => v.duration(arg("rescan-interval") as Word, "rescan-interval"));
  const retention = arg("tombstone-retention") === undefined ? d.tombstoneRetentionMs : collect(errors, () => v.duration(arg("tombstone-retention") as Word, "tombstone-retention"));
  if (local === undefined || key === undefined) return undefined;
  const path = (spec: PatternSpec): string => spec.pattern;
  return {
    name,
    local: local.host,
    peers: hosts.filter((h) => !h.local).map((h) => h.host),
    keyFile: resolveKeyPath(keyWord as Word, d),
    key,
    include: specs.filter((s) => s.include && !s.compare).map(path),
    exclude: specs.filter((s) => !s.include).map(path),
    compare: specs.filter((s) => s.compare).map(path),
    rules: JSON.stringify(specs.map((s) => [s.compare ? "compare" : s.include ? "include" : "exclude", s.pattern])),
    roots: rootsOf(specs.filter((s) => s.include && !s.compare).map(path)),
    match: compileMatcher(specs),
    auto: auto ?? "none",
    backupDirectory,
    backupGenerations: backupGenerations ?? DEFAULT_BACKUP_GENERATIONS,
    maxDelete,
    actions: actions.filter((a): a is Action => a !== undefined),
    watch: watch ?? d.watch,
    debounceMs: debounceMs ?? d.debounceMs,
    rescanIntervalMs: rescanIntervalMs ?? d.rescanIntervalMs,
    ...(retention === undefined ? {} : { tombstoneRetentionMs: retention }),
    at: node.at,
  };
}

function policy(word: Word): ConflictPolicy {
  if ((CONFLICT_POLICIES as readonly string[]).includes(word.text)) return word.text as ConflictPolicy;
  throw new ConfigError(`Cannot use auto policy ${JSON.stringify(word.text)}: expected one of ${CONFLICT_POLICIES.join(", ")}`, word.at, {
    hint: suggest(word.text, CONFLICT_POLICIES),
  });
}

function resolveKeyPath(word: Word, d: GroupDefaults): string {
  return posix.resolve(d.keyDir, word.text);
}

function readKey(word: Word, d: GroupDefaults): string {
  const file = resolveKeyPath(word, d);
  let text: string;
  try {
    text = d.readFile(file);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a directory" : String((err as Error).message ?? err);
    throw new ConfigError(`Cannot read key file "${file}": ${why}`, word.at, {
      hint: code === "ENOENT" ? `create it with: peersync -k ${file}` : "check the path and its permissions",
    });
  }
  return v.keyFromText(text, file, word.at);
}

interface ResolvedHost {
  readonly host: Host;
  readonly local: boolean;
}

function resolveHosts(node: GroupNode, localName: string, defaultPort: number, errors: ConfigError[]): ResolvedHost[] {
  const out: ResolvedHost[] = [];
  const names = new Map<string, Location>();
  const identities = new Map<string, Location>();
  let localSeen = false;
  for (const entry of node.hosts) {
    const name = entry.name.text.toLowerCase();
    if (name.includes(":") && entry.address === undefined) {
      errors.push(new ConfigError(`Cannot use host name ${JSON.stringify(entry.name.text)}: a name cannot contain ":"`, entry.name.at, {
        hint: `to give a port, write ${name.split(":")[0]}@ADDRESS:${name.split(":")[1]}`,
      }));
      continue;
    }
    const addr = entry.address === undefined ? { address: name, port: defaultPort } : collect(errors, () => v.address(entry.address as Word, defaultPort));
    if (addr === undefined) continue;
    const first = names.get(name);
    if (first !== undefined) {
      errors.push(new ConfigError(`Cannot list host "${name}" twice in group "${node.name?.text ?? "(unnamed)"}": first listed at ${first.line}:${first.column}`, entry.name.at, {
        hint: "remove one of them (a receive-only host is listed only in parentheses)",
      }));
      continue;
    }
    names.set(name, entry.name.at);
    const identity = `${addr.address}:${addr.port}`;
    const sameIdentity = identities.get(identity);
    if (sameIdentity !== undefined) {
      errors.push(new ConfigError(`Cannot use address "${addr.address}" port ${addr.port} for host "${name}": another host of the group uses it (${sameIdentity.line}:${sameIdentity.column})`, entry.at, {
        hint: "each host needs its own address or port",
      }));
      continue;
    }
    identities.set(identity, entry.at);
    const local = name === localName;
    out.push({
      local,
      host: { name, address: addr.address, port: addr.port, receiveOnly: entry.receiveOnly, leftOfLocal: !local && !localSeen, at: entry.at },
    });
    if (local) localSeen = true;
  }
  return out;
}

// Include/exclude/compare patterns in config order (last match wins across them).
function patterns(statements: readonly Statement[], d: GroupDefaults, member: boolean, errors: ConfigError[]): PatternSpec[] {
  const specs: PatternSpec[] = [];
  for (const s of statements) {
    if (s.keyword !== "include" && s.keyword !== "exclude" && s.keyword !== "compare") continue;
    if (s.keyword === "compare" && s.args.length > 1) {
      // csync2 bug (cfgfile_parser.y comp_list): all but the last word become include patterns.
      errors.push(new ConfigError(`Cannot use "compare" with ${s.args.length} patterns: csync2 would treat all but the last as include patterns`, s.args[0]?.at ?? s.at, {
        hint: "write one compare statement per pattern",
      }));
      continue;
    }
    for (const w of s.args) {
      const pattern = stripTrailingSlashes(w.text);
      if (member) collect(errors, () => checkPrefixUse(w, pattern, d));
      specs.push({ pattern, include: s.keyword !== "exclude", compare: s.keyword === "compare" });
    }
  }
  return specs;
}

/** A `%name%` pattern must name a prefix defined for this node (csync2 fails later, per file). */
export function checkPrefixUse(word: Word, pattern: string, d: GroupDefaults): void {
  if (!pattern.startsWith("%")) return;
  const m = /^%([A-Za-z0-9_.-]+)%(\/|$)/.exec(pattern);
  if (m === null) {
    throw new ConfigError(`Cannot use pattern ${JSON.stringify(word.text)}: a pattern starting with % must be %name% or %name%/path`, word.at, {
      hint: "prefix names contain only letters, digits, _ . and -, and cannot use wildcards",
    });
  }
  const name = m[1] as string;
  if (d.prefixes.has(name)) return;
  const hint = d.declaredPrefixes.has(name)
    ? `add an "on ${d.localName}: PATH;" (or "on *: PATH;") line to prefix ${name}`
    : `declare it: prefix ${name} { on *: /some/path; }`;
  throw new ConfigError(`Cannot use prefix "%${name}%" on host "${d.localName}": it is not defined for this host`, word.at, { hint });
}

const ACTION_SINGLE = new Set(["logfile", "timeout", "do-local", "do-local-only"]);

function resolveAction(node: ActionNode, d: GroupDefaults, member: boolean, errors: ConfigError[]): Action | undefined {
  const one = singles(node.statements, ACTION_SINGLE, "an action block", errors);
  const patterns: string[] = [];
  const execs: Word[] = [];
  for (const s of node.statements) {
    if (s.keyword === "exec") execs.push(...s.args);
    if (s.keyword !== "pattern") continue;
    for (const w of s.args) {
      if (!isPathPattern(w.text)) {
        errors.push(new ConfigError(`Cannot use action pattern ${JSON.stringify(w.text)}: action patterns match whole paths`, w.at, {
          hint: `start it with / or %prefix%, e.g. /etc/nginx/*${w.text.startsWith("*") ? w.text.slice(1) : `/${w.text}`}`,
        }));
        continue;
      }
      if (member) collect(errors, () => checkPrefixUse(w, w.text, d));
      patterns.push(w.text);
    }
  }
  if (execs.length === 0 && d.partial) return undefined;
  if (execs.length !== 1) {
    const at = execs[1]?.at ?? node.at;
    const message = execs.length === 0 ? "Cannot use an action without exec" : `Cannot use an action with ${execs.length} exec commands`;
    const hint = execs.length === 0 ? 'add exec "COMMAND";' : `quote the whole command: exec "${execs.map((w) => w.text).join(" ")}";`;
    errors.push(new ConfigError(message, at, { hint }));
    return undefined;
  }
  const logfileWord = one.get("logfile")?.args[0];
  const timeoutWord = one.get("timeout")?.args[0];
  const logfile = logfileWord === undefined ? "/dev/null" : collect(errors, () => v.absolutePath(logfileWord, "logfile"));
  const timeoutMs = timeoutWord === undefined ? DEFAULT_ACTION_TIMEOUT_MS : collect(errors, () => v.duration(timeoutWord, "timeout"));
  if (logfile === undefined || timeoutMs === undefined) return undefined;
  const doLocalOnly = one.has("do-local-only");
  return { patterns, exec: (execs[0] as Word).text, logfile, doLocal: doLocalOnly || one.has("do-local"), doLocalOnly, timeoutMs, at: node.at };
}

// ConfigAst + the local node's name → the readonly Config of types.ts, with every semantic
// error collected (not just the first). Pure: key files arrive through options.readFile.

import { ConfigError, ConfigErrors, UnknownPrefixError, type Location } from "../errors.js";
import { shownName } from "../core/shown-name.js";
import type { ConfigAst, GroupNode, PrefixNode, Statement, TopStatement } from "./ast.js";
import { compileFnmatch } from "./fnmatch.js";
import { suggest } from "./hints.js";
import { collect, resolveGroup, singles, type GroupDefaults } from "./resolve-group.js";
import { DEFAULT_PORT, type Config, type Group } from "./types.js";
import * as v from "./values.js";

export interface ResolveOptions {
  /** The main config file (absolute), for Config.file and error locations. */
  readonly file: string;
  /** The local node name, already lowercased (-N or the hostname). */
  readonly localName: string;
  /** --state-dir, overriding the config's state-dir. */
  readonly stateDir?: string | undefined;
  /** -p, overriding the config's global port. */
  readonly port?: number | undefined;
  /** Reads a key file by absolute path; throws an Error with `code` on failure. */
  readonly readFile: (path: string) => string;
  /** Base directory of relative key paths. */
  readonly keyDir: string;
  /** The AST is incomplete (syntax errors were found): skip the checks a dropped statement would fail. */
  readonly partial?: boolean;
}

export const DEFAULT_STATE_DIR = "/var/lib/peersync";
export const DEFAULT_LOCK_TIMEOUT_S = 12;
export const DEFAULT_DEBOUNCE_MS = 200;
export const DEFAULT_RESCAN_INTERVAL_MS = 3_600_000;

const TOP_SINGLE = new Set(["database", "tempdir", "lock-timeout", "port", "state-dir", "max-delete", "watch", "debounce", "rescan-interval", "tombstone-retention"]);
const IGNORABLE = ["uid", "gid", "mod"] as const;

/** Resolves `ast` for `options.localName`; throws ConfigErrors listing every problem. */
export function resolve(ast: ConfigAst, options: ResolveOptions): Config {
  const errors: ConfigError[] = [];
  const top = ast.blocks.filter((b): b is TopStatement => b.kind === "statement");
  const one = singles(top, TOP_SINGLE, "the global section", errors);
  const arg = (k: string) => one.get(k)?.args[0];
  const ignore = { uid: false, gid: false, mod: false };
  const nossl: { from: string; to: string }[] = [];
  for (const s of top) globalStatement(s, ignore, nossl, errors);
  const globalPort = arg("port") === undefined ? undefined : collect(errors, () => v.port(arg("port")!));
  const basePort = options.port ?? globalPort ?? DEFAULT_PORT;
  const stateDirWord = arg("state-dir");
  const configStateDir = stateDirWord === undefined ? undefined : collect(errors, () => v.absolutePath(stateDirWord, "state-dir"));
  const { prefixes, declared } = resolvePrefixes(ast.blocks.filter((b): b is PrefixNode => b.kind === "prefix"), options.localName, errors);
  const defaults: GroupDefaults = {
    localName: options.localName,
    port: basePort,
    maxDelete: arg("max-delete") === undefined ? undefined : collect(errors, () => v.integer(arg("max-delete")!, "max-delete")),
    watch: (arg("watch") === undefined ? true : collect(errors, () => v.yesNo(arg("watch")!, "watch"))) ?? true,
    debounceMs: (arg("debounce") === undefined ? DEFAULT_DEBOUNCE_MS : collect(errors, () => v.duration(arg("debounce")!, "debounce"))) ?? DEFAULT_DEBOUNCE_MS,
    rescanIntervalMs:
      (arg("rescan-interval") === undefined ? DEFAULT_RESCAN_INTERVAL_MS : collect(errors, () => v.duration(arg("rescan-interval")!, "rescan-interval"))) ??
      DEFAULT_RESCAN_INTERVAL_MS,
    ...(arg("tombstone-retention") === undefined ? {} : { tombstoneRetentionMs: collect(errors, () => v.duration(arg("tombstone-retention")!, "tombstone-retention")) }),
    prefixes,
    declaredPrefixes: declared,
    readFile: options.readFile,
    keyDir: options.keyDir,
    partial: options.partial === true,
  };
  const groups = resolveGroups(ast.blocks.filter((b): b is GroupNode => b.kind === "group"), defaults, errors);
  if (groups.length === 0 && errors.length === 0 && options.partial !== true) {
    errors.push(new ConfigError(`Cannot find host "${options.localName}" in any group`, { file: options.file, line: 1, column: 1 }, {
      hint: "add it to a group's host line, or pass -N NAME with the name the config uses for this node",
    }));
  }
  const tempdirWord = arg("tempdir");
  const tempdir = tempdirWord === undefined ? undefined : collect(errors, () => v.absolutePath(tempdirWord, "tempdir"));
  const lockWord = arg("lock-timeout");
  const lockTimeoutS = lockWord === undefined ? DEFAULT_LOCK_TIMEOUT_S : collect(errors, () => v.integer(lockWord, "lock-timeout"));
  if (errors.length > 0) throw new ConfigErrors(orderErrors(errors));
  const stateDir = options.stateDir ?? configStateDir ?? DEFAULT_STATE_DIR;
  return Object.freeze({
    file: options.file,
    localName: options.localName,
    stateDir,
    port: basePort,
    groups: Object.freeze(groups),
    prefixes,
    ignore: Object.freeze(ignore),
    tempdir,
    lockTimeoutS: lockTimeoutS ?? DEFAULT_LOCK_TIMEOUT_S,
    nossl: Object.freeze(nossl),
    toLocalPath: (logical: string) => toLocalPath(logical, prefixes, options.localName),
    toLogicalPath: (local: string) => toLogicalPath(local, prefixes),
  });
}

function globalStatement(s: Statement, ignore: { uid: boolean; gid: boolean; mod: boolean }, nossl: { from: string; to: string }[], errors: ConfigError[]): void {
  if (s.keyword === "ignore") {
    for (const w of s.args) {
      if ((IGNORABLE as readonly string[]).includes(w.text)) ignore[w.text as (typeof IGNORABLE)[number]] = true;
      else errors.push(new ConfigError(`Cannot ignore ${JSON.stringify(w.text)}: expected one of uid, gid, mod`, w.at, {
        hint: suggest(w.text, IGNORABLE).startsWith("did") ? suggest(w.text, IGNORABLE) : "remove it; ignore takes uid, gid and mod",
      }));
    }
  } else if (s.keyword === "nossl") {
    nossl.push({ from: (s.args[0] as { text: string }).text, to: (s.args[1] as { text: string }).text });
  } else if (s.keyword === "no-cygwin-lowercase") {
    errors.push(new ConfigError(`Cannot use "no-cygwin-lowercase": it exists only on Cygwin`, s.at, { hint: "remove it (csync2 rejects it too outside Cygwin)" }));
  }
}

function resolveGroups(nodes: readonly GroupNode[], defaults: GroupDefaults, errors: ConfigError[]): Group[] {
  const groups: Group[] = [];
  const seen = new Map<string, Location>();
  let unnamed = 0;
  for (const node of nodes) {
    // csync2 names an unnamed group group_<n>, counting unnamed groups from 1.
    const name = node.name?.text ?? `group_${++unnamed}`;
    const first = seen.get(name);
    if (first !== undefined) {
      errors.push(new ConfigError(`Cannot define group "${name}" twice: first defined at ${first.line}:${first.column}`, node.name?.at ?? node.at, {
        hint: "rename one of the groups (peers identify groups by name)",
      }));
      continue;
    }
    seen.set(name, node.name?.at ?? node.at);
    const group = resolveGroup(node, name, defaults, errors);
    if (group !== undefined) groups.push(Object.freeze(group));
  }
  return groups;
}

// prefix NAME { on HOSTPATTERN: PATH; }: the first entry whose pattern fnmatches the local name
// (flags 0) defines %NAME% here. csync2 checks every PATH is absolute, matching or not.
function resolvePrefixes(nodes: readonly PrefixNode[], localName: string, errors: ConfigError[]): { prefixes: Map<string, string>; declared: Set<string> } {
  const prefixes = new Map<string, string>();
  const declared = new Map<string, Location>();
  for (const node of nodes) {
    const name = node.name.text;
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      errors.push(new ConfigError(`Cannot use prefix name ${JSON.stringify(name)}: expected letters, digits, _ . or -`, node.name.at, { hint: "rename the prefix" }));
      continue;
    }
    const first = declared.get(name);
    if (first !== undefined) {
      errors.push(new ConfigError(`Cannot define prefix "${name}" twice: first defined at ${first.line}:${first.column}`, node.name.at, { hint: "merge the on lines into one prefix block" }));
      continue;
    }
    declared.set(name, node.name.at);
    for (const entry of node.entries) {
      const path = collect(errors, () => v.absolutePath(entry.path, `path of prefix "${name}"`));
      if (path !== undefined && !prefixes.has(name) && compileFnmatch(entry.hostPattern.text)(localName)) prefixes.set(name, path);
    }
  }
  return { prefixes, declared: new Set(declared.keys()) };
}

function toLocalPath(logical: string, prefixes: ReadonlyMap<string, string>, localName: string): string {
  // `s`: a file name may hold a newline, and must still map (an action gets the local path).
  const m = /^%([^%/]+)%(\/.*)?$/s.exec(logical);
  if (m === null) return logical;
  const base = prefixes.get(m[1] as string);
  if (base === undefined) {
    throw new UnknownPrefixError(shownName(logical), m[1] as string, localName);
  }
  const rest = m[2] ?? "";
  return base === "/" ? rest || "/" : base + rest;
}

// The longest prefix directory containing `local` wins, so nested prefixes encode predictably.
function toLogicalPath(local: string, prefixes: ReadonlyMap<string, string>): string {
  let best: [string, string] | undefined;
  for (const [name, dir] of prefixes) {
    const inside = local === dir || local.startsWith(dir === "/" ? "/" : `${dir}/`);
    if (inside && (best === undefined || dir.length > best[1].length)) best = [name, dir];
  }
  if (best === undefined) return local;
  const rest = local.slice(best[1] === "/" ? 0 : best[1].length);
  return `%${best[0]}%${rest === "/" ? "" : rest}`;
}

/** Errors by file (first appearance), then line, then column. */
export function orderErrors(errors: readonly ConfigError[]): ConfigError[] {
  const files: string[] = [];
  for (const e of errors) if (!files.includes(e.location?.file ?? "")) files.push(e.location?.file ?? "");
  const rank = (e: ConfigError): [number, number, number] => [files.indexOf(e.location?.file ?? ""), e.location?.line ?? 0, e.location?.column ?? 0];
  return [...errors].sort((a, b) => {
    const [fa, la, ca] = rank(a);
    const [fb, lb, cb] = rank(b);
    return fa - fb || la - lb || ca - cb;
  });
}

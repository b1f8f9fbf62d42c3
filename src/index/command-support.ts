// What the index commands (check, hint, list-*) share: the config from the global options and
// the index of its state dir. The index module (and SQLite's native addon) loads only when a
// command opens the index: `peersync hint` never does, and it runs once per application write.

import { lstatSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { pickArgumentPath, pickReading, shownArgument, shownReading } from "../core/argument-path.js";
import { noEntryMessage, whyNoEntry } from "../core/no-entry.js";
import { UnknownPrefixError, UsageError } from "../errors.js";
import { loadConfig } from "../config/load.js";
import { decodeName, fsPath } from "../fs/name-codec.js";
import { workingDirectory } from "../fs/working-directory.js";
import { checkGroupSelection } from "../config/select-groups.js";
import type { Config } from "../config/types.js";
import type { GlobalOptions } from "../cli/context.js";
import type { NamedPath } from "./check-run.js";
import type { Db } from "./database.js";
import { requestedTargets } from "./check-targets.js";

/**
 * A path as an operator gives it: on this disk, or as sync, list-pending and the conflict
 * lines print it (`%prefix%/...`, a logical path; no local path starts with "%" once made
 * absolute), either of them also as a line of output shows it (core/argument-path.ts).
 */
export function logicalPathOf(config: ArgumentConfig, given: string, options: ArgumentOptions = {}): string {
  const path = argumentPath(config, given, options);
  return path.startsWith("%") ? path : config.toLogicalPath(path);
}

/** The same path on this disk: what a check walks. */
export function localPathOf(config: ArgumentConfig, given: string, options: ArgumentOptions = {}): string {
  const path = argumentPath(config, given, options);
  if (!path.startsWith("%")) return path;
  try {
    return config.toLocalPath(path);
  } catch (err) {
    // Quoted as the operator typed it, not as the reading taken (a pasted U+FFFD and hex digits
    // would show as the escaped bytes of a literal U+FFFD).
    if (err instanceof UnknownPrefixError) throw new UnknownPrefixError(shownArgument(given), err.prefix, err.host);
    throw err;
  }
}

/**
 * Why a path argument of `verb` (mark, force) names no entry of the index, as the error to
 * throw: core/no-entry.ts decides, this asks the disk. `logical` is the reading taken.
 */
export function noEntryError(config: ArgumentConfig, verb: string, given: string, logical: string, facts: { readonly recursive: boolean; readonly checkedFirst?: boolean }): UsageError {
  const reason = whyNoEntry(config.groups, logical, { recursive: facts.recursive, onDisk: onThisDisk(config, logical) });
  const { why, hint } = noEntryMessage(reason, { checkedFirst: facts.checkedFirst ?? false });
  return new UsageError(`Cannot ${verb} "${shownArgument(given)}": ${why}`, { hint });
}

/** Something is at `path` (logical or local) on this disk. */
function onThisDisk(config: ArgumentConfig, path: string): boolean {
  try {
    return lstatSync(fsPath(config.toLocalPath(path)), { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // an undefined prefix, a directory we may not read: nothing there to name
  }
}

/** localPathOf, with the argument as typed for a problem line about it (index/check-run.ts). */
export function checkPathOf(config: ArgumentConfig, given: string, options: ArgumentOptions = {}): NamedPath {
  return { local: localPathOf(config, given, options), typed: shownReading(given) };
}

export interface ArgumentOptions {
  /**
   * Whether an index of this node holds a logical path, deletions included
   * (index/held-paths.ts): how the shown name of a deleted file is recognised. Asked only for
   * an argument that reads two ways and exists in neither. @default none: such an argument is
   * taken as given
   */
  readonly held?: (logical: string) => boolean;
}

type ArgumentConfig = Pick<Config, "toLocalPath" | "toLogicalPath" | "groups">;

/** True when some argument reads otherwise as a shown name: only then may the index be asked. */
export function readsTwoWays(paths: readonly string[]): boolean {
  return paths.some((p) => shownReading(p) !== p);
}

/**
 * `fn` with ArgumentOptions for a command that does not hold the index open (hint, test): the
 * index is opened, read-only, only when some argument reads two ways, so hint (run once per
 * application write) pays nothing for a plain path and opens no SQLite.
 */
export async function withArgumentIndex<T>(config: Pick<Config, "stateDir" | "groups">, given: readonly string[], fn: (options: ArgumentOptions) => T): Promise<T> {
  if (!readsTwoWays(given)) return fn({});
  const { heldIn } = await import("./held-paths.js");
  const read = await withIndexReadonly<{ value: T } | undefined>(config.stateDir, undefined, (db) => ({ value: fn({ held: heldIn(db, config.groups) }) }));
  return read === undefined ? fn({}) : read.value;
}

/** `%prefix%/...` as it is, or absolute; as given, or as the name a line of output shows so. */
function argumentPath(config: ArgumentConfig, given: string, options: ArgumentOptions): string {
  const placed = (path: string): string => (path.startsWith("%") ? path : absoluteArgument(config, path));
  const asGiven = placed(given);
  const shown = shownReading(given);
  // Almost every argument reads the same: no lstat, which hint (run per write) would pay.
  if (shown === given) return asGiven;
  const held = options.held;
  return pickReading(asGiven, placed(shown), {
    covered: (path) => path.startsWith("%") || coveredLocal(config, path),
    // toLocalPath leaves a local path as it is.
    exists: (path) => onThisDisk(config, path),
    indexed: (path) => held !== undefined && held(path.startsWith("%") ? path : config.toLogicalPath(path)),
  });
}

/** Absolute; through a symlinked directory as csync2 resolves it when only that form is included (core/argument-path.ts). */
function absoluteArgument(config: ArgumentConfig, given: string): string {
  const absolute = resolve(workingDirectory(), given);
  return pickArgumentPath(absolute, realDirectoryPart(absolute), (local) => coveredLocal(config, local));
}

function coveredLocal(config: ArgumentConfig, local: string): boolean {
  const path = config.toLogicalPath(local);
  return config.groups.some((g) => requestedTargets(g, [{ path, recursive: true }]).length > 0);
}

// Through the name's bytes (fs/name-codec.ts), so a directory not named in UTF-8 resolves
// too; and realpathSync.native, as the JS realpathSync turns a Buffer into a (lossy) string.
function realDirectoryPart(absolute: string): string | undefined {
  try {
    return absolute === "/" ? absolute : join(decodeName(realpathSync.native(fsPath(dirname(absolute)), { encoding: "buffer" })), basename(absolute));
  } catch {
    return undefined;
  }
}

export function configFromOptions(options: GlobalOptions): Config {
  const config = loadConfig({
    configFile: options.configFile,
    nodeName: options.nodeName,
    stateDir: options.stateDir,
    port: options.port,
  });
  checkGroupSelection(options.groups, config.groups.map((g) => g.name), config.localName);
  return config;
}

/** Runs `fn` with the index open for writing (created when missing); always closes it. */
export async function withIndex<T>(stateDir: string, fn: (db: Db) => T | Promise<T>): Promise<T> {
  const { asIndexFault, openIndex } = await import("./database.js");
  const db = openIndex(stateDir);
  try {
    return await fn(db);
  } catch (err) {
    throw asIndexFault(stateDir, err);
  } finally {
    db.close();
  }
}

/** Like withIndex, read-only; `empty` when no index is set up yet (listings then print nothing). */
export async function withIndexReadonly<T>(stateDir: string, empty: T, fn: (db: Db) => T | Promise<T>): Promise<T> {
  const { asIndexFault, openIndexIfSetUp } = await import("./database.js");
  const db = openIndexIfSetUp(stateDir);
  if (db === undefined) return empty;
  try {
    return await fn(db);
  } catch (err) {
    throw asIndexFault(stateDir, err);
  } finally {
    db.close();
  }
}

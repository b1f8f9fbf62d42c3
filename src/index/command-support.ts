// What the index commands (check, hint, list-*) share: the config from the global options and
// the index of its state dir. The index module (and SQLite's native addon) loads only when a
// command opens the index: `peersync hint` never does, and it runs once per application write.

import { realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { pickArgumentPath } from "../core/argument-path.js";
import { loadConfig } from "../config/load.js";
import { checkGroupSelection } from "../config/select-groups.js";
import type { Config } from "../config/types.js";
import type { GlobalOptions } from "../cli/context.js";
import type { Db } from "./database.js";
import { requestedTargets } from "./check-targets.js";

/**
 * A path as an operator gives it: on this disk, or as sync, list-pending and the conflict
 * lines print it (`%prefix%/...`, a logical path; no local path starts with "%" once made
 * absolute).
 */
export function logicalPathOf(config: ArgumentConfig, given: string): string {
  return given.startsWith("%") ? given : config.toLogicalPath(absoluteArgument(config, given));
}

/** The same path on this disk: what a check walks. */
export function localPathOf(config: ArgumentConfig, given: string): string {
  return given.startsWith("%") ? config.toLocalPath(given) : absoluteArgument(config, given);
}

type ArgumentConfig = Pick<Config, "toLocalPath" | "toLogicalPath" | "groups">;

/** Absolute; through a symlinked directory as csync2 resolves it when only that form is included (core/argument-path.ts). */
function absoluteArgument(config: ArgumentConfig, given: string): string {
  const absolute = resolve(given);
  const covered = (local: string): boolean => {
    const path = config.toLogicalPath(local);
    return config.groups.some((g) => requestedTargets(g, [{ path, recursive: true }]).length > 0);
  };
  return pickArgumentPath(absolute, realDirectoryPart(absolute), covered);
}

function realDirectoryPart(absolute: string): string | undefined {
  try {
    return absolute === "/" ? absolute : join(realpathSync(dirname(absolute)), basename(absolute));
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

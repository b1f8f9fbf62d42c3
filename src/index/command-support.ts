// What the index commands (check, hint, list-*) share: the config from the global options and
// the index of its state dir.

import { existsSync } from "node:fs";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/types.js";
import type { GlobalOptions } from "../cli/context.js";
import { indexPath, openIndex, type Db } from "./database.js";

export function configFromOptions(options: GlobalOptions): Config {
  return loadConfig({
    configFile: options.configFile,
    nodeName: options.nodeName,
    stateDir: options.stateDir,
    port: options.port,
  });
}

/** Runs `fn` with the index open for writing (created when missing); always closes it. */
export async function withIndex<T>(stateDir: string, fn: (db: Db) => T | Promise<T>): Promise<T> {
  const db = openIndex(stateDir);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

/** Like withIndex, read-only; `empty` when no index exists yet (listings then print nothing). */
export async function withIndexReadonly<T>(stateDir: string, empty: T, fn: (db: Db) => T | Promise<T>): Promise<T> {
  if (!existsSync(indexPath(stateDir))) return empty;
  const db = openIndex(stateDir, { readonly: true });
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

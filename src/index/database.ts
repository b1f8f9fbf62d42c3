// Opens the node's index (better-sqlite3) and brings its schema up to date. Every
// `schema/NN-*.sql` file is idempotent (CREATE ... IF NOT EXISTS, STRICT tables) and runs at
// every start in name order; `migrations/NN-*.sql` run once each, recorded in
// schema_migrations. SQL lives in those files and in prepared statements, never interpolated.

import Database from "better-sqlite3";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { IndexError, messageOf } from "../errors.js";

export type Db = Database.Database;

const SCHEMA_DIR = fileURLToPath(new URL("./schema/", import.meta.url));
const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

export interface OpenIndexOptions {
  /** Open without creating or migrating anything (list commands). @default false */
  readonly readonly?: boolean;
  /** Milliseconds to wait for another writer (csync2's lock-timeout). @default 12_000 */
  readonly busyTimeoutMs?: number;
}

/** The index file inside a state dir. */
export function indexPath(stateDir: string): string {
  return join(stateDir, "index.db");
}

/** Opens (creating when needed) the index in `stateDir` and runs its schema and migrations. */
export function openIndex(stateDir: string, options: OpenIndexOptions = {}): Db {
  const file = indexPath(stateDir);
  let db: Db;
  try {
    if (!options.readonly) mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw new IndexError(`Cannot open index "${file}": ${messageOf(err)}`, {
      cause: err,
      hint: "check that the state dir exists and is writable by this user (--state-dir DIR)",
    });
  }
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 12_000)}`);
  if (!options.readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    applySchema(db);
  }
  return db;
}

function sqlFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith(".sql")).sort();
  } catch {
    return [];
  }
}

function applySchema(db: Db): void {
  const run = db.transaction(() => {
    for (const name of sqlFiles(SCHEMA_DIR)) db.exec(readFileSync(join(SCHEMA_DIR, name), "utf8"));
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT");
    const applied = db.prepare("SELECT 1 FROM schema_migrations WHERE name = ?");
    const record = db.prepare("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)");
    for (const name of sqlFiles(MIGRATIONS_DIR)) {
      if (applied.get(name)) continue;
      db.exec(readFileSync(join(MIGRATIONS_DIR, name), "utf8"));
      record.run(name, Date.now());
    }
  });
  try {
    run.immediate();
  } catch (err) {
    throw new IndexError(`Cannot bring the index schema up to date: ${messageOf(err)}`, {
      cause: err,
      hint: "restore the index from a backup, or move it aside and run `peersync check` to rebuild it",
    });
  }
}

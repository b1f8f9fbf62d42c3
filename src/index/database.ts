// Opens the node's index (better-sqlite3) and brings its schema up to date. Every
// `schema/NN-*.sql` file is idempotent (CREATE ... IF NOT EXISTS, STRICT tables) and runs at
// every start in name order; `migrations/NN-*.sql` run once each, recorded in
// schema_migrations. A hash of all those files in user_version skips the work (and the write
// transaction) when nothing changed since the last open. SQL lives in those files and in
// prepared statements, never interpolated.

import Database from "better-sqlite3";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { IndexError, messageOf } from "../errors.js";
import { storageErrorOf } from "../fs/storage-error.js";
import { recordedFingerprintHash } from "./entry-rows.js";

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
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, ...nativeBinding() });
  } catch (err) {
    throw storageErrorOf(err, "the index", file, stateDir) ?? new IndexError(`Cannot open index "${file}": ${messageOf(err)}`, {
      cause: err,
      hint: "check that the state dir exists and is writable by this user (--state-dir DIR)",
    });
  }
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 12_000)}`);
    // Reads the header: a file that is not an index fails here, named, not at some later query.
    db.pragma("schema_version");
    if (!options.readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      applySchema(db);
    }
  } catch (err) {
    db.close();
    throw asIndexFault(stateDir, err, "open");
  }
  return db;
}

/**
 * The index of `stateDir` opened read-only (listings, status), or undefined when there is none
 * yet: no file, or one left blank by a first open that failed before it wrote the schema (a full
 * disk, a kill). Every listing once called such a file's missing tables "internal error: no such
 * table: meta ... a bug"; the next command that writes the index sets it up as usual.
 */
export function openIndexIfSetUp(stateDir: string, options: Omit<OpenIndexOptions, "readonly"> = {}): Db | undefined {
  if (!existsSync(indexPath(stateDir))) return undefined;
  const db = openIndex(stateDir, { ...options, readonly: true });
  if (db.pragma("schema_version", { simple: true }) !== 0) return db;
  db.close();
  return undefined;
}

/** SQLite's word that the file is not a database, or a damaged one. */
function isDamaged(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" || (err instanceof IndexError && isDamaged(err.cause));
}

/**
 * A failure of `stateDir`'s index, at open or met mid-command, as the operator must read it: a
 * damaged page (the header read at open was fine) is named with the way to rebuild; a write the
 * disk refused (full, read-only, an I/O error: SQLite rolled it back, the index is intact) names
 * the disk and says to run again, never to move the index aside. Instead of an "internal error"
 * that calls either a bug. Anything else is returned as it is.
 */
export function asIndexFault(stateDir: string, err: unknown, verb: "open" | "use" = "use"): unknown {
  const file = indexPath(stateDir);
  const cause = err instanceof IndexError && !isDamaged(err) ? err.cause : err;
  const storage = storageErrorOf(cause, "the index", file, stateDir);
  if (storage) return storage;
  if (err instanceof IndexError) return isDamaged(err) && verb === "open" ? damagedIndex(file, err) : err;
  return isDamaged(err) ? damagedIndex(file, err, verb) : err;
}

function damagedIndex(file: string, err: unknown, verb: "open" | "use" = "open"): IndexError {
  return new IndexError(`Cannot ${verb} index "${file}": it is damaged (${messageOf(err instanceof IndexError ? err.cause : err)})`, {
    cause: err,
    hint: `move it aside (mv ${file} ${file}.damaged) and run \`peersync check\` to rebuild it: files are found again, this node's version history and conflicts start afresh`,
  });
}

let addonPath: string | undefined | null = null;

/**
 * better-sqlite3's addon by its path: without one, better-sqlite3 asks the `bindings` package,
 * which probes a dozen candidate paths and reads a stack trace to find its package (3–12 ms of
 * every index-opening command's start, measured). Every `new Database` passes it: inside the
 * bundle, better-sqlite3's own search (the bindings package) looks relative to the bundle and
 * fails. Undefined (that search) when the addon is in neither build/Release nor build/Debug.
 */
export function nativeBinding(): { nativeBinding?: string } {
  if (addonPath === null) {
    try {
      const main = createRequire(import.meta.url).resolve("better-sqlite3");
      // A debug build (npm rebuild --debug) lands in build/Debug.
      const build = join(dirname(main), "..", "build");
      addonPath = ["Release", "Debug"].map((kind) => join(build, kind, "better_sqlite3.node")).find((candidate) => existsSync(candidate));
    } catch {
      addonPath = undefined;
    }
  }
  return addonPath === undefined ? {} : { nativeBinding: addonPath };
}

function sqlFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith(".sql")).sort();
  } catch {
    return [];
  }
}

/**
 * A 31-bit FNV-1a hash of every schema and migration file (names and text), kept in the
 * database header's user_version. When it matches, the schema is current and opening costs no
 * write transaction: `peersync hint` opens the index once per call and must stay cheap.
 */
function schemaStamp(schema: readonly [string, string][], migrations: readonly [string, string][]): number {
  let h = 0x811c9dc5;
  for (const [name, text] of [...schema, ["--migrations--", ""] as [string, string], ...migrations]) {
    for (const part of [name, text]) {
      for (let i = 0; i < part.length; i++) h = Math.imul(h ^ part.charCodeAt(i), 0x01000193);
      h = Math.imul(h ^ 0, 0x01000193);
    }
  }
  return (h >>> 1) || 1;
}

function readSqlFiles(dir: string): [string, string][] {
  return sqlFiles(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")]);
}

function applySchema(db: Db): void {
  const schema = readSqlFiles(SCHEMA_DIR);
  const migrations = readSqlFiles(MIGRATIONS_DIR);
  const stamp = schemaStamp(schema, migrations);
  if (db.pragma("user_version", { simple: true }) === stamp) return;
  const run = db.transaction(() => {
    for (const [, text] of schema) db.exec(text);
    addFingerprintColumn(db);
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT");
    const applied = db.prepare("SELECT 1 FROM schema_migrations WHERE name = ?");
    const record = db.prepare("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)");
    for (const [name, text] of migrations) {
      if (applied.get(name)) continue;
      db.exec(text);
      record.run(name, Date.now());
    }
    // An integer we computed, not a value from outside: PRAGMA takes no bound parameters.
    db.pragma(`user_version = ${stamp}`);
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

/**
 * entries.fp came after the first indexes were made, inside CREATE TABLE (schema/20-entries.sql),
 * which does not touch a table that exists; and ALTER TABLE has no IF NOT EXISTS, so no .sql
 * migration can add it to old and new indexes alike. Here: add it when missing and fill it from
 * the recorded fingerprint columns, so the first check after the upgrade hashes nothing.
 */
function addFingerprintColumn(db: Db): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('entries')").pluck().all();
  if (columns.includes("fp")) return;
  db.exec("ALTER TABLE entries ADD COLUMN fp INTEGER NOT NULL DEFAULT 0");
  const fingerprint = (mode: bigint, uid: bigint, gid: bigint, size: bigint, mtimeNs: bigint, ctimeNs: bigint, ino: bigint, dev: bigint) =>
    recordedFingerprintHash({
      state: { kind: "dir", mode: Number(mode), uid: Number(uid), gid: Number(gid), userName: undefined, groupName: undefined, mtimeNs, size: Number(size) },
      ctimeNs,
      ino: BigInt.asUintN(64, ino),
      dev: BigInt.asUintN(64, dev),
    });
  db.function("peersync_fingerprint", { deterministic: true, safeIntegers: true }, fingerprint as (...args: unknown[]) => number);
  // Tombstones keep fp 0 (see EntryStore's tombstone statement).
  db.exec("UPDATE entries SET fp = peersync_fingerprint(mode, uid, gid, size, mtime_ns, ctime_ns, ino, dev) WHERE deleted_ns IS NULL");
}

// Repository of the hints table (schema/35-hints.sql). `peersync hint` does not open the index:
// it appends to the spool in the state dir (hint-spool.ts), and ingestSpool() moves the spool
// into this table under the index's writer lock before a check reads it. A check reads the
// hints with their seq and afterwards deletes up to the highest seq it read: a hint recorded
// while the check ran gets a higher seq and survives for the next check.

import { dirname } from "node:path";
import type { Db } from "./database.js";
import { compareUtf8 } from "../fs/name-codec.js";
import { hasSpool, readSpool, removeSpoolFiles, takeSpool, type SpooledHint } from "./hint-spool.js";

export interface Hint {
  /** Local absolute path, as the application gave it. */
  readonly path: string;
  readonly recursive: boolean;
  readonly seq: number;
}

export class HintStore {
  readonly #db: Db;
  readonly #add;
  readonly #list;
  readonly #deleteUpTo;

  constructor(db: Db) {
    this.#db = db;
    // A repeated hint moves to the newest seq, so a check already running cannot consume it.
    this.#add = db.prepare<[string, number]>(
      "INSERT INTO hints (path, recursive, seq) VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM hints)) " +
        "ON CONFLICT (path, recursive) DO UPDATE SET seq = excluded.seq",
    );
    this.#list = db.prepare("SELECT path, recursive, seq FROM hints ORDER BY path, recursive");
    this.#deleteUpTo = db.prepare<[number]>("DELETE FROM hints WHERE seq <= ?");
  }

  /** The state dir the index lives in (where the spool is). */
  get #stateDir(): string {
    return dirname(this.#db.name);
  }

  /** Records paths in one transaction. */
  add(paths: readonly string[], recursive: boolean): void {
    this.#db.transaction(() => {
      for (const path of paths) this.#add.run(path, recursive ? 1 : 0);
    }).immediate();
  }

  /**
   * Moves the spooled hints into the table: one write transaction, committed with a WAL fsync
   * before the spool files go, so a crash at any point leaves every hint in the table, in a
   * spool file, or in both (then it is ingested twice, which changes nothing).
   */
  ingestSpool(): number {
    // The usual case, and a no-change check must not write: no spool, no transaction.
    if (!hasSpool(this.#stateDir)) return 0;
    let taken: readonly string[] = [];
    let count = 0;
    const run = this.#db.transaction(() => {
      const spool = takeSpool(this.#stateDir);
      taken = spool.files;
      count = spool.hints.length;
      for (const h of spool.hints) this.#add.run(h.path, h.recursive ? 1 : 0);
    });
    const sync = this.#db.pragma("synchronous", { simple: true }) as number;
    this.#db.pragma("synchronous = FULL");
    try {
      run.immediate();
    } finally {
      // A number we read back from SQLite, not outside input.
      this.#db.pragma(`synchronous = ${Math.trunc(sync)}`);
    }
    removeSpoolFiles(taken);
    return count;
  }

  /** The table's hints. */
  list(): Hint[] {
    return (this.#list.all() as { path: string; recursive: number; seq: number }[]).map((r) => ({
      path: r.path,
      recursive: r.recursive === 1,
      seq: r.seq,
    }));
  }

  /** The table's hints plus those still in the spool (seq 0); takes nothing. */
  listWithSpool(): Hint[] {
    return withSpooled(this.list(), readSpool(this.#stateDir));
  }

  /** Removes the hints a check covered (seq at most `seq`). */
  deleteUpTo(seq: number): void {
    this.#deleteUpTo.run(seq);
  }
}

/** `table` plus the spooled hints it lacks (seq 0), one per (path, recursive), in index order. */
export function withSpooled(table: readonly Hint[], spooled: readonly SpooledHint[]): Hint[] {
  const hints = [...table];
  const seen = new Set(hints.map(key));
  for (const s of spooled) {
    if (seen.has(key(s))) continue;
    seen.add(key(s));
    hints.push({ ...s, seq: 0 });
  }
  return hints.sort((a, b) => compareUtf8(a.path, b.path) || Number(a.recursive) - Number(b.recursive));
}

function key(h: SpooledHint): string {
  return `${h.recursive ? 1 : 0}${h.path}`;
}

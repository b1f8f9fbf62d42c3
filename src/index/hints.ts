// Repository of the hints table (schema/35-hints.sql). `peersync hint` must be cheap (an
// application calls it after every write), so add() is one prepared upsert per path. A check
// reads the hints with their seq and afterwards deletes up to the highest seq it read: a hint
// recorded while the check ran gets a higher seq and survives for the next check.

import type { Db } from "./database.js";

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

  /** Records paths in one transaction. */
  add(paths: readonly string[], recursive: boolean): void {
    this.#db.transaction(() => {
      for (const path of paths) this.#add.run(path, recursive ? 1 : 0);
    }).immediate();
  }

  list(): Hint[] {
    return (this.#list.all() as { path: string; recursive: number; seq: number }[]).map((r) => ({
      path: r.path,
      recursive: r.recursive === 1,
      seq: r.seq,
    }));
  }

  /** Removes the hints a check covered (seq at most `seq`). */
  deleteUpTo(seq: number): void {
    this.#deleteUpTo.run(seq);
  }
}

// The durable action queue (schema/50-action-queue.sql): actions owed for applied batches,
// kept until they ran so a crash between "batch applied" and "action ran" cannot lose a run.
// src/actions/ decides what to enqueue and when to run; this file only stores.

import type { Db } from "./database.js";

export interface QueuedAction {
  readonly id: number;
  readonly group: string;
  readonly actionId: string;
  /** Logical paths, as enqueued. */
  readonly paths: readonly string[];
  /** Milliseconds since the epoch. */
  readonly enqueuedAt: number;
}

interface QueueRow {
  id: number;
  grp: string;
  action_id: string;
  paths: string;
  enqueued_at: number;
}

export interface ActionQueueOptions {
  /** Clock for enqueued_at. @default Date.now */
  readonly now?: () => number;
}

function toQueued(row: QueueRow): QueuedAction {
  return {
    id: row.id,
    group: row.grp,
    actionId: row.action_id,
    paths: JSON.parse(row.paths) as string[],
    enqueuedAt: row.enqueued_at,
  };
}

/** Prepared statements over action_queue. */
export class ActionQueue {
  readonly #now: () => number;
  readonly #insert;
  readonly #all;
  readonly #byGroup;
  readonly #delete;
  readonly #count;
  readonly #enqueue;
  readonly #markDone;

  constructor(db: Db, options: ActionQueueOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#insert = db.prepare<[string, string, string, number]>(
      "INSERT INTO action_queue (grp, action_id, paths, enqueued_at) VALUES (?, ?, ?, ?)",
    );
    this.#all = db.prepare<[], QueueRow>("SELECT * FROM action_queue ORDER BY id");
    this.#byGroup = db.prepare<[string], QueueRow>("SELECT * FROM action_queue WHERE grp = ? ORDER BY id");
    this.#delete = db.prepare<[number]>("DELETE FROM action_queue WHERE id = ?");
    this.#count = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM action_queue");
    // better-sqlite3 transactions nest as savepoints, so the sync engine can call enqueue()
    // inside the transaction that records the applied batch.
    this.#enqueue = db.transaction((group: string, actionId: string, paths: readonly string[]): number => {
      const info = this.#insert.run(group, actionId, JSON.stringify(paths), this.#now());
      return Number(info.lastInsertRowid);
    });
    this.#markDone = db.transaction((ids: readonly number[]) => {
      for (const id of ids) this.#delete.run(id);
    });
  }

  /** Records that `actionId` of `group` owes a run for `paths`; returns the row id. */
  enqueue(group: string, actionId: string, paths: readonly string[]): number {
    return this.#enqueue(group, actionId, paths);
  }

  /** Rows not yet marked done, oldest first; all groups unless `group` is given. Nothing is removed. */
  pending(group?: string): QueuedAction[] {
    const rows = group === undefined ? this.#all.all() : this.#byGroup.all(group);
    return rows.map(toQueued);
  }

  /** Deletes the rows a finished run covered. Unknown ids are ignored. */
  markDone(ids: readonly number[]): void {
    if (ids.length > 0) this.#markDone(ids);
  }

  /** Rows waiting (for status). */
  count(): number {
    return this.#count.get()?.n ?? 0;
  }
}

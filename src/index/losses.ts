// Versions of this node that lost to a peer's, backed up or, under `backup-generations 0`, not
// kept (migrations/95-losses.sql, 96-losses-not-kept.sql):
// written as each backup is made, read by `peersync status`. Bounded per group: the newest
// KEPT_PER_GROUP rows stay, so a long-lived node's index does not grow with every conflict.

import type { Db } from "./database.js";

/** One lost version, as recorded. */
export interface Loss {
  readonly group: string;
  readonly path: string;
  /** Where the losing version was kept; null: nowhere (backup-generations 0). */
  readonly backup: string | null;
  /** The decision's label, as `sync -v` prints it. */
  readonly reason: string;
  /** Whose version replaced ours. */
  readonly peer: string;
  readonly atMs: number;
}

/** How many losses of one group are kept; the count status shows saturates here. */
export const KEPT_PER_GROUP = 1000;

interface RawLoss {
  grp: string; path: string; backup: string | null; reason: string; peer: string; at_ms: number;
}

export class LossStore {
  readonly #insert;
  readonly #notKept;
  readonly #prune;
  readonly #count;
  readonly #last;
  readonly #byBackup;
  readonly #oldest;
  readonly #keep: number;

  constructor(db: Db, keep = KEPT_PER_GROUP) {
    this.#keep = keep;
    this.#insert = db.prepare<[string, string, string | null, string, string, number]>(
      "INSERT INTO losses (grp, path, backup, reason, peer, at_ms) VALUES (?, ?, ?, ?, ?, ?)",
    );
    // The newest KEPT_PER_GROUP rows' smallest id bounds the group's rows from below.
    this.#prune = db.prepare<[string, string, number]>(
      "DELETE FROM losses WHERE grp = ? AND id < (SELECT min(id) FROM (SELECT id FROM losses WHERE grp = ? ORDER BY id DESC LIMIT ?))",
    );
    this.#count = db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM losses WHERE grp = ?");
    this.#last = db.prepare<[string], RawLoss>("SELECT grp, path, backup, reason, peer, at_ms FROM losses WHERE grp = ? ORDER BY id DESC LIMIT 1");
    this.#notKept = db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM losses WHERE grp = ? AND backup IS NULL");
    this.#byBackup = db.prepare<[string], { backup: string; n: number }>("SELECT backup, count(*) AS n FROM losses WHERE grp = ? AND backup IS NOT NULL GROUP BY backup");
    this.#oldest = db.prepare<[string], { at: number | null }>("SELECT min(at_ms) AS at FROM losses WHERE grp = ?");
  }

  record(loss: Loss): void {
    this.#insert.run(loss.group, loss.path, loss.backup, loss.reason, loss.peer, loss.atMs);
    this.#prune.run(loss.group, loss.group, this.#keep);
  }

  /** Losses kept for `group` (at most the store's bound). */
  count(group: string): number {
    return this.#count.get(group)?.n ?? 0;
  }

  /** Of those, the losses no copy was kept of (backup-generations 0). */
  notKept(group: string): number {
    return this.#notKept.get(group)?.n ?? 0;
  }

  /**
   * The group's losses per backup path (the newest copy's: backup.ts names the older ones
   * after it), so a reader can look for the copies rotation has not dropped yet. Losses with no
   * copy are left out.
   */
  byBackup(group: string): { readonly backup: string; readonly n: number }[] {
    return this.#byBackup.all(group);
  }

  /** When the oldest loss kept for `group` was recorded (the count starts there). */
  oldestMs(group: string): number | undefined {
    return this.#oldest.get(group)?.at ?? undefined;
  }

  /** The group's most recent loss. */
  last(group: string): Loss | undefined {
    const r = this.#last.get(group);
    return r && { group: r.grp, path: r.path, backup: r.backup, reason: r.reason, peer: r.peer, atMs: r.at_ms };
  }
}

// The digests of directories as a check's last full look at them found them (schema:
// migrations/70-dir-digests.sql; what a digest covers: fs/dir-probe.ts). The triggers there and
// in 80-dir-digests-on-insert.sql forget a directory's digest whenever a row in it changes or
// goes, or a live row is added, so a stored digest always describes a directory whose recorded
// entries the check left exactly as it found them.

import type { Db } from "./database.js";

export interface StoredDigest {
  readonly digest: number;
  /** Entries the look that stored it lstat'ed (the check's "scanned" count). */
  readonly scanned: number;
  /** [name, whole] hashes of the children that look saw (core/standing-entries.ts), when known. */
  readonly children?: Float64Array | undefined;
}

export class DirDigestStore {
  readonly #get;
  readonly #children;
  readonly #range;
  readonly #put;
  readonly #clear;

  constructor(db: Db) {
    this.#get = db.prepare<[string, string]>("SELECT digest, scanned FROM dir_digests WHERE grp = ? AND dir = ?").raw(true);
    this.#children = db.prepare<[string, string]>("SELECT children FROM dir_digests WHERE grp = ? AND dir = ?").pluck();
    this.#range = db.prepare<[string, string, string]>("SELECT dir, digest, scanned FROM dir_digests WHERE grp = ? AND dir >= ? AND dir < ?").raw(true);
    this.#put = db.prepare<[string, string, number, number, Buffer | null]>("INSERT OR REPLACE INTO dir_digests (grp, dir, digest, scanned, children) VALUES (?, ?, ?, ?, ?)");
    this.#clear = db.prepare("DELETE FROM dir_digests");
  }

  get(group: string, dir: string): StoredDigest | undefined {
    const row = this.#get.get(group, dirKey(dir)) as [number, number] | undefined;
    return row && { digest: row[0], scanned: row[1] };
  }

  /** Every digest of the group at or below directory `root`, by dirKey(): one query for a whole walk. */
  under(group: string, root: string): Map<string, StoredDigest> {
    const lo = dirKey(root);
    const hi = `${lo.slice(0, -1)}0`; // '0' is '/' + 1: every key below root sorts before it
    const out = new Map<string, StoredDigest>();
    for (const [dir, digest, scanned] of this.#range.all(group, lo, hi) as [string, number, number][]) out.set(dir, { digest, scanned });
    return out;
  }

  /**
   * The children hashes stored with a directory's digest (read only when the digest moved, so a
   * no-change check reads none), or undefined when there are none.
   */
  children(group: string, dir: string): Float64Array | undefined {
    const blob = this.#children.get(group, dirKey(dir)) as Buffer | null | undefined;
    if (!blob || blob.length % 16 !== 0) return undefined;
    // A copy: a Float64Array needs its offset aligned to 8, which a blob's buffer need not be.
    return new Float64Array(new Uint8Array(blob).buffer);
  }

  /** Forgets every digest: the next check looks at every directory whole. */
  forgetAll(): void {
    this.#clear.run();
  }

  put(group: string, dir: string, stored: StoredDigest): void {
    const children = stored.children && stored.children.length > 0 ? Buffer.from(stored.children.buffer, stored.children.byteOffset, stored.children.byteLength) : null;
    this.#put.run(group, dirKey(dir), stored.digest, stored.scanned, children);
  }
}

/** A directory's key: its logical path with a trailing slash, as the triggers derive it from a child's path. */
export function dirKey(dir: string): string {
  return dir.endsWith("/") ? dir : `${dir}/`;
}

// Writes of a check, grouped into transactions of a few hundred entries: each entry's new state
// and its pending rows commit together, so a check killed at any moment leaves every entry
// either as it was (the next check finds the change again) or recorded with all its pending
// rows. Never a version bump without its pending rows, never a pending row twice.

import type { EntryStore, RecordInput } from "./entries.js";
import type { PendingStore } from "./pending.js";
import type { VersionVector } from "../core/vector.js";
import { dirKey, type DirDigestStore, type StoredDigest } from "./dir-digests.js";

/** What a check would write for one entry: its new state, or its tombstone. */
export type DryRecord =
  | { readonly type: "record"; readonly input: RecordInput }
  | { readonly type: "tombstone"; readonly id: number; readonly vector: VersionVector; readonly at: bigint };

/** A row as the check read it: what its new state or tombstone was computed from. */
export interface ReadRow {
  readonly id: number;
  readonly path: string;
  readonly vector: VersionVector;
}

type Op =
  | { readonly type: "record"; readonly input: RecordInput; readonly row: ReadRow | undefined; readonly peers: readonly string[] }
  | { readonly type: "tombstone"; readonly row: ReadRow; readonly vector: VersionVector; readonly at: bigint; readonly peers: readonly string[] }
  | { readonly type: "digest"; readonly group: string; readonly dir: string; readonly stored: StoredDigest };

export interface WriteBatchOptions {
  /** Ops per transaction. @default 1000 */
  readonly size?: number;
  /** Count and discard instead of writing (check -d). @default false */
  readonly dryRun?: boolean;
  /** New pending rows are forced (csync2 -F). @default false */
  readonly forced?: boolean;
  /** Where directory digests go; without it they are dropped. */
  readonly digests?: DirDigestStore;
  /**
   * Called after each transaction with the ids of the entries it recorded for peers (new and
   * changed versions; not tombstones): sync pushes them while the check goes on
   * (sync/early-push.ts).
   */
  readonly onCommit?: (ids: readonly number[]) => void;
  /**
   * In a dry run: each entry's state or tombstone as it would have been written, so a caller
   * can decide on what the disk holds without recording it (a peer answering a sync -d).
   */
  readonly onDryRecord?: (record: DryRecord) => void;
}

export class WriteBatch {
  readonly #entries: EntryStore;
  readonly #pending: PendingStore;
  readonly #size: number;
  readonly #dryRun: boolean;
  readonly #forced: boolean;
  readonly #digests: DirDigestStore | undefined;
  readonly #onCommit: ((ids: readonly number[]) => void) | undefined;
  readonly #onDryRecord: ((record: DryRecord) => void) | undefined;
  #ops: Op[] = [];
  #written = 0;
  /** Directories (dirKey) holding a path another writer recorded first: their digests are not kept. */
  readonly #recordedElsewhere = new Set<string>();

  constructor(entries: EntryStore, pending: PendingStore, options: WriteBatchOptions = {}) {
    this.#entries = entries;
    this.#pending = pending;
    this.#size = options.size ?? 1000;
    this.#dryRun = options.dryRun ?? false;
    this.#forced = options.forced ?? false;
    this.#digests = options.digests;
    this.#onCommit = options.onCommit;
    this.#onDryRecord = options.onDryRecord;
  }

  /** Ops committed so far. */
  get written(): number {
    return this.#written;
  }

  /** Records an entry's state; `row` as read when it was computed, undefined for a new path. */
  record(input: RecordInput, row: ReadRow | undefined, peers: readonly string[]): void {
    this.#push({ type: "record", input, row, peers });
  }

  /** Records a deletion of `row` (as read when `vector` was computed from it). */
  tombstone(row: ReadRow, vector: VersionVector, at: bigint, peers: readonly string[]): void {
    this.#push({ type: "tombstone", row, vector, at, peers });
  }

  /**
   * Keeps the digest of a directory the check looked at whole. Queued behind the records of its
   * entries: their writes forget the old digest (the triggers), then this stores the new one.
   */
  digest(group: string, dir: string, stored: StoredDigest): void {
    if (this.#digests !== undefined) this.#push({ type: "digest", group, dir, stored });
  }

  /** Commits what is queued (one transaction). */
  flush(): void {
    const ops = this.#ops;
    this.#ops = [];
    if (ops.length === 0 || this.#dryRun) return;
    const recorded: number[] = [];
    this.#entries.transaction(() => {
      for (const op of ops) {
        const id = this.#apply(op);
        if (id !== undefined) recorded.push(id);
      }
    });
    this.#written += ops.length;
    if (recorded.length > 0) this.#onCommit?.(recorded);
  }

  #push(op: Op): void {
    if (this.#dryRun && op.type !== "digest") this.#onDryRecord?.(op.type === "record" ? { type: "record", input: op.input } : { type: "tombstone", id: op.row.id, vector: op.vector, at: op.at });
    this.#ops.push(op);
    if (this.#ops.length >= this.#size) this.flush();
  }

  /** Applies one op; the entry's id when it recorded a version for peers. */
  #apply(op: Op): number | undefined {
    if (op.type === "record") {
      const id = op.row === undefined ? this.#insert(op.input) : this.#update(op.row, () => this.#entries.record(op.input, op.row!.id));
      if (id === undefined) return undefined;
      this.#pending.mark(id, op.peers, this.#forced);
      return op.peers.length > 0 ? id : undefined;
    } else if (op.type === "tombstone") {
      const id = this.#update(op.row, () => this.#entries.tombstone(op.row.id, op.vector, op.at));
      if (id !== undefined) this.#pending.mark(id, op.peers, this.#forced);
    } else if (!this.#recordedElsewhere.has(dirKey(op.dir))) {
      // A digest stands for "every entry recorded as this check found it": not so above.
      this.#digests!.put(op.group, op.dir, op.stored);
    }
    return undefined;
  }

  /**
   * A path the walk found without a record may have one by now: a sync's early push takes
   * a peer's version back and re-checks (a kept directory's whole subtree) while this
   * check still walks it, or the daemon records what it received. Inserting anyway failed
   * the whole transaction (UNIQUE constraint failed: entries.grp, entries.path; found by
   * the convergence policy search, seed 8427 under auto first, check batch 2). That record
   * stands: its writer looked at the disk itself, and the next check compares with it.
   */
  #insert(input: RecordInput): number | undefined {
    const id = this.#entries.insertIfAbsent(input);
    if (id === undefined) this.#recordedElsewhere.add(dirKey(parentDir(input.path)));
    return id;
  }

  /**
   * The same for a path that had a record: the new state (or tombstone) was computed from the
   * row as read then, and another writer may have recorded a version since (the daemon applying
   * a peer's version, a take-back). Written anyway, it put back the vector that writer had
   * replaced (a version received, a conflict settled: forgotten) and the state it had replaced
   * on disk, so the index named a version the disk no longer held, and the next exchange was a
   * conflict the peers had already settled. That record stands, as for a new path.
   */
  #update(row: ReadRow, write: () => void): number | undefined {
    if (!this.#entries.holdsVersion(row.id, row.vector)) {
      this.#recordedElsewhere.add(dirKey(parentDir(row.path)));
      return undefined;
    }
    write();
    return row.id;
  }
}

/** The directory holding `path` ("" for a name at the top). */
function parentDir(path: string): string {
  return path.slice(0, path.lastIndexOf("/") + 1);
}

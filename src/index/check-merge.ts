// The heart of a check: merges the ordered walk of one target (fs/scanner.ts) with the ordered
// records of the same range (entry-cursor.ts). A record the walk passes without a matching
// entry is gone from disk (a deletion, if the config still includes it); an entry without a
// record is new; an entry whose fingerprint matches its record is unchanged and costs nothing
// more. Everything else gets a close look (exact lstat, hash) and classifyChange() decides.

import type { Group } from "../config/types.js";
import { classifyChange, type ChangeKind, type IgnoreAttributes } from "../core/dirty.js";
import { fingerprintHash } from "../core/file-state.js";
import type { Problem } from "../core/problem.js";
import { bumpVector, EMPTY_VECTOR, type VersionVector } from "../core/vector.js";
import { ChangedWhileHashingError } from "../fs/hash.js";
import { compareUtf8 } from "../fs/name-codec.js";
import type { ScanItem, ScanSink } from "../fs/scanner.js";
import { observe, type ObserveDeps } from "../fs/stat.js";
import { stateOfRecord, type EntryStore, type FingerprintRow } from "./entries.js";
import type { EntryCursor } from "./entry-cursor.js";
import type { WriteBatch } from "./write-batch.js";

export interface Change {
  readonly group: string;
  readonly path: string;
  readonly kind: Exclude<ChangeKind, "none">;
}

/** What every target of a run shares. */
export interface MergeContext {
  readonly node: string;
  readonly entries: EntryStore;
  readonly batch: WriteBatch;
  readonly deps: ObserveDeps;
  readonly ignore: IgnoreAttributes;
  readonly checksum: boolean;
  readonly now: () => bigint;
  readonly onChange: (change: Change) => void;
  readonly onProblem: (problem: Problem) => void;
  /** Counts entries that got a close look. */
  readonly onExamined: () => void;
}

export class TargetMerge implements ScanSink {
  readonly #ctx: MergeContext;
  readonly #group: Group;
  readonly #peers: readonly string[];
  readonly #cursor: EntryCursor;
  /** bumpVector(EMPTY_VECTOR, node), shared by every new entry (vectors are frozen). */
  #first: VersionVector | undefined;

  constructor(ctx: MergeContext, group: Group, peers: readonly string[], cursor: EntryCursor) {
    this.#ctx = ctx;
    this.#group = group;
    this.#peers = peers;
    this.#cursor = cursor;
  }

  readonly item = (item: ScanItem): void | Promise<void> => {
    if (item.type === "keep-below") return this.#keepBelow(item.path);
    this.#drainBefore(item.path);
    const row = this.#cursor.peek();
    const recorded = row !== undefined && row.path === item.path ? row : undefined;
    if (recorded) this.#cursor.next();
    this.#cursor.setFloor(item.path);
    if (item.type !== "entry") return;
    // The common case of a no-change check, kept synchronous: no promise per unchanged entry.
    if (recorded && !recorded.deleted && !this.#ctx.checksum && recorded.fp === fingerprintHash(item.stat)) return;
    return this.#examine(item, recorded);
  };

  readonly problem = (problem: Problem): void => this.#ctx.onProblem(problem);

  /** After the walk: every record left in the range is gone from disk. */
  finish(): void {
    for (let row = this.#cursor.peek(); row !== undefined; row = this.#cursor.peek()) {
      this.#vanished(row);
      this.#cursor.next();
    }
  }

  #drainBefore(key: string): void {
    for (let row = this.#cursor.peek(); row !== undefined && compareUtf8(row.path, key) < 0; row = this.#cursor.peek()) {
      this.#vanished(row);
      this.#cursor.next();
    }
  }

  #keepBelow(path: string): void {
    const prefix = path === "/" ? "/" : `${path}/`;
    this.#drainBefore(prefix);
    for (let row = this.#cursor.peek(); row !== undefined && row.path.startsWith(prefix); row = this.#cursor.peek()) {
      this.#cursor.next();
    }
  }

  async #examine(item: Extract<ScanItem, { type: "entry" }>, row: FingerprintRow | undefined): Promise<void> {
    this.#ctx.onExamined();
    let observed;
    try {
      observed = await observe(item.fsPath, item.stat, this.#ctx.deps);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const severity = err instanceof ChangedWhileHashingError ? "skipped" : "error";
      this.#ctx.onProblem({ path: item.path, op: "read", severity, message: `Cannot read: ${e.message}`, code: e.code });
      return;
    }
    // Gone between the walk's lstat and now: the next check records the deletion.
    if (observed === undefined) return;
    const record = row ? this.#ctx.entries.getById(row.id) : undefined;
    const kind = classifyChange(record && stateOfRecord(record), observed.state, this.#ctx.ignore);
    const base = record?.vector ?? EMPTY_VECTOR;
    if (kind === "none") {
      // Only the fingerprint (or an attribute that is not synced) moved: refresh, no new version.
      this.#ctx.batch.record({ group: this.#group.name, path: item.path, ...observed, vector: base }, row?.id, []);
      return;
    }
    const vector = this.#bump(base);
    this.#ctx.batch.record({ group: this.#group.name, path: item.path, ...observed, vector }, row?.id, this.#peers);
    this.#ctx.onChange({ group: this.#group.name, path: item.path, kind });
  }

  #bump(base: VersionVector): VersionVector {
    if (base !== EMPTY_VECTOR) return bumpVector(base, this.#ctx.node);
    this.#first ??= bumpVector(EMPTY_VECTOR, this.#ctx.node);
    return this.#first;
  }

  #vanished(row: FingerprintRow): void {
    if (row.deleted) return;
    // A record the config no longer includes is not a deletion (DESIGN §1 drift: deleting a
    // file that an exclude now covers deletes nothing on peers).
    if (this.#group.match(row.path) !== "match") return;
    const record = this.#ctx.entries.getById(row.id);
    const vector = this.#bump(record?.vector ?? EMPTY_VECTOR);
    this.#ctx.batch.tombstone(row.id, vector, this.#ctx.now(), this.#peers);
    this.#ctx.onChange({ group: this.#group.name, path: row.path, kind: "deleted" });
  }
}

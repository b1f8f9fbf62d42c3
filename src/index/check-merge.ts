// The heart of a check: merges the ordered walk of one target (fs/scanner.ts) with the ordered
// records of the same range (entry-cursor.ts). A record the walk passes without a matching
// entry is gone from disk (a deletion, if the config still includes it); an entry without a
// record is new; an entry whose fingerprint matches its record is unchanged and costs nothing
// more. Everything else gets a close look (exact lstat, hash) and classifyChange() decides.
//
// The close look at files is queued (fs/read-queue.ts): files are read in batches on the thread
// pool while the walk goes on, and what follows (hash, record, report) runs in path order, as do
// deletions and problems, queued behind them. item() returns a promise only when the queue is
// full; finish() waits for it. EntryCursor's floor still holds: a row the check inserts is
// written after item() set the floor at or past its path, so it is at or before the floor when
// written, and the cursor drops it from any later page.

import type { Group } from "../config/types.js";
import { classifyChange, type ChangeKind, type IgnoreAttributes } from "../core/dirty.js";
import { fingerprintHash, kindOfMode } from "../core/file-state.js";
import type { Problem } from "../core/problem.js";
import { bumpVector, EMPTY_VECTOR, type VersionVector } from "../core/vector.js";
import { PeersyncError } from "../errors.js";
import { ChangedWhileHashingError } from "../fs/hash.js";
import type { ScanItem, ScanSink } from "../fs/scanner.js";
import { fileReader, READ_LIMIT, type FileRead } from "../fs/read-batch.js";
import { ReadQueue } from "../fs/read-queue.js";
import { observe, observeRead, type Observation, type ObserveDeps } from "../fs/stat.js";
import { dirKey, type DirDigestStore, type StoredDigest } from "./dir-digests.js";
import { stateOfRecord, subtreeBounds, type EntryStore, type FingerprintRow } from "./entries.js";
import type { EntryCursor } from "./entry-cursor.js";
import type { WriteBatch } from "./write-batch.js";

/** Changes whose new version a peer gets with its bytes (meta and mtime travel without them). */
const CARRIES_CONTENT: ReadonlySet<ChangeKind> = new Set(["new", "content", "type"]);

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
  /** The bytes read of a small file whose new version was recorded for peers (CheckOptions.onContent). */
  readonly onContent?: ((group: string, path: string, hash: string, content: Buffer) => void) | undefined;
  /**
   * An entry of `group` gets a close look: it differs from its record, or has none. `suspect`:
   * it may be a change, to say before the look (false for a recorded directory: its look is an
   * lstat's worth, and a write into it moves its times without changing it; a real change
   * still comes through onChange).
   */
  readonly onExamined: (group: string, suspect: boolean) => void;
  /**
   * A file of more than READ_LIMIT bytes that has a record differs from it, before it is
   * hashed (CheckOptions.onLargeSuspect). Only for groups with peers; not in a dry run.
   */
  readonly onLargeSuspect?: ((group: string, path: string, size: number) => void) | undefined;
  /** Where directory digests are read (undefined: every directory gets a full look). */
  readonly digests?: DirDigestStore | undefined;
}

export class TargetMerge implements ScanSink {
  readonly #ctx: MergeContext;
  readonly #group: Group;
  readonly #peers: readonly string[];
  readonly #cursor: EntryCursor;
  readonly #queue = new ReadQueue(fileReader());
  /** bumpVector(EMPTY_VECTOR, node), shared by every new entry (vectors are frozen). */
  #first: VersionVector | undefined;
  /** Directories (dirKey) where something went wrong in this run: their digests are not kept. */
  readonly #troubled = new Set<string>();
  /** The stored digests below this target, read at the first directory the walk asks about. */
  #digests: Map<string, StoredDigest> | undefined;

  constructor(ctx: MergeContext, group: Group, peers: readonly string[], cursor: EntryCursor) {
    this.#ctx = ctx;
    this.#group = group;
    this.#peers = peers;
    this.#cursor = cursor;
  }

  readonly item = (item: ScanItem): void | Promise<void> => {
    if (item.type === "keep-below") return this.#keepBelow(item.path);
    if (item.type === "unchanged") return this.#unchanged(item.path, item.after, item.until);
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

  readonly problem = (problem: Problem): void => {
    // The walk's problems keep their place among the queued close looks' problems.
    void this.#queue.run(() => this.#onProblem(problem));
  };

  readonly unchangedDir = (dir: string, digest: number): number | undefined => {
    if (this.#ctx.checksum || this.#ctx.digests === undefined) return undefined;
    this.#digests ??= this.#ctx.digests.under(this.#group.name, this.#cursor.path);
    const stored = this.#digests.get(dirKey(dir));
    return stored?.digest === digest ? stored.scanned : undefined;
  };

  readonly childrenOf = (dir: string): Float64Array | undefined => {
    if (this.#ctx.checksum || this.#ctx.digests === undefined) return undefined;
    // Asked after unchangedDir(dir) missed: no stored digest there (a new directory, a first
    // check) means no children either, without a query.
    if (this.#digests !== undefined && !this.#digests.has(dirKey(dir))) return undefined;
    return this.#ctx.digests.children(this.#group.name, dir);
  };

  readonly dirListed = (dir: string, digest: number, scanned: number, children: Float64Array): void => {
    // Behind the close looks at its entries: kept only if none of them went wrong.
    void this.#queue.run(() => {
      if (!this.#troubled.has(dirKey(dir))) this.#ctx.batch.digest(this.#group.name, dir, { digest, scanned, children });
    });
  };

  /** After the walk: every close look has run, and every record left in the range is gone from disk. */
  async finish(): Promise<void> {
    await this.#queue.drain();
    for (let row = this.#cursor.peek(); row !== undefined; row = this.#cursor.peek()) {
      this.#vanished(row);
      this.#cursor.next();
    }
  }

  /** The walk failed: nothing queued is recorded. */
  abandon(): void {
    this.#queue.abandon();
  }

  #drainBefore(key: string): void {
    for (let row = this.#cursor.peekBelow(key); row !== undefined; row = this.#cursor.peekBelow(key)) {
      const gone = row;
      void this.#queue.run(() => this.#vanished(gone));
      this.#cursor.next();
    }
  }

  /** Rows of an unchanged directory, up to `until` or its end, stand as recorded: passed unread. */
  #unchanged(dir: string, after: string | undefined, until: string | undefined): void {
    const { lo, hi } = subtreeBounds(dir);
    // First what the walk has passed: rows before the directory's range ("d.old" sorts between
    // "d" and "d/"), or what the subdirectory walked last still has recorded after its last
    // entry. The walk's next item would drain them; a skip must not pass over them.
    this.#drainBefore(after === undefined ? lo : subtreeBounds(after).hi);
    this.#cursor.skipTo(until ?? hi);
  }

  #keepBelow(path: string): void {
    const prefix = path === "/" ? "/" : `${path}/`;
    this.#drainBefore(prefix);
    for (let row = this.#cursor.peek(); row !== undefined && row.path.startsWith(prefix); row = this.#cursor.peek()) {
      this.#cursor.next();
    }
  }

  #examine(item: Extract<ScanItem, { type: "entry" }>, row: FingerprintRow | undefined): void | Promise<void> {
    const { fsPath, stat } = item;
    // A file received into a directory (or made and removed there) moves the directory's times,
    // so after every sync that brought something, each such directory differs from its record.
    // Taken for a change, that opened sessions to every peer in the next sync with nothing to
    // send. Its mode and owner are what matter, and the close look says at once.
    this.#ctx.onExamined(this.#group.name, !(row !== undefined && kindOfMode(stat.mode) === "dir"));
    const deps = this.#ctx.deps;
    // Directories, symlinks and big files are looked at in turn, on this thread, as before.
    if (row !== undefined && stat.size > READ_LIMIT && kindOfMode(stat.mode) === "file" && this.#peers.length > 0) {
      this.#ctx.onLargeSuspect?.(this.#group.name, item.path, Number(stat.size));
    }
    if (kindOfMode(stat.mode) !== "file" || stat.size > READ_LIMIT) {
      return this.#queue.run(() => this.#observed(item, row, () => observe(fsPath, stat, deps)));
    }
    const task = (read: FileRead) => this.#observed(item, row, () => observeRead(read, fsPath, stat, deps), read.type === "read" ? read.content : undefined);
    return this.#queue.read({ fsPath, ino: stat.ino }, stat.size, task);
  }

  /** Records what `look` observed (or reports why it could not look). */
  #observed(
    item: Extract<ScanItem, { type: "entry" }>, row: FingerprintRow | undefined, look: () => Observation | undefined | Promise<Observation | undefined>, content?: Buffer,
  ): void | Promise<void> {
    let observed;
    try {
      observed = look();
    } catch (err) {
      return this.#cannotRead(item.path, err);
    }
    if (observed instanceof Promise) return observed.then((o) => this.#record(item.path, row, o), (err) => this.#cannotRead(item.path, err));
    this.#record(item.path, row, observed, content);
  }

  #cannotRead(path: string, err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    const severity = err instanceof ChangedWhileHashingError ? "skipped" : "error";
    // A typed error says what it could not do itself, and how to fix it.
    const message = err instanceof PeersyncError ? `${err.message}${err.hint ? ` (${err.hint})` : ""}` : `Cannot read: ${e.message}`;
    this.#onProblem({ path, op: "read", severity, message, code: e.code });
  }

  #onProblem(problem: Problem): void {
    this.#trouble(problem.path);
    this.#ctx.onProblem(problem);
  }

  /** Something at `path` was not recorded as the walk saw it: its directory's digest is not kept. */
  #trouble(path: string): void {
    this.#troubled.add(path.slice(0, path.lastIndexOf("/") + 1));
  }

  /** `content`: the bytes `observed` hashed, when a batch read them. */
  #record(path: string, row: FingerprintRow | undefined, observed: Observation | undefined, content?: Buffer): void {
    // Gone between the walk's lstat and now: the next check records the deletion.
    if (observed === undefined) return this.#trouble(path);
    const record = row ? this.#ctx.entries.getById(row.id) : undefined;
    const kind = classifyChange(record && stateOfRecord(record), observed.state, this.#ctx.ignore);
    const base = record?.vector ?? EMPTY_VECTOR;
    // The row as read here: the batch commits later, and only if no other writer recorded it since.
    const read = row && { id: row.id, path: row.path, vector: base };
    if (kind === "none") {
      // Only the fingerprint (or an attribute that is not synced) moved: refresh, no new version.
      this.#ctx.batch.record({ group: this.#group.name, path, ...observed, vector: base }, read, []);
      return;
    }
    const vector = this.#bump(base);
    this.#ctx.batch.record({ group: this.#group.name, path, ...observed, vector }, read, this.#peers);
    if (content && observed.state.kind === "file" && this.#peers.length > 0 && CARRIES_CONTENT.has(kind)) this.#ctx.onContent?.(this.#group.name, path, observed.state.hash, content);
    this.#ctx.onChange({ group: this.#group.name, path, kind });
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
    const base = record?.vector ?? EMPTY_VECTOR;
    this.#ctx.batch.tombstone({ id: row.id, path: row.path, vector: base }, this.#bump(base), this.#ctx.now(), this.#peers);
    this.#ctx.onChange({ group: this.#group.name, path: row.path, kind: "deleted" });
  }
}

// Streams the recorded fingerprints of one check target in path (byte) order, a page at a time,
// on the connection the check also writes with. Pages are read lazily, so rows the check itself
// inserted can show up in a later page; setFloor() tells the cursor which paths the walk has
// already handled, and rows at or before that point are dropped from later pages: every row
// that was there when the walk reached a path has been consumed by then (the merge drains in
// order), so such a row can only be one the check itself inserted.

import { compareUtf8 } from "../fs/name-codec.js";
import { subtreeBounds, type EntryStore, type FingerprintRow } from "./entries.js";

// Pages grow from PAGE_MIN to PAGE rows while the walk reads on, and start small again after a
// skip (skipTo): a directory the walk skips is usually followed by another, so the rows read
// ahead of it would mostly be skipped too.
const PAGE = 1024;
const PAGE_MIN = 16;

export class EntryCursor {
  readonly #store: EntryStore;
  readonly #group: string;
  /** The target's logical path. */
  readonly path: string;
  readonly #hi: string;
  #after: string;
  /** The next page starts at #after itself (after a skip), not past it. */
  #fromAfter = false;
  #size = PAGE_MIN;
  #page: FingerprintRow[];
  #i = 0;
  #more: boolean;
  #floor: string | undefined;

  constructor(store: EntryStore, group: string, path: string, recursive: boolean) {
    this.#store = store;
    this.#group = group;
    this.path = path;
    const { lo, hi } = subtreeBounds(path);
    this.#after = lo;
    this.#hi = hi;
    const self = store.fingerprintOf(group, path);
    this.#page = self ? [self] : [];
    this.#more = recursive;
  }

  /** The next row not yet consumed, or undefined at the end of the target. */
  peek(): FingerprintRow | undefined {
    for (;;) {
      if (this.#i >= this.#page.length && !this.#fetch()) return undefined;
      return this.#page[this.#i]!;
    }
  }

  /**
   * The next row when its path sorts before `bound`, else undefined, without reading a page that
   * could only start at or after `bound` (after a skip, the rows there are not needed yet).
   */
  peekBelow(bound: string): FingerprintRow | undefined {
    if (this.#i >= this.#page.length && compareUtf8(this.#after, bound) >= 0) return undefined;
    const row = this.peek();
    return row !== undefined && compareUtf8(row.path, bound) < 0 ? row : undefined;
  }

  next(): void {
    this.#i++;
  }

  /**
   * Consumes every row before `bound` without reading it from the index when it is not read yet:
   * the walk vouches for them (a directory whose digest matched, see fs/dir-probe.ts).
   */
  skipTo(bound: string): void {
    const page = this.#page;
    while (this.#i < page.length && compareUtf8(page[this.#i]!.path, bound) < 0) this.#i++;
    if (this.#i < page.length || !this.#more) return;
    if (compareUtf8(bound, this.#after) > 0) {
      this.#after = bound;
      this.#fromAfter = true;
    }
    this.#size = PAGE_MIN;
  }

  /** The walk has handled every path up to and including `path`. */
  setFloor(path: string): void {
    this.#floor = path;
  }

  #fetch(): boolean {
    if (!this.#more) return false;
    const size = this.#size;
    const page = this.#store.scanPage(this.#group, this.#after, this.#hi, size, this.#fromAfter);
    this.#size = Math.min(size * 2, PAGE);
    if (page.length < size) this.#more = false;
    const last = page[page.length - 1];
    if (last === undefined) return false;
    this.#after = last.path;
    this.#fromAfter = false;
    // Rows the check inserted are always at or before the floor when they are written, so
    // filtering once per page is enough.
    // The page is sorted, so such rows can only be a prefix of it (usually empty).
    const floor = this.#floor;
    let skip = 0;
    while (floor !== undefined && skip < page.length && compareUtf8(page[skip]!.path, floor) <= 0) skip++;
    this.#page = page;
    this.#i = skip;
    return skip < page.length || this.#fetch();
  }
}

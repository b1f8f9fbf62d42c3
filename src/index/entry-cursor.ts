// Streams the recorded fingerprints of one check target in path (byte) order, a page at a time,
// on the connection the check also writes with. Pages are read lazily, so rows the check itself
// inserted can show up in a later page; setFloor() tells the cursor which paths the walk has
// already handled, and rows at or before that point are dropped from later pages: every row
// that was there when the walk reached a path has been consumed by then (the merge drains in
// order), so such a row can only be one the check itself inserted.

import { compareUtf8 } from "../fs/name-codec.js";
import { subtreeBounds, type EntryStore, type FingerprintRow } from "./entries.js";

const PAGE = 1024;

export class EntryCursor {
  readonly #store: EntryStore;
  readonly #group: string;
  readonly #hi: string;
  #after: string;
  #page: FingerprintRow[];
  #i = 0;
  #more: boolean;
  #floor: string | undefined;

  constructor(store: EntryStore, group: string, path: string, recursive: boolean) {
    this.#store = store;
    this.#group = group;
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

  next(): void {
    this.#i++;
  }

  /** The walk has handled every path up to and including `path`. */
  setFloor(path: string): void {
    this.#floor = path;
  }

  #fetch(): boolean {
    if (!this.#more) return false;
    const page = this.#store.scanPage(this.#group, this.#after, this.#hi, PAGE);
    if (page.length < PAGE) this.#more = false;
    const last = page[page.length - 1];
    if (last === undefined) return false;
    this.#after = last.path;
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

// The index's entries for the paths of one offer, read 64 at a time instead of one query per
// path (one get per offered path was ~4 % of a receiving daemon's main thread in bench/sync
// (a)). An offer's answers may write the index as they go (a directory made, a deletion
// recorded, a parent revived): a window read before such a write is stale. So a window is used
// only while this connection's change stamp (SyncIndex.changeStamp) is the one it was read at,
// and a new one is read only after an item that changed nothing; after a change, the next path
// is read alone, as it always was.
// A commit by another process (a `peersync check` from cron) is not seen within a window. The
// receiver (receive.ts offer) therefore lets a window's entry decide only an answer "send",
// which changes nothing here (the put that follows decides again on a fresh read), and makes
// every other decision again on the entry read at that moment.

import type { LocalEntry, SyncIndex } from "./sync-index.js";

const WINDOW = 64;

export class OfferLocals {
  readonly #index: SyncIndex;
  readonly #group: string;
  readonly #paths: readonly string[];
  #window: Map<string, LocalEntry> | undefined;
  #windowStamp: number | undefined;
  #end = 0;
  #lastStamp: number | undefined;

  constructor(index: SyncIndex, group: string, paths: readonly string[]) {
    this.#index = index;
    this.#group = group;
    this.#paths = paths;
  }

  /** The entry of the offer's `i`th path as the index holds it now. */
  get(i: number): LocalEntry | undefined {
    const path = this.#paths[i]!;
    const stamp = this.#index.changeStamp();
    const quiet = this.#lastStamp === undefined || stamp === this.#lastStamp;
    this.#lastStamp = stamp;
    if (this.#window !== undefined && stamp === this.#windowStamp && i < this.#end) return this.#window.get(path);
    this.#window = undefined;
    if (!quiet) return this.#index.get(this.#group, path);
    this.#end = Math.min(i + WINDOW, this.#paths.length);
    this.#window = this.#index.localsByPath(this.#group, this.#paths.slice(i, this.#end));
    this.#windowStamp = stamp;
    return this.#window.get(path);
  }
}

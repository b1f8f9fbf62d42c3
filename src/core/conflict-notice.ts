// How loudly to tell an `auto none` conflict. An unresolved conflict is a standing state, not
// an event: continuous mode pushes the pending entry again and again (2 s doubling to 5 min),
// and each retry met the same conflict and warned anew on both nodes. It is told once (warn)
// for a pair of versions, then at debug while that pair stands; a new version on either side,
// or a conflict that was settled and came back, is news again. `status`, `list-pending` and
// `-T` list it from the index all along.

import { entryToWire, type EntryState } from "./entry.js";

export type NoticeLevel = "warn" | "debug";

/** Where a conflict stands: one path of one group, with one peer. */
export function conflictKey(group: string, path: string, peer: string): string {
  return JSON.stringify([group, path, peer]);
}

/** The two versions in conflict (undefined: none recorded here), as one comparable string. */
export function versionPair(local: EntryState | undefined, remote: EntryState): string {
  return JSON.stringify([local === undefined ? null : entryToWire(local), entryToWire(remote)]);
}

/**
 * The conflicts already told, by place, with the pair of versions told. Bounded: past `limit`
 * places the oldest told is forgotten (it would only be told once more).
 */
export class ConflictNotices {
  readonly #told = new Map<string, string>();
  readonly #limit: number;
  readonly #summarized: boolean;

  /**
   * @param limit Places remembered. @default 10_000
   * @param summarized A one-shot run (sync, update), whose summary names every conflict it met
   *   on its own line: its log tells them at debug, or each was said twice. @default false
   */
  constructor(limit = 10_000, summarized = false) {
    this.#limit = limit;
    this.#summarized = summarized;
  }

  /**
   * The level to tell the conflict at `key` over `pair` with. `recorded`: the index already held
   * this conflict before it was met now (false: first met, or settled since it was told).
   */
  notice(key: string, pair: string, recorded: boolean): NoticeLevel {
    const level: NoticeLevel = this.#summarized || (recorded && this.#told.get(key) === pair) ? "debug" : "warn";
    this.#told.delete(key); // re-inserted last: the oldest told goes first
    this.#told.set(key, pair);
    if (this.#told.size > this.#limit) this.#told.delete(this.#told.keys().next().value!);
    return level;
  }
}

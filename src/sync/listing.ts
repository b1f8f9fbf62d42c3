// What `peersync test` (csync2 -T) compares: one group's indexed entries, tombstones included,
// at or below a logical path, for paths the group includes. Used on both sides: the daemon's
// `list` answer (handler.ts) and this node's own listing (test-command.ts). Reads only.

import type { Group } from "../config/types.js";
import { entryToWire } from "../core/entry.js";
import { isWithin, type LogicalPath } from "../core/path.js";
import { MAX_LIST_ENTRIES, type ListItem, type ListReply } from "../net/messages.js";
import type { SyncIndex } from "./sync-index.js";

export function listGroup(index: SyncIndex, group: Group, under?: string): ListItem[] {
  const records = [];
  for (const r of index.entries.all()) {
    if (r.group !== group.name) continue;
    const path = r.path as LogicalPath;
    if (under !== undefined && !isWithin(path, under as LogicalPath)) continue;
    if (group.match(path) !== "match") continue;
    records.push(r);
  }
  return records.map((r) => ({ path: r.path as LogicalPath, entry: index.fromRecord(r).entry }));
}

/** Splits a listing into list-reply messages: at most MAX_LIST_ENTRIES entries and ~`maxBytes` of JSON each. */
export function* listReplies(items: readonly ListItem[], maxBytes = 64 * 1024): Iterable<ListReply> {
  let batch: ListItem[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = JSON.stringify(entryToWire(item.entry)).length + item.path.length * 2 + 32;
    if (batch.length > 0 && (batch.length >= MAX_LIST_ENTRIES || bytes + size > maxBytes)) {
      yield { type: "list-reply", entries: batch };
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) yield { type: "list-reply", entries: batch };
}

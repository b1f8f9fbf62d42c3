// How a root is subscribed, apart from what the watcher makes of its events: a directory
// recursively through @parcel/watcher (inotify), a single file through fs.watch of its parent.
// Both answer to SubscribeFn, the seam through which tests pass a fake watcher.

import { watch as fsWatch } from "node:fs";
import { basename, dirname } from "node:path";
import * as parcel from "@parcel/watcher";
import type { PathEventType } from "../core/debounce-window.js";

export type RawEvent = { readonly path: string; readonly type: PathEventType };
export type RawCallback = (err: Error | null, events: readonly RawEvent[]) => unknown;
/** @parcel/watcher's subscribe, or a fake. */
export type SubscribeFn = (dir: string, fn: RawCallback) => Promise<{ unsubscribe(): Promise<void> }>;

export const parcelSubscribe: SubscribeFn = (dir, fn) => parcel.subscribe(dir, (err, events) => fn(err, events));

/** A root that is one file: its parent directory, not recursively, filtered to that name. */
export const watchOneFile: SubscribeFn = async (file, fn) => {
  const name = basename(file);
  const w = fsWatch(dirname(file), { persistent: false }, (_type, filename) => {
    if (filename === null || filename === name) fn(null, [{ path: file, type: "update" }]);
  });
  w.on("error", (err) => fn(err, []));
  return { unsubscribe: async () => w.close() };
};

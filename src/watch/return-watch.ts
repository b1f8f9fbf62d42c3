// The wait for a watched root that does not exist: fs.watch (not recursive) of its nearest
// existing ancestor, until the next name on the way to the root appears. Apart from
// watcher.ts, which subscribes roots that exist: this watches another directory, with another
// API, only while its root is missing, and tells only that the way to it moved on; what that
// means (a "returned" trouble, a full check that subscribes the root) is watcher.ts's to say.

import { watch as fsWatch, lstatSync, type FSWatcher } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Logger } from "pino";
import { messageOf } from "../errors.js";

/** The root waited for. */
export interface MissingRoot {
  readonly local: string;
  /** As a logical path, for the log. */
  readonly root: string;
}

/**
 * A root that does not exist (removed, not mounted yet, restored from a backup) is waited for
 * through its nearest existing ancestor, not only by the full check that comes every
 * FALLBACK_INTERVAL_MS (5 min) while a root is not watched: `rm -rf /srv/www; mkdir /srv/www;
 * tar x` left the restored tree unsynced for those minutes. When the next name on the way to
 * the root appears, the root is reported "returned" (lost: the loop runs a full check, which
 * subscribes first); a root deeper than that name is waited for again from there.
 */
export class ReturnWatch {
  #watcher: FSWatcher | undefined;

  /** Waits for `root`, unless already waiting; `onReturn` once the next name on the way appears (the wait is over then). */
  start(root: MissingRoot, options: { readonly logger: Logger | undefined; readonly onReturn: () => void }): void {
    if (this.#watcher !== undefined) return;
    const way = existingAncestor(root.local);
    if (way === undefined) return;
    try {
      this.#watcher = fsWatch(way.dir, { persistent: false }, (_type, filename) => {
        if (filename !== null && filename !== way.next) return;
        if (lstatSync(join(way.dir, way.next), { throwIfNoEntry: false }) === undefined) return;
        this.stop();
        options.onReturn();
      });
      this.#watcher.on("error", () => this.stop());
    } catch (err) {
      // An inotify limit here too: the periodic full check still comes.
      options.logger?.debug({ root: root.root, dir: way.dir, err: messageOf(err) }, "cannot wait for the root's return");
    }
  }

  stop(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}

/** The nearest directory above `path` that exists, and the name below it on the way to `path`. */
function existingAncestor(path: string): { dir: string; next: string } | undefined {
  for (let next = path, dir = dirname(path); dir !== next; next = dir, dir = dirname(dir)) {
    try {
      if (lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return { dir, next: basename(next) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

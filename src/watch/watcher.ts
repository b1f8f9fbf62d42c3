// Watches the include roots of the groups with `watch yes` (continuous mode, DESIGN §8) and
// turns what the kernel reports into WatchEvents on logical paths. A directory root is watched
// recursively with @parcel/watcher (inotify); a root that is a single file through its parent
// directory, non-recursively, with fs.watch (subscribe.ts). Nothing here throws at the caller: a
// root that cannot be watched (missing, inotify limits: inotify-limits.ts, a watcher error) is
// reported to onTrouble and left to the periodic full checks, and retry() tries again after
// each of them.
//
// NOTE: @parcel/watcher 2.6's inotify backend drops IN_Q_OVERFLOW silently, and a directory
// created later whose inotify_add_watch fails (ENOSPC) is silently not watched. Neither can be
// seen from here; the jittered full check every rescan-interval is the safety net for both.
//
// NOTE: parcel also misses a directory made inside a directory it has not started watching yet
// (`mkdir -p www/img`: it watches www once it hears of it, but not www/img, made a moment
// before; half the time here, found by test/faults/churn, whose daemons then never pushed a
// change made in www/img). A directory that appears already holding directories is therefore
// a sign: the root's subscription is dropped and reported lost (kind "rewatch"), so the loop runs
// a full check, which subscribes it again first (a fresh crawl) and then walks. Directories
// appearing within REWATCH_DELAY_MS of each other share one.

import { lstatSync, readdirSync } from "node:fs";
import { basename } from "node:path";
import type { Logger } from "pino";
import type { Config, Group } from "../config/types.js";
import { eventTarget } from "../core/lossy-event.js";
import { rootChange, type DirIdentity } from "../core/root-halt.js";
import { messageOf } from "../errors.js";
import { isTempName } from "../fs/temp-names.js";
import type { WatchEvent } from "./event-buffer.js";
import { isLimitError, limitHint, readWatchLimit } from "./inotify-limits.js";
import { ReturnWatch } from "./return-watch.js";
import { parcelSubscribe, watchOneFile, type RawEvent, type SubscribeFn } from "./subscribe.js";

export type { RawCallback, RawEvent, SubscribeFn } from "./subscribe.js";

export type RootStateName = "watching" | "polling" | "stopped";

export interface RootState {
  readonly group: string;
  /** The root as a logical path. */
  readonly root: string;
  readonly local: string;
  readonly state: RootStateName;
  /** Why it is polled rather than watched. */
  readonly reason: string | undefined;
}

/**
 * "rewatch": not a fault, see the NOTE above; the root is watched again after a full check.
 * "returned": a missing root is there again (not a fault either); likewise.
 * "gone": a watched root is no longer the directory subscribed (verify(): unmounted, removed,
 * replaced); the loop decides whether its group halts (watch/root-halts.ts).
 */
export type TroubleKind = "missing" | "limit" | "error" | "vanished" | "rewatch" | "returned" | "gone";

export interface WatchTrouble {
  readonly group: string;
  readonly root: string;
  readonly kind: TroubleKind;
  readonly message: string;
  /** What the operator can do (the sysctl to raise for a limit). */
  readonly hint: string | undefined;
  /** A root that was watched stopped being watched (events may have been missed); false for a failed attempt to watch. */
  readonly lost: boolean;
}

export interface WatchersOptions {
  readonly config: Config;
  /** The groups to watch (those with `watch yes`). */
  readonly groups: readonly Group[];
  readonly onEvent: (event: WatchEvent) => void;
  readonly onTrouble: (trouble: WatchTrouble) => void;
  /** @default @parcel/watcher's subscribe */
  readonly subscribe?: SubscribeFn;
  /** For the sysctl hint. @default reads /proc/sys/fs/inotify/max_user_watches */
  readonly currentWatchLimit?: () => number | undefined;
  readonly logger?: Logger;
  /**
   * A root not to subscribe now: one that looks unmounted (the loop's verdict). Watching the bare
   * mount point would report nothing of the disk once it is mounted over it again.
   */
  readonly held?: (group: string, root: string) => boolean;
}

interface Root {
  readonly group: Group;
  readonly root: string;
  readonly local: string;
  state: RootStateName;
  reason: string | undefined;
  unsubscribe: (() => Promise<void>) | undefined;
  /** New directories (local paths) that already held directories: the root is watched again. */
  readonly rewatch: Set<string>;
  rewatchTimer: NodeJS.Timeout | undefined;
  /** While the root is missing: a watch of its nearest existing ancestor, for its return. */
  readonly returnWatch: ReturnWatch;
  /** The directory subscribed (undefined for a file root): verify() compares it with what is there now. */
  identity: DirIdentity | undefined;
}

/** How long a re-watch waits for more directories of the same `mkdir -p` or move. */
export const REWATCH_DELAY_MS = 200;

export class Watchers {
  readonly #options: WatchersOptions;
  readonly #roots: Root[];
  #stopped = false;

  constructor(options: WatchersOptions) {
    this.#options = options;
    this.#roots = options.groups.flatMap((group) =>
      group.roots.map((root) => ({ group, root, local: options.config.toLocalPath(root), state: "polling" as RootStateName, reason: "not started", unsubscribe: undefined, rewatch: new Set<string>(), rewatchTimer: undefined, returnWatch: new ReturnWatch(), identity: undefined })),
    );
  }

  /** Subscribes every root; resolves once each is watched or known not to be. */
  async start(): Promise<void> {
    await this.retry();
  }

  /** Subscribes the roots that are not watched (after a full check; the operator may have raised a limit). */
  async retry(): Promise<void> {
    for (const r of this.#roots) if (!this.#stopped && r.state === "polling") await this.#subscribe(r);
  }

  /**
   * Whether each watched directory root is still the directory subscribed. inotify says nothing
   * through parcel when the filesystem under a watch is unmounted (IN_UNMOUNT and IN_IGNORED
   * end its watches silently), and a bind mount taken away ends none: an lstat per root is how
   * the loop hears of it within seconds. A root that changed is dropped and reported "gone".
   * A root polled because it could not be watched (inotify's limit) is looked at the same way,
   * against the directory found when watching it failed: else only its next full check, minutes
   * away, would see its disk gone.
   */
  verify(): void {
    for (const r of this.#roots) {
      if (this.#stopped || r.identity === undefined || (r.state !== "watching" && r.state !== "polling")) continue;
      let now;
      try {
        now = lstatSync(r.local, { throwIfNoEntry: false, bigint: true });
      } catch {
        continue; // EACCES, EIO…: the next full check reports what it cannot read
      }
      const change = rootChange(r.identity, now?.isDirectory() ? now : undefined);
      if (change === "same") continue;
      const was = r.state === "watching" ? "Watched root" : "Root (polled, not watched)";
      void this.#unsubscribe(r, "polling");
      const what = change === "gone" ? "is gone" : "is another directory now (the bare mount point of an unmounted disk?)";
      this.#trouble(r, "gone", `${was} "${r.local}" ${what}`, true);
    }
  }

  states(): RootState[] {
    return this.#roots.map((r) => ({ group: r.group.name, root: r.root, local: r.local, state: r.state, reason: r.reason }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const r of this.#roots) {
      clearTimeout(r.rewatchTimer);
      r.returnWatch.stop();
    }
    await Promise.all(this.#roots.map((r) => this.#unsubscribe(r, "stopped")));
  }

  async #subscribe(r: Root): Promise<void> {
    const st = lstatSync(r.local, { throwIfNoEntry: false, bigint: true });
    if (st === undefined) {
      this.#watchForReturn(r);
      return this.#trouble(r, "missing", `Cannot watch "${r.local}": it does not exist`, false);
    }
    r.returnWatch.stop();
    if (this.#options.held?.(r.group.name, r.root)) {
      r.identity = undefined; // its halt has said it: root-halts.ts looks at it from here
      r.reason = "looks unmounted: watched again once it is back";
      return;
    }
    try {
      const subscribe = st.isDirectory() ? (this.#options.subscribe ?? parcelSubscribe) : watchOneFile;
      const sub = await subscribe(r.local, (err, events) => this.#onRaw(r, err, events));
      if (this.#stopped) return void (await sub.unsubscribe());
      r.unsubscribe = () => sub.unsubscribe();
      r.identity = st.isDirectory() ? { dev: st.dev, ino: st.ino } : undefined;
      r.state = "watching";
      r.reason = undefined;
      this.#options.logger?.debug({ group: r.group.name, root: r.root }, "watching");
    } catch (err) {
      const limit = isLimitError(err);
      r.identity = st.isDirectory() ? { dev: st.dev, ino: st.ino } : undefined; // verify() still looks at it
      this.#trouble(r, limit ? "limit" : "error", `Cannot watch "${r.local}": ${messageOf(err)}`, false);
    }
  }

  #onRaw(r: Root, err: Error | null, events: readonly RawEvent[]): void {
    if (this.#stopped || r.state !== "watching") return;
    if (err) {
      // The subscription may still deliver, but something was missed: drop it and poll until retry().
      void this.#unsubscribe(r, "polling");
      return this.#trouble(r, isLimitError(err) ? "limit" : "error", `Watcher of "${r.local}" failed: ${messageOf(err)}`, true);
    }
    const { config } = this.#options;
    for (const e of events) {
      if (e.path === r.local && e.type === "delete") {
        void this.#unsubscribe(r, "polling");
        return this.#trouble(r, "vanished", `Watched root "${r.local}" was deleted or moved away`, true);
      }
      // A version being received (its temp file beside the target) is not a local change.
      if (isTempName(basename(e.path))) continue;
      // A name that lost bytes on its way here: its directory is walked instead ("create"
      // makes continuous.ts check it with its subtree).
      const target = eventTarget(e.path, r.local);
      let path: string;
      try {
        path = config.toLogicalPath(target.path);
      } catch {
        continue; // outside every prefix and not absolute: cannot be ours
      }
      // An excluded path (a temp file, a cache) costs nothing further.
      if (r.group.match(path) === "ignore") continue;
      this.#options.onEvent({ group: r.group.name, path, local: target.path, type: target.walk ? "create" : e.type });
      if (e.type === "create" && !target.walk && holdsDirectories(e.path)) this.#rewatchSoon(r, e.path);
    }
  }

  /** A missing root: waited for (return-watch.ts), and reported "returned" once the way to it moved on. */
  #watchForReturn(r: Root): void {
    if (this.#stopped) return;
    r.returnWatch.start(r, { logger: this.#options.logger, onReturn: () => {
      if (this.#stopped || r.state === "watching") return;
      this.#options.onTrouble({ group: r.group.name, root: r.root, kind: "returned", message: `"${r.local}" (or the way to it) is there again: watching it after a full check`, hint: undefined, lost: true });
    } });
  }

  #rewatchSoon(r: Root, dir: string): void {
    r.rewatch.add(dir);
    r.rewatchTimer ??= setTimeout(() => void this.#rewatch(r), REWATCH_DELAY_MS).unref();
  }

  /**
   * Drops the root's subscription and reports it lost: the loop's full check follows, which
   * subscribes again first (parcel shares one watcher per directory, so only a subscription made
   * after the last one went crawls the tree anew) and then walks, covering the moment between.
   */
  async #rewatch(r: Root): Promise<void> {
    const dirs = r.rewatch.size;
    r.rewatch.clear();
    r.rewatchTimer = undefined;
    if (this.#stopped || r.state !== "watching") return;
    await this.#unsubscribe(r, "polling");
    this.#trouble(r, "rewatch", `${dirs} new director${dirs === 1 ? "y" : "ies"} under "${r.local}" already held directories (mkdir -p, a tree moved in), which the watcher may have missed: watching it again, after a full check`, true);
  }

  #trouble(r: Root, kind: TroubleKind, message: string, lost: boolean): void {
    // verify() goes on looking at a root it could not watch, or is about to watch again, as
    // the directory it was; one gone, missing or replaced was told once, here.
    if (kind !== "limit" && kind !== "error" && kind !== "rewatch") r.identity = undefined;
    r.state = this.#stopped ? "stopped" : "polling";
    r.reason = message;
    const hint = kind === "limit" ? limitHint(this.#options.currentWatchLimit?.() ?? readWatchLimit()) : undefined;
    this.#options.onTrouble({ group: r.group.name, root: r.root, kind, message, hint, lost });
  }

  async #unsubscribe(r: Root, next: RootStateName): Promise<void> {
    const unsubscribe = r.unsubscribe;
    r.unsubscribe = undefined;
    r.state = next;
    if (unsubscribe === undefined) return;
    try {
      await unsubscribe();
    } catch (err) {
      this.#options.logger?.debug({ root: r.root, err: messageOf(err) }, "unsubscribe failed");
    }
  }
}

/** A directory at `path` that holds at least one directory (false for anything else, or gone). */
function holdsDirectories(path: string): boolean {
  try {
    return readdirSync(path, { withFileTypes: true }).some((d) => d.isDirectory() && !isTempName(d.name)) && lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

// Hands changed paths from the continuous loop to the sync engine's push, with the two guards
// the loop owes it: a file that changed again while it was hashed is not pushed but checked
// again (stable.ts), and entries still pending after a push (a peer was down) are pushed again
// with backoff, so a peer that comes back catches up without waiting for the next change.

import type { Logger } from "pino";
import type { Config } from "../config/types.js";
import { messageOf } from "../errors.js";
import type { Db } from "../index/database.js";
import { EntryStore } from "../index/entries.js";
import type { Metrics } from "../metrics/metrics.js";
import { backoffDelay } from "../net/pool.js";
import { pendingInGroup } from "../status/queries.js";
import type { EventBuffer } from "./event-buffer.js";
import { stabilityOf } from "./stable.js";
import type { Timers } from "./timers.js";

/**
 * The sync engine's side: send `group`'s peers these changed logical paths now (and whatever
 * else is pending for them). Empty `paths`: a retry, because entries were still pending after
 * the last push (a peer was down); push whatever is pending. Returns the paths that could not
 * be sent (the run's per-path problems, and files that changed while they went), or nothing.
 */
export type PushFn = (group: string, paths: readonly string[], context: PushContext) => PushOutcome | Promise<PushOutcome>;

/** The logical paths a push could not send (a problem, or changed meanwhile); void when it has nothing to say. */
export type PushOutcome = readonly string[] | void;

export interface PushContext {
  /** When the oldest of these changes was first seen (Date.now clock): for the sync latency. */
  readonly sinceMs: number | undefined;
}

/** Entries still pending after a push are pushed again after 2 s, doubling up to 5 min (±25 %). */
export const PUSH_RETRY_BASE_MS = 2_000;
export const PUSH_RETRY_MAX_MS = 300_000;

export interface PusherOptions {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly push: PushFn;
  /** Where held-back paths go to be checked again, and retries to wake the loop. */
  readonly buffer: EventBuffer;
  readonly timers: Timers;
  readonly random?: (() => number) | undefined;
  readonly metrics?: Metrics | undefined;
  /**
   * A group halted because an include root looks unmounted (root-halts.ts) sends nothing, not
   * even what other roots recorded: the `-x` check stops such a group whole. Its entries stay
   * pending; the full check that resumes it pushes them.
   */
  readonly halted?: ((group: string) => boolean) | undefined;
}

export class Pusher {
  readonly #o: PusherOptions;
  readonly #entries: EntryStore;
  /** Per group: pushes in a row that left entries pending, and the retry timer. */
  readonly #retries = new Map<string, { failures: number; timer: unknown }>();
  #stopped = false;

  constructor(options: PusherOptions) {
    this.#o = options;
    this.#entries = new EntryStore(options.db);
  }

  /** Pushes the stable paths among `paths` (with `retry`, even none); the others are checked again later. */
  async push(group: string, paths: readonly string[], options: { readonly retry?: boolean; readonly sinceMs?: number | undefined } = {}): Promise<void> {
    const retry = options.retry ?? false;
    if (paths.length === 0 && !retry) return;
    if (this.#o.halted?.(group)) {
      this.#o.logger.debug({ group, paths: paths.length }, "not pushed: the group is halted (an include root looks unmounted)");
      return;
    }
    const ready: string[] = [];
    for (const path of paths) {
      const record = this.#entries.get(group, path);
      const local = this.#o.config.toLocalPath(path);
      if (record === undefined || stabilityOf(local, record) === "stable") {
        ready.push(path);
        continue;
      }
      this.#o.metrics?.heldBack.inc({ group });
      this.#o.logger.debug({ group, path }, "changed while hashed: checked again later");
      this.#o.buffer.add({ group, path, local, type: "update" });
    }
    if (ready.length === 0 && !retry) return;
    let failed: PushOutcome = undefined;
    try {
      failed = await this.#o.push(group, ready, { sinceMs: options.sinceMs });
    } catch (err) {
      this.#o.logger.warn({ group, paths: ready.length, err: messageOf(err) }, `push failed: ${messageOf(err)}`);
    }
    this.#checkAgainIfMoved(group, failed ?? []);
    this.#retryIfPending(group);
  }

  /**
   * A path the push could not send because it is no longer on disk as the check recorded it
   * (removed, rewritten: "it changed here since the check") is checked again, as if
   * the watcher had reported it. Its own event normally does that, but an event can be lost
   * (a directory replaced before it was watched, inotify's queue overflowing), and the push
   * retries alone would only repeat the same failure, with backoff, until the next full check
   * (exploratory run: ENOENT for the files of a removed directory logged for 30 s). A path
   * whose disk state still matches its record failed for another reason and is not touched.
   */
  #checkAgainIfMoved(group: string, paths: readonly string[]): void {
    for (const path of new Set(paths)) {
      const record = this.#entries.get(group, path);
      if (record === undefined) continue;
      let local: string;
      try {
        local = this.#o.config.toLocalPath(path);
      } catch {
        continue; // not a path of this node (a group-wide problem is reported under the group's name)
      }
      if (stabilityOf(local, record) === "stable") continue;
      this.#o.logger.debug({ group, path }, "not sent: it changed or vanished since its check; checking it again");
      this.#o.buffer.add({ group, path, local, type: "update" });
    }
  }

  /** No more retries (stopping): pushes already asked for still go. */
  stopRetries(): void {
    this.#stopped = true;
    for (const r of this.#retries.values()) if (r.timer !== undefined) this.#o.timers.clearTimeout(r.timer);
  }

  #retryIfPending(group: string): void {
    const r = this.#retries.get(group) ?? { failures: 0, timer: undefined };
    this.#retries.set(group, r);
    if (this.#stopped || pendingInGroup(this.#o.db, group) === 0) {
      r.failures = 0;
      return;
    }
    if (r.timer !== undefined) return;
    r.failures++;
    const delay = backoffDelay(r.failures, PUSH_RETRY_BASE_MS, PUSH_RETRY_MAX_MS, this.#o.random ?? Math.random);
    this.#o.logger.debug({ group, retryInMs: delay }, "entries still pending: pushing again later");
    r.timer = this.#o.timers.setTimeout(() => {
      r.timer = undefined;
      this.#o.buffer.requestPush(group);
    }, delay);
  }
}

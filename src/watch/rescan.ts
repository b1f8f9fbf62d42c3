// The safety net of continuous mode: a full check of each group every `rescan-interval`,
// randomised ±25 % so that a cluster started at once does not walk (and push) in lockstep,
// and shorter while a root cannot be watched (inotify limits, a watcher error).

import type { Timers } from "./timers.js";

export const JITTER = 0.25;
/** While a root is polled instead of watched, full checks come at least this often. */
export const FALLBACK_INTERVAL_MS = 5 * 60_000;

/** After a check failed (index busy, disk error), the next full check comes this much later. */
export const RETRY_AFTER_ERROR_MS = 30_000;

/**
 * The delay before a group's next full check: its rescan-interval; sooner while a root is not
 * watched (the full checks are all that sees it) or after a failed check; undefined when
 * `rescan-interval 0s` turned them off and every root is watched.
 */
export function nextFullCheckIn(facts: { readonly ok: boolean; readonly unwatched: boolean; readonly rescanIntervalMs: number }): number | undefined {
  if (!facts.ok) return RETRY_AFTER_ERROR_MS;
  if (facts.unwatched) return facts.rescanIntervalMs > 0 ? Math.min(facts.rescanIntervalMs, FALLBACK_INTERVAL_MS) : FALLBACK_INTERVAL_MS;
  return facts.rescanIntervalMs > 0 ? facts.rescanIntervalMs : undefined;
}

/** `baseMs` ±25 %; `random` is in [0, 1). */
export function jittered(baseMs: number, random: number): number {
  return Math.round(baseMs * (1 - JITTER + 2 * JITTER * random));
}

export interface RescanScheduleOptions {
  readonly timers: Timers;
  /** @default Math.random */
  readonly random?: () => number;
  readonly onDue: (group: string) => void;
}

/** One pending timer per group; schedule() replaces it. */
export class RescanSchedule {
  readonly #options: RescanScheduleOptions;
  readonly #timers = new Map<string, unknown>();
  readonly #dueAt = new Map<string, number>();
  #stopped = false;

  constructor(options: RescanScheduleOptions) {
    this.#options = options;
  }

  /** The next full check of `group` in about `intervalMs` (jittered); returns the delay chosen. */
  schedule(group: string, intervalMs: number): number {
    if (this.#stopped) return 0;
    const { timers } = this.#options;
    const delay = jittered(intervalMs, (this.#options.random ?? Math.random)());
    const old = this.#timers.get(group);
    if (old !== undefined) timers.clearTimeout(old);
    this.#dueAt.set(group, timers.now() + delay);
    this.#timers.set(group, timers.setTimeout(() => {
      this.#timers.delete(group);
      this.#options.onDue(group);
    }, delay));
    return delay;
  }

  /** No periodic full check of `group` for now. */
  cancel(group: string): void {
    const old = this.#timers.get(group);
    if (old !== undefined) this.#options.timers.clearTimeout(old);
    this.#timers.delete(group);
    this.#dueAt.delete(group);
  }

  /** ms since the epoch of each group's next full check. */
  dueTimes(): ReadonlyMap<string, number> {
    return this.#dueAt;
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.values()) this.#options.timers.clearTimeout(t);
    this.#timers.clear();
  }
}

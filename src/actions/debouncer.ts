// Daemon mode: a burst of changes (an editor's save, a deploy unpacking a tree) arrives as many
// small batches; actions should run once for the burst, not once per batch. Each key fires
// `delayMs` after its last poke, but never later than MAX_WAIT_FACTOR × the delay after its
// first, so a steady trickle of changes cannot postpone an action forever. Timers and clock are
// injected so tests drive time by hand.

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DebouncerOptions {
  /** @default globalThis.setTimeout / clearTimeout */
  readonly timers?: Timers;
  /** Milliseconds, monotonic enough for deadlines. @default Date.now */
  readonly now?: () => number;
}

/** How much longer than the quiet delay a burst may hold an action back. */
export const MAX_WAIT_FACTOR = 10;

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Pending {
  readonly firstAt: number;
  readonly maxWaitMs: number;
  handle: unknown;
}

export class Debouncer<K> {
  readonly #fire: (key: K) => void;
  readonly #timers: Timers;
  readonly #now: () => number;
  readonly #pending = new Map<K, Pending>();

  constructor(fire: (key: K) => void, options: DebouncerOptions = {}) {
    this.#fire = fire;
    this.#timers = options.timers ?? realTimers;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Notes activity on `key`: it fires after `delayMs` without another poke, or at the latest
   * MAX_WAIT_FACTOR × delayMs after the first poke of the burst.
   */
  poke(key: K, delayMs: number): void {
    const now = this.#now();
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = { firstAt: now, maxWaitMs: delayMs * MAX_WAIT_FACTOR, handle: undefined };
      this.#pending.set(key, pending);
    } else {
      this.#timers.clearTimeout(pending.handle);
    }
    const wait = Math.max(0, Math.min(delayMs, pending.firstAt + pending.maxWaitMs - now));
    pending.handle = this.#timers.setTimeout(() => this.#flush(key), wait);
  }

  /** Fires `key` now if it is waiting (shutdown, or a one-shot run's end). */
  flush(key: K): void {
    const pending = this.#pending.get(key);
    if (pending === undefined) return;
    this.#timers.clearTimeout(pending.handle);
    this.#flush(key);
  }

  /** Fires every waiting key now. */
  flushAll(): void {
    for (const key of [...this.#pending.keys()]) this.flush(key);
  }

  /** Forgets every waiting key without firing (their work stays in the durable queue). */
  cancelAll(): void {
    for (const pending of this.#pending.values()) this.#timers.clearTimeout(pending.handle);
    this.#pending.clear();
  }

  /** Keys waiting to fire. */
  get size(): number {
    return this.#pending.size;
  }

  #flush(key: K): void {
    this.#pending.delete(key);
    this.#fire(key);
  }
}

// When a session counts as idle (session.ts closes it then): nothing in flight and no complete
// frame for idleTimeoutMs. Partial frames do not count as activity, so a peer dribbling bytes
// cannot hold a session open. Kept apart from the session's bookkeeping of streams and slots.

export interface IdleTimerOptions {
  /** The idle limit, read at each wake (the wire's limits.idleTimeoutMs). */
  readonly limitMs: () => number;
  /** Requests in flight: never idle then, whatever the time since the last frame. */
  readonly busy: () => boolean;
  /** The session has been idle this long (ms), at least the limit. */
  readonly onIdle: (idleMs: number) => void;
}

export class IdleTimer {
  readonly #o: IdleTimerOptions;
  #lastActivity = Date.now();
  #timer: NodeJS.Timeout | undefined;

  /** Armed at once: the first look comes after `limitMs()`. */
  constructor(options: IdleTimerOptions) {
    this.#o = options;
    this.#arm(options.limitMs());
  }

  /** A complete frame or a request: activity. */
  touch(): void {
    this.#lastActivity = Date.now();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #arm(afterMs: number): void {
    this.#timer = setTimeout(() => {
      const idle = Date.now() - this.#lastActivity;
      const limit = this.#o.limitMs();
      if (this.#o.busy() || idle < limit) return this.#arm(this.#o.busy() ? limit : limit - idle);
      this.#o.onIdle(idle);
    }, Math.max(1, afterMs));
    this.#timer.unref();
  }
}

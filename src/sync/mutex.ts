// A promise-chained lock: holders run one after another in arrival order. The receiver holds one
// for its decide-then-apply steps, and one per path for the pusher (receive.ts).

/** Holders in arrival order; `lock()` resolves with the release function. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = () => {
      this.#waiting--;
      r();
    }));
    this.#waiting++;
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
  /** Nobody holds or waits for the lock. */
  get idle(): boolean {
    return this.#waiting === 0;
  }
}

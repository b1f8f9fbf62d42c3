// One run at a time per key, and at most one waiting behind it. The same action must never run
// twice at once on a node (two nginx reloads racing), yet a change that arrives while it runs
// must still get a run that sees it: a trigger during a run queues one more run, and every
// further trigger before that run starts merges into it (its paths are coalesced).

interface Waiting<T, R> {
  input: T;
  run: (input: T) => Promise<R>;
  readonly promise: Promise<R>;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

interface Slot<T, R> {
  running: Promise<R>;
  next: Waiting<T, R> | undefined;
}

export class Coalescer<T, R> {
  readonly #merge: (queued: T, more: T) => T;
  readonly #slots = new Map<string, Slot<T, R>>();

  /** `merge(queued, more)` folds a later trigger's input into the run already waiting. */
  constructor(merge: (queued: T, more: T) => T) {
    this.#merge = merge;
  }

  /**
   * Runs `run(input)` now if nothing runs under `key`, else after the current run, merged with
   * every other input submitted meanwhile. Resolves with the result of the run that covered
   * `input`. The latest `run` submitted is the one used for a merged run.
   */
  submit(key: string, input: T, run: (input: T) => Promise<R>): Promise<R> {
    const slot = this.#slots.get(key);
    if (slot === undefined) return this.#start(key, input, run);
    if (slot.next !== undefined) {
      slot.next.input = this.#merge(slot.next.input, input);
      slot.next.run = run;
      return slot.next.promise;
    }
    let resolve!: (result: R) => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    slot.next = { input, run, promise, resolve, reject };
    return promise;
  }

  /** True while a run under `key` is running. */
  busy(key: string): boolean {
    return this.#slots.has(key);
  }

  /** Resolves once nothing runs or waits under any key. */
  async idle(): Promise<void> {
    while (this.#slots.size > 0) {
      await Promise.allSettled([...this.#slots.values()].map((slot) => slot.running));
    }
  }

  #start(key: string, input: T, run: (input: T) => Promise<R>): Promise<R> {
    const running = Promise.resolve().then(() => run(input));
    const slot: Slot<T, R> = { running, next: undefined };
    this.#slots.set(key, slot);
    const advance = (): void => {
      const next = slot.next;
      if (next === undefined) {
        this.#slots.delete(key);
        return;
      }
      this.#slots.delete(key);
      this.#start(key, next.input, next.run).then(next.resolve, next.reject);
    };
    running.then(advance, advance);
    return running;
  }
}

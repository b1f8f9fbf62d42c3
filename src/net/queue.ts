// A bounded hand-off between the socket reader and a consumer (request bodies on the server,
// reply streams on the client). The queue does not refuse items: the reader checks `bytes`
// before pulling the next frame and pauses the socket, which is what bounds memory; the
// consumer's pull calls onConsumed so the reader can resume.

export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #sizeOf: (item: T) => number;
  readonly #onConsumed: () => void;
  #items: T[] = [];
  #bytes = 0;
  #ended = false;
  #discarding = false;
  #error: Error | undefined;
  #waiter: { resolve: (v: IteratorResult<T>) => void; reject: (e: Error) => void } | undefined;

  constructor(sizeOf: (item: T) => number, onConsumed: () => void) {
    this.#sizeOf = sizeOf;
    this.#onConsumed = onConsumed;
  }

  /** Bytes waiting for the consumer. */
  get bytes(): number {
    return this.#bytes;
  }

  get ended(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  push(item: T): void {
    if (this.#discarding || this.ended) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return;
    }
    this.#items.push(item);
    this.#bytes += this.#sizeOf(item);
  }

  end(): void {
    this.#ended = true;
    this.#settleWaiter();
  }

  fail(err: Error): void {
    if (this.ended) return;
    this.#error = err;
    this.#settleWaiter();
  }

  /** The consumer is gone: drop what is queued and whatever still arrives. */
  discard(): void {
    this.#discarding = true;
    this.#items = [];
    this.#bytes = 0;
    this.#onConsumed();
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined) {
      this.#bytes -= this.#sizeOf(item);
      this.#onConsumed();
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.discard();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = undefined;
    if (this.#error) waiter.reject(this.#error);
    else if (this.#items.length === 0) waiter.resolve({ value: undefined, done: true });
  }
}

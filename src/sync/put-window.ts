// A bounded window of put-batches in flight for one peer (push.ts): the next offer is answered
// while earlier batches are written on the peer. The first session failure stops the window:
// add() and drain() rethrow it; settle() waits for everything regardless, so nothing acts on a
// result after the push has returned.

/** At most `size` put-batches in flight; the first session failure stops the peer. */
export class PutWindow {
  readonly #inflight = new Set<Promise<void>>();
  #failure: { err: unknown } | undefined;
  constructor(readonly size: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    this.#rethrow();
    while (this.#inflight.size >= this.size) await Promise.race(this.#inflight);
    this.#rethrow();
    const p: Promise<void> = task()
      .catch((err: unknown) => void (this.#failure ??= { err }))
      .finally(() => this.#inflight.delete(p));
    this.#inflight.add(p);
  }

  /** Waits for every batch; throws the first session failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.#rethrow();
  }

  /** Waits for every batch, whatever happened (nothing may act on results after the push returned). */
  async settle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  #rethrow(): void {
    if (this.#failure) throw this.#failure.err;
  }
}

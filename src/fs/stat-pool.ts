// A worker thread that lstats directories ahead of the walk. On a tree of small files the
// check's time is mostly lstat and index reads; with the lstat calls on a second core, the main
// thread only reads the index and merges (2 cores: about half the wall time of one).

import { Worker } from "node:worker_threads";
import type { StatBatch } from "./stat-batch.js";

export class StatPool {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (b: StatBatch) => void; reject: (e: unknown) => void }>();
  #next = 0;
  #failure: unknown;

  constructor() {
    // Small heap limits: the worker's garbage is short-lived, and a roomy heap would only show
    // up as resident memory on a million-file check.
    this.#worker = new Worker(new URL("./lstat-worker.js", import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 48 },
    });
    this.#worker.unref();
    this.#worker.on("message", (msg: StatBatch & { id: number }) => {
      const waiter = this.#waiting.get(msg.id);
      this.#waiting.delete(msg.id);
      waiter?.resolve(msg);
    });
    this.#worker.on("error", (err) => this.#fail(err));
    this.#worker.on("exit", (code) => this.#fail(new Error(`lstat worker exited with code ${code}`)));
  }

  /** lstat of `paths` in the worker. */
  stat(paths: readonly (string | Buffer)[]): Promise<StatBatch> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, paths });
    });
  }

  async close(): Promise<void> {
    this.#failure ??= new Error("lstat worker closed");
    await this.#worker.terminate();
  }

  #fail(err: unknown): void {
    this.#failure ??= err;
    for (const waiter of this.#waiting.values()) waiter.reject(err);
    this.#waiting.clear();
  }
}

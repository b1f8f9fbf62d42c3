// A worker thread that lstats directories ahead of the walk. On a tree of small files the
// check's time is mostly lstat and index reads; with the lstat calls on a second core, the main
// thread only reads the index and merges (2 cores: about half the wall time of one).

import { Worker } from "node:worker_threads";
import type { StatBatch } from "./stat-batch.js";

export interface StatPoolOptions {
  /** Worker threads; directories go to them in turn. @default 2 */
  readonly threads?: number;
}

export class StatPool {
  readonly #workers: Worker[] = [];
  readonly #waiting = new Map<number, { resolve: (b: StatBatch) => void; reject: (e: unknown) => void }>();
  #next = 0;
  #failure: unknown;

  constructor(options: StatPoolOptions = {}) {
    for (let i = 0; i < (options.threads ?? 2); i++) this.#workers.push(this.#spawn());
  }

  #spawn(): Worker {
    // Small heap limits: the worker's garbage is short-lived, and a roomy heap would only show
    // up as resident memory on a million-file check.
    const worker = new Worker(new URL("./lstat-worker.js", import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 48 },
    });
    worker.unref();
    worker.on("message", (msg: StatBatch & { id: number }) => {
      const waiter = this.#waiting.get(msg.id);
      this.#waiting.delete(msg.id);
      waiter?.resolve(msg);
    });
    worker.on("error", (err) => this.#fail(err));
    worker.on("exit", (code) => this.#fail(new Error(`lstat worker exited with code ${code}`)));
    return worker;
  }

  /** lstat of `paths` in the worker. */
  stat(paths: readonly (string | Buffer)[]): Promise<StatBatch> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#workers[id % this.#workers.length]!.postMessage({ id, paths });
    });
  }

  async close(): Promise<void> {
    this.#failure ??= new Error("lstat worker closed");
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #fail(err: unknown): void {
    this.#failure ??= err;
    for (const waiter of this.#waiting.values()) waiter.reject(err);
    this.#waiting.clear();
  }
}

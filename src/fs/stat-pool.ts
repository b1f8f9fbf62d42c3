// Worker threads that lstat directories ahead of the walk. On a tree of small files the check's
// time is mostly lstat and index reads; with the lstat calls on another core, the main thread
// only reads the index and merges.
//
// Requests made in one go (the scanner lists about a dozen directories at a time) leave in one
// message and come back in one: a message takes the port's lock on both sides, and on a busy
// machine a thread preempted while holding it stalls the other for a whole time slice, so a
// message per directory cost more than the lstat calls it carried.

import { Worker } from "node:worker_threads";
import type { StatBatch } from "./stat-batch.js";

export interface StatPoolOptions {
  /** Worker threads; batches of requests go to them in turn. @default 1 */
  readonly threads?: number;
}

/** One lstat request inside a message: {id, paths} out, {id, ...StatBatch} back. */
export interface StatRequest {
  readonly id: number;
  readonly paths: readonly (string | Buffer)[];
}

export class StatPool {
  readonly #workers: Worker[] = [];
  readonly #waiting = new Map<number, { resolve: (b: StatBatch) => void; reject: (e: unknown) => void }>();
  #queued: StatRequest[] = [];
  #nextId = 0;
  #nextWorker = 0;
  #failure: unknown;

  constructor(options: StatPoolOptions = {}) {
    for (let i = 0; i < (options.threads ?? 1); i++) this.#workers.push(this.#spawn());
  }

  #spawn(): Worker {
    // Small heap limits: the worker's garbage is short-lived, and a roomy heap would only show
    // up as resident memory on a million-file check.
    const worker = new Worker(new URL("./lstat-worker.js", import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 48 },
    });
    worker.unref();
    worker.on("message", (results: (StatBatch & { id: number })[]) => {
      for (const result of results) {
        const waiter = this.#waiting.get(result.id);
        this.#waiting.delete(result.id);
        waiter?.resolve(result);
      }
    });
    worker.on("error", (err) => this.#fail(err));
    worker.on("exit", (code) => this.#fail(new Error(`lstat worker exited with code ${code}`)));
    return worker;
  }

  /** lstat of `paths` in a worker; requests made before the next microtask share a message. */
  stat(paths: readonly (string | Buffer)[]): Promise<StatBatch> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    if (this.#queued.length === 0) queueMicrotask(() => this.#send());
    this.#queued.push({ id, paths });
    return new Promise((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
  }

  #send(): void {
    const requests = this.#queued;
    this.#queued = [];
    if (this.#failure !== undefined) return;
    this.#workers[this.#nextWorker++ % this.#workers.length]!.postMessage(requests);
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

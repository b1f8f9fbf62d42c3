// Reads of small files in batches off the main thread, with their results handed back in the
// order they were asked for. A check queues the close look at each new or changed file here
// (check-merge.ts) and goes on walking; a batch of files is read on the thread pool
// (read-batch.ts) while the main thread hashes and records the batch before it. Everything a
// check reports in between (a deletion, a problem) is queued as a plain task, so each task runs
// after every task queued before it: the index is written and changes are reported in exactly
// the order of a one-file-at-a-time check.
//
// Backpressure: read() returns a promise, for the caller to await, only while more than
// `inFlight` batches are read or waiting to run; otherwise the caller goes on at once.
// Errors: the first task that throws stops every later task; read() and run() then throw it,
// and drain() rejects with it.

import type { FileRead, ReadFiles, ReadRequest } from "./read-batch.js";

export type ReadTask = (read: FileRead) => void | Promise<void>;
export type Task = () => void | Promise<void>;

export interface ReadQueueOptions {
  /** Files per batch. @default 128 */
  readonly batchFiles?: number;
  /** A batch is started once its files' sizes (as the walk saw them) add up to this. @default 1 MiB */
  readonly batchBytes?: number;
  /** Batches read or waiting to run before read() asks its caller to wait. @default 2 */
  readonly inFlight?: number;
}

interface Batch {
  readonly requests: ReadRequest[];
  /** In order; a ReadTask takes the result of requests[index]. */
  readonly tasks: ({ readonly index: number; readonly task: ReadTask } | Task)[];
  bytes: number;
}

export class ReadQueue {
  readonly #read: ReadFiles;
  readonly #batchFiles: number;
  readonly #batchBytes: number;
  readonly #inFlight: number;
  #open: Batch | undefined;
  /** Batches started whose tasks have not all run. */
  #started = 0;
  /** Runs the started batches' tasks one batch after another. */
  #tail: Promise<void> = Promise.resolve();
  #failed: { readonly error: unknown } | undefined;
  #abandoned = false;
  #waiting: (() => void)[] = [];

  constructor(read: ReadFiles, options: ReadQueueOptions = {}) {
    this.#read = read;
    this.#batchFiles = options.batchFiles ?? 128;
    this.#batchBytes = options.batchBytes ?? 1 << 20;
    this.#inFlight = options.inFlight ?? 2;
  }

  /** Queues a read of one file (`size`: as the walk saw it); `task` gets its result in turn. */
  read(request: ReadRequest, size: number, task: ReadTask): void | Promise<void> {
    this.#throwIfFailed();
    const batch = (this.#open ??= { requests: [], tasks: [], bytes: 0 });
    batch.tasks.push({ index: batch.requests.push(request) - 1, task });
    batch.bytes += size;
    if (batch.requests.length >= this.#batchFiles || batch.bytes >= this.#batchBytes) this.#start();
    if (this.#started > this.#inFlight) return this.#room();
  }

  /** Runs `task` after every task queued before it: at once when nothing is queued. */
  run(task: Task): void | Promise<void> {
    this.#throwIfFailed();
    if (this.#open === undefined && this.#started === 0) return task();
    (this.#open ??= { requests: [], tasks: [], bytes: 0 }).tasks.push(task);
  }

  /** Starts what is queued and waits until every task has run; rejects with the first task error. */
  async drain(): Promise<void> {
    this.#start();
    await this.#tail;
    this.#throwIfFailed();
  }

  /** Runs no task not yet run (the caller gave up: its walk failed). Reads under way just end. */
  abandon(): void {
    this.#abandoned = true;
    this.#open = undefined;
  }

  #start(): void {
    const batch = this.#open;
    if (batch === undefined) return;
    this.#open = undefined;
    this.#started++;
    // Started now, awaited in turn: the read runs while earlier batches' tasks do.
    const reading = batch.requests.length > 0 ? this.#read(batch.requests) : Promise.resolve([]);
    reading.catch(() => undefined); // awaited below, maybe after it settles: not an unhandled rejection
    this.#tail = this.#tail.then(async () => {
      try {
        const results = await reading;
        if (this.#failed === undefined && !this.#abandoned) await this.#runTasks(batch, results);
      } catch (error) {
        this.#failed ??= { error };
      } finally {
        this.#started--;
        for (const wake of this.#waiting.splice(0)) wake();
      }
    });
  }

  async #runTasks(batch: Batch, results: readonly FileRead[]): Promise<void> {
    for (const t of batch.tasks) {
      if (this.#abandoned) return;
      const pending = typeof t === "function" ? t() : t.task(results[t.index]!);
      if (pending) await pending;
    }
  }

  /** Resolves once a started batch has finished its tasks. */
  #room(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #throwIfFailed(): void {
    if (this.#failed !== undefined) throw this.#failed.error;
  }
}

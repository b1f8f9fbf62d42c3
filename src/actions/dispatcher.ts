// What the sync engine calls after it applied (receiver) or pushed (sender) a batch: plan the
// actions the batch triggers (core/action-match.ts), record them in the durable queue, and run
// each once, one run per action at a time, coalescing triggers that arrive during a run, and
// debounced per group in daemon mode.
//
// Order of a batch's life: enqueueBatch() inside the engine's apply transaction (or via
// afterBatch() right after it) → runPending() → the runner → markDone (run-executor.ts). Rows
// left by a crash are run by the first runPending() after the restart (call it at start-up, as
// csync2 runs leftover rows at its next invocation). Nothing here throws into the sync: failures
// are logged results.

import type { Action, Config, Group } from "../config/types.js";
import { actionIdOf, planActions, type ActionSide, type PlannedRun } from "../core/action-match.js";
import { messageOf } from "../errors.js";
import type { QueuedAction } from "../index/action-queue.js";
import { Coalescer } from "./coalescer.js";
import { Debouncer, type Timers } from "./debouncer.js";
import { inputsByAction, mergeInputs, type RunInput } from "./run-input.js";
import { RunExecutor, testDelayFromEnv } from "./run-executor.js";
import type { ActionLogger, ActionResult } from "./runner.js";

export { testDelayFromEnv } from "./run-executor.js";

/** The part of index/action-queue.ts used here. */
export interface ActionQueueStore {
  enqueue(group: string, actionId: string, paths: readonly string[]): number;
  pending(group?: string): readonly QueuedAction[];
  markDone(ids: readonly number[]): void;
}

/** The part of ActionRunner used here. */
export interface RunAction {
  run(group: string, action: Action, localPaths: readonly string[]): Promise<ActionResult>;
  /** Ends every running action; resolves once they have exited. */
  terminate?(): Promise<void>;
}

/** The part of Config used here (a full Config fits). */
export interface ActionConfig {
  readonly groups: readonly Pick<Group, "name" | "actions" | "debounceMs">[];
  readonly prefixes: Config["prefixes"];
  readonly toLocalPath: Config["toLocalPath"];
}

export interface Batch {
  readonly group: string;
  /** Logical paths the batch created, changed or deleted. */
  readonly changedPaths: readonly string[];
  readonly side: ActionSide;
}

export interface ActionDispatcherOptions {
  readonly config: ActionConfig;
  readonly queue: ActionQueueStore;
  readonly runner: RunAction;
  readonly logger: ActionLogger;
  /** Daemon mode: hold runs until the group has been quiet for its `debounce`. @default false */
  readonly debounce?: boolean;
  readonly timers?: Timers;
  readonly now?: () => number;
  /** Told every finished run (the status record, metrics); a throw here is logged, never fatal. */
  readonly onResult?: (result: ActionResult) => void;
  /**
   * TEST HOOK: wait this long before each run starts (after it left the queue's waiting
   * state, its rows still queued), so a test can kill -9 the daemon between "batch applied"
   * and "action ran". @default PEERSYNC_TEST_DELAY_ACTIONS_MS from the environment, else 0
   */
  readonly startDelayMs?: number;
}

export class ActionDispatcher {
  readonly #config: ActionConfig;
  readonly #queue: ActionQueueStore;
  readonly #runner: RunAction;
  readonly #logger: ActionLogger;
  readonly #debounce: boolean;
  readonly #executor: RunExecutor;
  readonly #coalescer = new Coalescer<RunInput, ActionResult | undefined>(mergeInputs);
  readonly #debouncer: Debouncer<string>;
  /** Queue rows taken by a run that has not finished; never taken twice. */
  readonly #inFlight = new Set<number>();
  readonly #waiters = new Map<string, ((results: ActionResult[]) => void)[]>();
  #closed = false;

  constructor(options: ActionDispatcherOptions) {
    this.#config = options.config;
    this.#queue = options.queue;
    this.#runner = options.runner;
    this.#logger = options.logger;
    this.#debounce = options.debounce ?? false;
    this.#executor = new RunExecutor({
      config: options.config, queue: options.queue, runner: options.runner, logger: options.logger, onResult: options.onResult,
      startDelayMs: options.startDelayMs ?? testDelayFromEnv(), inFlight: this.#inFlight, closed: () => this.#closed,
    });
    const debouncerOptions = { ...(options.timers && { timers: options.timers }), ...(options.now && { now: options.now }) };
    this.#debouncer = new Debouncer((group) => this.#fireDebounced(group), debouncerOptions);
  }

  /**
   * Plans the batch's actions and records them in the durable queue. Synchronous, so the engine
   * can call it inside the transaction that records the applied entries; it throws only when
   * the index does (and then that transaction rolls back as a whole).
   */
  enqueueBatch(batch: Batch): PlannedRun[] {
    return this.#enqueue(batch).planned;
  }

  #enqueue(batch: Batch): { planned: PlannedRun[]; ids: number[] } {
    const planned = this.#plan(batch);
    const ids = planned.map((run) => this.#queue.enqueue(run.group, run.actionId, run.paths));
    return { planned, ids };
  }

  /**
   * enqueueBatch(), then run: at once (one-shot), or when the group has been quiet for its
   * debounce (daemon). Resolves with the results of the runs that covered the batch; a daemon
   * need not await it. Never rejects.
   */
  afterBatch(batch: Batch): Promise<ActionResult[]> {
    let planned: PlannedRun[];
    let ids: number[];
    try {
      ({ planned, ids } = this.#enqueue(batch));
    } catch (err) {
      // The index failed; the actions still run now, only without the crash guarantee.
      this.#logger.error({ group: batch.group, err: messageOf(err) }, "Cannot queue actions durably; running them directly");
      return this.#runUnqueued(this.#plan(batch));
    }
    if (planned.length === 0) return Promise.resolve([]);
    if (this.#debounce) return this.runQueued(batch.group);
    // One-shot: only this batch's rows. Others of the group may belong to a daemon on this
    // node that is waiting out its debounce or running them: taking them would run them twice.
    const own = new Set(ids);
    return this.#runRows(batch.group, (row) => own.has(row.id));
  }

  /**
   * Runs the group's queued rows (enqueued earlier with enqueueBatch()): at once (one-shot), or
   * when the group has been quiet for its debounce (daemon). Resolves with those runs' results,
   * [] at once when nothing of the group waits. Never rejects.
   */
  runQueued(group: string): Promise<ActionResult[]> {
    if (!this.#debounce) return this.runPending(group);
    let waiting: boolean;
    try {
      waiting = this.#queue.pending(group).some((row) => !this.#inFlight.has(row.id));
    } catch {
      waiting = true; // runPending() logs the index's error
    }
    if (!waiting) return Promise.resolve([]);
    return new Promise((resolve) => {
      this.#waiters.set(group, [...(this.#waiters.get(group) ?? []), resolve]);
      this.#debouncer.poke(group, this.#groupOf(group)?.debounceMs ?? 0);
    });
  }

  /** Runs every queued action not already running (all groups, or one); never rejects. */
  runPending(group?: string): Promise<ActionResult[]> {
    return this.#runRows(group, () => true);
  }

  #runRows(group: string | undefined, wanted: (row: QueuedAction) => boolean): Promise<ActionResult[]> {
    let rows: readonly QueuedAction[];
    try {
      rows = this.#queue.pending(group).filter((row) => wanted(row) && !this.#inFlight.has(row.id));
    } catch (err) {
      this.#logger.error({ group, err: messageOf(err) }, "Cannot read the action queue");
      return Promise.resolve([]);
    }
    const runs = inputsByAction(rows).map((item) => this.#submit(item.group, item.actionId, item.input));
    return Promise.all(runs).then(defined);
  }

  /** Fires debounced groups now and waits until no action runs or waits. */
  async drain(): Promise<void> {
    this.#debouncer.flushAll();
    await this.#coalescer.idle();
  }

  /**
   * At shutdown, after drain() ran out of time: close(), then end the actions still running.
   * Their rows stay queued (closed: #execute leaves them) and run at the next start, once;
   * left running, they finished after the daemon had closed its index, could not be marked
   * done, and ran a second time at the next start, even alongside the first.
   */
  async stop(): Promise<void> {
    this.close();
    await this.#runner.terminate?.();
  }

  /** Stops debounce timers; what they held stays queued for the next start. */
  close(): void {
    this.#closed = true;
    this.#debouncer.cancelAll();
    for (const waiters of this.#waiters.values()) for (const resolve of waiters) resolve([]);
    this.#waiters.clear();
  }

  #plan(batch: Batch): PlannedRun[] {
    const group = this.#groupOf(batch.group);
    if (group === undefined) {
      this.#logger.warn({ group: batch.group }, "Batch for a group this node is not in; no actions");
      return [];
    }
    return planActions({ group, changedPaths: batch.changedPaths, side: batch.side, prefixes: this.#config.prefixes });
  }

  #groupOf(name: string): ActionConfig["groups"][number] | undefined {
    return this.#config.groups.find((g) => g.name === name);
  }

  #fireDebounced(group: string): void {
    const waiters = this.#waiters.get(group) ?? [];
    this.#waiters.delete(group);
    void this.runPending(group).then((results) => {
      for (const resolve of waiters) resolve(results);
    });
  }

  #submit(group: string, actionId: string, input: RunInput): Promise<ActionResult | undefined> {
    const action = this.#groupOf(group)?.actions.find((a) => actionIdOf(a) === actionId);
    if (action === undefined) {
      // The config changed since the row was queued: the action no longer exists to run.
      this.#logger.warn({ group, actionId, files: input.paths.length }, "Dropping a queued action that is no longer in the config");
      this.#executor.markDone(input.ids);
      return Promise.resolve(undefined);
    }
    for (const id of input.ids) this.#inFlight.add(id);
    return this.#coalescer.submit(`${group}\0${actionId}`, input, (merged) => this.#executor.execute(group, action, merged));
  }

  #runUnqueued(planned: readonly PlannedRun[]): Promise<ActionResult[]> {
    const runs = planned.map((run) =>
      this.#coalescer.submit(`${run.group}\0${run.actionId}`, { ids: [], paths: run.paths }, (merged) =>
        this.#executor.execute(run.group, run.action, merged),
      ),
    );
    return Promise.all(runs).then(defined);
  }

}

function defined(results: readonly (ActionResult | undefined)[]): ActionResult[] {
  return results.filter((r): r is ActionResult => r !== undefined);
}

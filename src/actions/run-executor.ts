// One run of an action on its queue rows, once the dispatcher has let it start: the test
// hook's delay, the logical paths mapped to this node's, the runner, then the rows settled.
// They are marked done when the run finished; they stay queued when it was ended by stop() at
// shutdown (to run whole at the next start) or when the runner itself failed. Kept apart
// from the dispatcher, which decides when runs happen and which rows they take; this only
// carries one out and never throws into the sync.

import type { Action } from "../config/types.js";
import { messageOf } from "../errors.js";
import type { ActionConfig, ActionQueueStore, RunAction } from "./dispatcher.js";
import type { RunInput } from "./run-input.js";
import type { ActionLogger, ActionResult } from "./runner.js";

/** The test hook's value from the environment (0 when unset or not a number). */
export function testDelayFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env["PEERSYNC_TEST_DELAY_ACTIONS_MS"] ?? 0);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : 0;
}

export interface RunExecutorOptions {
  readonly config: Pick<ActionConfig, "toLocalPath">;
  readonly queue: Pick<ActionQueueStore, "markDone">;
  readonly runner: RunAction;
  readonly logger: ActionLogger;
  readonly onResult: ((result: ActionResult) => void) | undefined;
  readonly startDelayMs: number;
  /** The dispatcher's rows taken by a run that has not finished: a run gives its own back. */
  readonly inFlight: Set<number>;
  /** True once the dispatcher is closed: a run that ends then was ended by stop(). */
  readonly closed: () => boolean;
}

export class RunExecutor {
  readonly #config: Pick<ActionConfig, "toLocalPath">;
  readonly #queue: Pick<ActionQueueStore, "markDone">;
  readonly #runner: RunAction;
  readonly #logger: ActionLogger;
  readonly #onResult: ((result: ActionResult) => void) | undefined;
  readonly #startDelayMs: number;
  readonly #inFlight: Set<number>;
  readonly #closed: () => boolean;

  constructor(options: RunExecutorOptions) {
    this.#config = options.config;
    this.#queue = options.queue;
    this.#runner = options.runner;
    this.#logger = options.logger;
    this.#onResult = options.onResult;
    this.#startDelayMs = options.startDelayMs;
    this.#inFlight = options.inFlight;
    this.#closed = options.closed;
  }

  /** Runs `action` on `input`'s paths and settles its rows; undefined when the runner failed. */
  async execute(group: string, action: Action, input: RunInput): Promise<ActionResult | undefined> {
    try {
      if (this.#startDelayMs > 0) {
        this.#logger.warn({ group, exec: action.exec, delayMs: this.#startDelayMs }, "Test hook PEERSYNC_TEST_DELAY_ACTIONS_MS: delaying the action's start");
        await new Promise((resolve) => setTimeout(resolve, this.#startDelayMs));
      }
      const result = await this.#runner.run(group, action, this.#localPaths(input.paths));
      if (this.#closed()) {
        // Ended by stop(): its rows stay queued, to run whole at the next start.
        this.#logger.warn({ group, exec: action.exec, files: input.paths.length }, "action ended at shutdown: it stays queued and runs again at the next start");
        return result;
      }
      this.markDone(input.ids);
      this.#report(result);
      return result;
    } catch (err) {
      // The runner resolves failures as results; reaching here is a bug. The rows stay queued.
      this.#logger.error({ group, exec: action.exec, err: messageOf(err) }, "Action runner failed");
      return undefined;
    } finally {
      for (const id of input.ids) this.#inFlight.delete(id);
    }
  }

  #localPaths(logical: readonly string[]): string[] {
    const local: string[] = [];
    for (const path of logical) {
      try {
        local.push(this.#config.toLocalPath(path));
      } catch (err) {
        this.#logger.warn({ path, err: messageOf(err) }, "Cannot map a path for an action; leaving it out");
      }
    }
    return local;
  }

  #report(result: ActionResult): void {
    try {
      this.#onResult?.(result);
    } catch (err) {
      this.#logger.warn({ group: result.group, err: messageOf(err) }, "Cannot record an action result");
    }
  }

  markDone(ids: readonly number[]): void {
    try {
      this.#queue.markDone(ids);
    } catch (err) {
      // The rows stay and run again at the next runPending(): at least once, never lost.
      this.#logger.error({ err: messageOf(err) }, "Cannot mark actions done in the queue");
    }
  }
}

// One check as the continuous loop runs it, paths or full: the changed paths collected (by
// group for a full check), the event loop given a turn every 256 entries, the check counted,
// timed and put on the status board (with the safety stop that halts its group), its per-path
// problems logged. A check that fails as a whole is logged and answered with false, never
// thrown: the loop reschedules a full check and carries on. Kept apart from the loop
// (continuous.ts), which only decides what to check and when.

import type { Logger } from "pino";
import type { Config } from "../config/types.js";
import { messageOf } from "../errors.js";
import { runCheck, type CheckOptions, type CheckSummary } from "../index/check-run.js";
import type { Db } from "../index/database.js";
import type { Metrics } from "../metrics/metrics.js";
import type { StatusBoard } from "../status/board.js";
import { RETRY_AFTER_ERROR_MS } from "./rescan.js";
import type { Timers } from "./timers.js";

export type CheckFn = (db: Db, config: Config, options: CheckOptions) => Promise<CheckSummary>;

export interface CheckRunnerOptions {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly timers: Timers;
  readonly metrics?: Metrics | undefined;
  readonly board?: StatusBoard | undefined;
  /** @default runCheck (tests slow it down) */
  readonly check?: CheckFn | undefined;
  /** True once the loop is stopping: a check that fails then is not news. */
  readonly stopping: () => boolean;
}

export class CheckRunner {
  readonly #o: CheckRunnerOptions;

  constructor(options: CheckRunnerOptions) {
    this.#o = options;
  }

  /**
   * One runCheck; collects changed paths. Answers the roots it left alone as unmounted (its
   * safety stops: watch/root-halts.ts halts their groups), or undefined (logged) when it failed
   * as a whole.
   */
  async run(scope: "full" | "paths", options: CheckOptions, into: Set<string> | undefined,
    byGroup?: Map<string, Set<string>>, reason?: string): Promise<ReadonlySet<string> | undefined> {
    const started = this.#o.timers.now();
    const end = this.#o.metrics?.checkDuration.startTimer({ scope });
    let count = 0;
    try {
      const summary = await (this.#o.check ?? runCheck)(this.#o.db, this.#o.config, {
        ...options,
        onChange: (c) => {
          (byGroup?.get(c.group) ?? into)?.add(c.path);
          count++;
        },
        onProgress: (n) => (n % 256 === 0 ? new Promise<void>((r) => setImmediate(r)) : undefined),
      });
      this.#o.metrics?.checks.inc({ scope });
      for (const p of summary.problems) if (p.severity !== "skipped") this.#o.logger.warn({ path: p.path, op: p.op }, p.message);
      // A root left alone as unmounted halts its group until someone acts: status must say so,
      // not only this log, which repeats at every check.
      const stop = summary.problems.find((p) => p.severity === "safety");
      this.#o.board?.recordCheck({
        atMs: started, scope, durationMs: this.#o.timers.now() - started, changes: count, reason,
        safetyStop: stop === undefined ? undefined : `${stop.path}: ${stop.message}`,
      });
      return new Set(summary.problems.filter((p) => p.severity === "safety").map((p) => p.path));
    } catch (err) {
      // Stopping closes the index under a check that outlived the grace time: not news.
      const level = this.#o.stopping() ? "debug" : "error";
      this.#o.logger[level]({ scope, err: messageOf(err) }, `check failed: ${messageOf(err)}; next full check in ${RETRY_AFTER_ERROR_MS / 1000} s`);
      return undefined;
    } finally {
      end?.();
    }
  }
}

/** A bounded label for the rescans counter. */
export function reasonLabel(reason: string): string {
  if (reason === "start" || reason === "rescan-interval") return reason;
  if (reason.startsWith("watcher")) return "watcher";
  if (reason.startsWith("more than")) return "overflow";
  return "other";
}

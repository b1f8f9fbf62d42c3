// What operators hear of the watchers, through the log, the status board and the metrics: a
// trouble's line at the level it deserves, every root's state, and how long subscribing the
// roots took (issue 9's start-up figure). Kept apart from the loop (continuous.ts), which
// decides what a trouble costs (a full check or not), not how it is told.

import type { Logger } from "pino";
import type { Metrics } from "../metrics/metrics.js";
import type { StatusBoard } from "../status/board.js";
import type { Timers } from "./timers.js";
import type { RootState, Watchers, WatchTrouble } from "./watcher.js";

/** An inotify limit is an error with the sysctl to raise; a root watched again is news; anything else a warning. */
export function logTrouble(logger: Logger, t: WatchTrouble): void {
  const fields = { group: t.group, root: t.root, kind: t.kind };
  if (t.kind === "limit") {
    logger.error({ ...fields, hint: t.hint }, `${t.message}: inotify limit reached; ${t.hint}`);
  } else if (t.kind === "rewatch" || t.kind === "returned") {
    logger.info(fields, t.message);
  } else if (t.kind === "gone") {
    // Not unmounted (the loop halts the group for that): another whole tree is there now.
    logger.info(fields, `${t.message}: watching it again, after a full check`);
  } else {
    logger.warn(fields, `${t.message}; checked by periodic full checks until it can be watched`);
  }
}

/** Every root's state on the board (for `peersync status`) and in the watchedRoots gauge. */
export function publishWatchStates(states: RootState[], sinks: { readonly board?: StatusBoard | undefined; readonly metrics?: Metrics | undefined }): void {
  sinks.board?.setWatch(states);
  const m = sinks.metrics;
  if (m === undefined) return;
  m.watchedRoots.reset();
  for (const s of states) m.watchedRoots.inc({ group: s.group, state: s.state });
}

/** Watchers.retry(), logged as "watching" with its wall and CPU time when it watched more roots. */
export async function retryWatching(watchers: Watchers, deps: { readonly timers: Timers; readonly logger: Logger }): Promise<void> {
  const watchingBefore = watchingCount(watchers);
  const subscribeStarted = deps.timers.now();
  // CPU as well as wall time: on a loaded machine the wall time says more about the load.
  const cpuBefore = process.cpuUsage();
  await watchers.retry();
  const watching = watchingCount(watchers);
  if (watching > watchingBefore) {
    const cpu = process.cpuUsage(cpuBefore);
    deps.logger.info({ roots: watching, ms: deps.timers.now() - subscribeStarted, cpuMs: Math.round((cpu.user + cpu.system) / 1000) }, "watching");
  }
}

function watchingCount(watchers: Watchers): number {
  return watchers.states().filter((s) => s.state === "watching").length;
}

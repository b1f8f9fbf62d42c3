// Continuous mode (DESIGN §8, issue 9): the part of `peersync daemon` that notices local
// changes by itself, for the groups with `watch yes` (the default). Watchers start first; then
// a full check of those groups (events during it are kept in the buffer, so nothing written
// meanwhile is lost); then, for ever: take what the buffer says is due, check those paths as
// hints are checked, and hand the changed paths to the sync engine's `push`. A full check also
// runs every rescan-interval (jittered), and at once when the buffer overflowed or a watcher
// failed; a root that cannot be watched is left to those full checks, which come at least
// every FALLBACK_INTERVAL_MS while it is not watched.
//
// The loop runs one check at a time: checks and pushes share the index, and a check that
// overlapped another would only do the same work twice.

import type { Logger } from "pino";
import type { Config, Group } from "../config/types.js";
import { needsSubtreeCheck } from "../core/subtree-check.js";
import { messageOf } from "../errors.js";
import { fsPath } from "../fs/name-codec.js";
import { diskNow, recordedDir } from "../index/replaced-dirs.js";
import type { Db } from "../index/database.js";
import { EntryStore } from "../index/entries.js";
import type { Metrics } from "../metrics/metrics.js";
import type { StatusBoard } from "../status/board.js";
import { CheckRunner, reasonLabel, type CheckFn } from "./check-runner.js";
import { EventBuffer, type Batch, type DuePath } from "./event-buffer.js";
import { nextFullCheckIn, RescanSchedule } from "./rescan.js";
import { Pusher, type PushFn } from "./pusher.js";
import { RootHalts, type RootHalt } from "./root-halts.js";
import { realTimers, type Timers } from "./timers.js";
import { logTrouble, publishWatchStates, retryWatching } from "./watch-report.js";
import { Watchers, type RootState, type SubscribeFn, type WatchTrouble } from "./watcher.js";

export type { PushFn } from "./pusher.js";
export type { CheckFn } from "./check-runner.js";

export interface ContinuousOptions {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly push: PushFn;
  readonly metrics?: Metrics;
  readonly board?: StatusBoard;
  /** @default real timers */
  readonly timers?: Timers;
  /** For the rescan jitter. @default Math.random */
  readonly random?: () => number;
  /** @default @parcel/watcher */
  readonly subscribe?: SubscribeFn;
  /** @default runCheck (tests slow it down) */
  readonly check?: CheckFn;
  /** Distinct paths buffered before collapsing to a full check. @default 10_000 */
  readonly maxPaths?: number;
  /** Longest a busy path waits. @default 2_000 */
  readonly maxDelayMs?: number;
  /**
   * Held around each check of changed paths, so that it does not interleave with a peer's
   * push being applied to the same paths (the daemon passes its Receiver's mutex). Full checks
   * run without it: they may take minutes, and a receive must not wait that long.
   */
  readonly lock?: (() => Promise<() => void>) | undefined;
  /** The halts of the loop this one replaces (a reload): a standing one is not told again. */
  readonly haltsBefore?: readonly RootHalt[] | undefined;
}

export interface Continuous {
  /** Settles once the initial full check and its push are done. */
  readonly ready: Promise<void>;
  states(): RootState[];
  /** The groups halted because a root looks unmounted (root-halts.ts). */
  halts(): RootHalt[];
  /**
   * Stops watching, then checks and pushes what the buffer still holds (a change made just
   * before SIGTERM is not left behind); resolves once that is done, or after `graceMs` (a check
   * cannot be interrupted; the caller may then close the index under it, which ends it).
   */
  stop(graceMs?: number): Promise<void>;
}

export const DEFAULT_MAX_DELAY_MS = 2_000;

export function startContinuous(options: ContinuousOptions): Continuous {
  const loop = new Loop(options);
  const running = loop.run().catch((err: unknown) => {
    options.logger.error({ err: messageOf(err) }, `continuous mode stopped: ${messageOf(err)}`);
  });
  return {
    ready: loop.ready,
    states: () => loop.watchers.states(),
    halts: () => loop.rootHalts.halts(),
    stop: async (graceMs = Infinity) => {
      await loop.stop();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = graceMs === Infinity ? new Promise<void>(() => {}) : new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
      await Promise.race([running, grace]);
      clearTimeout(timer);
    },
  };
}

class Loop {
  readonly #o: ContinuousOptions;
  readonly #timers: Timers;
  readonly #groups: ReadonlyMap<string, Group>;
  readonly #buffer: EventBuffer;
  readonly #schedule: RescanSchedule;
  readonly #pusher: Pusher;
  readonly #checks: CheckRunner;
  readonly #entries: EntryStore;
  readonly rootHalts: RootHalts;
  readonly watchers: Watchers;
  readonly ready: Promise<void>;
  #resolveReady!: () => void;
  #stopped = false;

  constructor(options: ContinuousOptions) {
    this.#o = options;
    const timers = (this.#timers = options.timers ?? realTimers);
    // A group with `watch no` is left to cron runs (`peersync sync`), as with csync2 -ii: no
    // watcher, no full checks, no pushes from the daemon.
    this.#groups = new Map(options.config.groups.filter((g) => g.watch).map((g) => [g.name, g]));
    const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.#buffer = new EventBuffer({
      timers, maxPaths: options.maxPaths,
      timingOf: (g) => ({ debounceMs: this.#groups.get(g)?.debounceMs ?? 0, maxDelayMs }),
    });
    this.#schedule = new RescanSchedule({
      timers, random: options.random, onDue: (g) => this.#buffer.requestRescan("rescan-interval", g),
    });
    this.#entries = new EntryStore(options.db);
    this.#pusher = new Pusher({
      config: options.config, db: options.db, logger: options.logger, push: options.push, buffer: this.#buffer, timers,
      random: options.random, metrics: options.metrics, halted: (g) => this.rootHalts.isHalted(g),
    });
    this.#checks = new CheckRunner({
      config: options.config, db: options.db, logger: options.logger, timers, metrics: options.metrics, board: options.board,
      check: options.check, stopping: () => this.#stopped,
    });
    this.watchers = new Watchers({
      config: options.config,
      groups: [...this.#groups.values()],
      subscribe: options.subscribe,
      logger: options.logger,
      held: (g, root) => this.rootHalts.looksUnmounted(g, root),
      onEvent: (e) => {
        options.metrics?.watchEvents.inc({ group: e.group });
        const overflows = this.#buffer.stats.overflows;
        this.#buffer.add(e);
        if (this.#buffer.stats.overflows !== overflows) this.#onOverflow();
      },
      onTrouble: (t) => this.#onTrouble(t),
    });
    this.rootHalts = new RootHalts({
      config: options.config, groups: this.#groups, entries: this.#entries, logger: options.logger, timers,
      look: () => this.watchers.verify(),
      onBack: (g) => this.#buffer.requestRescan("root back", g),
      onChange: (halts) => options.board?.setHalts(halts),
      before: options.haltsBefore,
    });
    this.ready = new Promise((resolve) => (this.#resolveReady = resolve));
  }

  async run(): Promise<void> {
    try {
      // #fullCheck subscribes the watchers first (Watchers.retry), then walks.
      if (!this.#stopped) await this.#fullCheck([...this.#groups.keys()], ["start"]);
      this.#resolveReady();
      for (;;) {
        const batch = await this.#buffer.next();
        if (batch === undefined) break;
        try {
          await this.#handle(batch);
        } catch (err) {
          // One bad batch (the index busy beyond its timeout, a push that threw) must not end
          // continuous mode; its groups get a full check later.
          if (this.#stopped) break;
          this.#o.logger.error({ batch: batch.type, err: messageOf(err) }, `continuous mode: ${messageOf(err)}`);
          for (const g of this.#groups.keys()) this.#reschedule(g, false);
        }
      }
    } finally {
      this.#resolveReady();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#schedule.stop();
    this.rootHalts.stop();
    this.#pusher.stopRetries();
    await this.watchers.stop();
    this.#publishWatch();
    // The paths already seen are checked and pushed now; no full check or retry is started.
    this.#buffer.finish();
    this.#o.board?.flush();
  }

  async #handle(batch: Batch): Promise<void> {
    if (batch.type === "rescan") {
      const groups = batch.groups === "all" ? [...this.#groups.keys()] : batch.groups.filter((g) => this.#groups.has(g));
      await this.#fullCheck(groups, batch.reasons);
      return;
    }
    if (batch.type === "push") {
      for (const group of batch.groups) await this.#pusher.push(group, [], { retry: true });
      return;
    }
    const byGroup = new Map<string, DuePath[]>();
    for (const item of batch.items) byGroup.set(item.group, [...(byGroup.get(item.group) ?? []), item]);
    for (const [group, items] of byGroup) await this.#checkPaths(group, items);
  }

  async #checkPaths(group: string, items: readonly DuePath[]): Promise<void> {
    // A directory that appeared, or replaced another (core/subtree-check.ts), is checked with its
    // subtree: files written into it before its watch was added raised no event of their own. A
    // path that is gone is checked with its subtree too (only index records then, cheap): a
    // removed tree does not always report each of its files.
    const trees: string[] = [];
    const single: string[] = [];
    for (const item of items) (needsSubtree(this.#entries, item) ? trees : single).push(item.local);
    const changed = new Set<string>();
    for (const [paths, recursive] of [[single, false], [trees, true]] as const) {
      if (paths.length === 0) continue;
      const release = await this.#o.lock?.();
      let ok;
      try {
        ok = await this.#checks.run("paths", { paths, recursive, groups: [group] }, changed, undefined);
      } finally {
        release?.();
      }
      if (ok === undefined) return void this.#reschedule(group, false);
    }
    await this.#pusher.push(group, [...changed], { sinceMs: items.reduce((m, i) => Math.min(m, i.firstMs), Infinity) });
  }

  async #fullCheck(groups: readonly string[], reasons: readonly string[]): Promise<void> {
    if (groups.length === 0) return;
    const reason = reasons.join("; ");
    for (const r of reasons) this.#o.metrics?.rescans.inc({ reason: reasonLabel(r) });
    this.#o.logger.info({ groups, reason }, "full check");
    // A root that could not be watched may be watchable now (the operator raised a limit).
    // Subscribed before the walk, as at start: what changes after the walk passed is an event.
    await retryWatching(this.watchers, { timers: this.#timers, logger: this.#o.logger });
    this.#publishWatch();
    const changed = new Map<string, Set<string>>(groups.map((g) => [g, new Set<string>()]));
    const stopped = await this.#checks.run("full", { full: true, groups }, undefined, changed, reason);
    for (const g of groups) this.#reschedule(g, stopped !== undefined);
    if (stopped === undefined) return;
    // Before the push: a group whose root it left alone does not push (the pusher asks), one
    // whose root is whole again pushes what waited meanwhile.
    for (const g of groups) this.rootHalts.afterFullCheck(g, stopped);
    // `retry`: push even when nothing changed, for what is still pending from before (a peer
    // that was down when the daemon stopped, a peer new to the group: new-peers.ts).
    for (const [group, paths] of changed) await this.#pusher.push(group, [...paths], { retry: true });
  }

  #reschedule(group: string, ok: boolean): void {
    const g = this.#groups.get(group);
    if (g === undefined) return;
    const interval = nextFullCheckIn({
      ok, rescanIntervalMs: g.rescanIntervalMs,
      unwatched: this.watchers.states().some((s) => s.group === group && s.state !== "watching"),
    });
    if (interval === undefined) this.#schedule.cancel(group);
    else this.#schedule.schedule(group, interval);
    this.#o.board?.setNextFullChecks(this.#schedule.dueTimes());
  }

  #onOverflow(): void {
    this.#o.metrics?.watchOverflows.inc();
    this.#o.logger.warn({ maxPaths: this.#o.maxPaths }, "too many changes at once to track one by one: a full check follows");
  }

  #onTrouble(t: WatchTrouble): void {
    // A root gone because its disk was unmounted halts its group, and that error line says it
    // all. The full check still follows: it tries to watch the root again first, which for one
    // that is missing means waiting for its return (return-watch.ts), and shows the safety stop.
    const halted = (t.kind === "gone" || t.kind === "vanished") && this.rootHalts.judge(t.group, t.root);
    if (!halted) logTrouble(this.#o.logger, t);
    this.#publishWatch();
    // A watch lost on the way may have missed events: a full check soon. A failed attempt to
    // watch (at start, or retried before each full check) is followed by that full check anyway,
    // and asking for another would loop while the limit stays. A watch lost during the initial
    // full check asks too: that check subscribed before its walk, and only the next one
    // subscribes again (the request waits in the buffer until the loop starts).
    if (t.lost) this.#buffer.requestRescan(`watcher: ${t.kind}`, t.group);
  }

  #publishWatch(): void {
    // A daemon with nothing to watch leaves the index alone (a passive server writes nothing).
    if (this.#groups.size === 0) return;
    publishWatchStates(this.watchers.states(), this.#o);
  }
}

/** Whether a due path is checked with its subtree (core/subtree-check.ts): lstat now, its index record. */
function needsSubtree(entries: EntryStore, item: DuePath): boolean {
  const now = diskNow(fsPath(item.local));
  if (now.kind !== "dir" || item.created) return needsSubtreeCheck(item.created, now, undefined);
  return needsSubtreeCheck(item.created, now, recordedDir(entries, item.group, item.path));
}

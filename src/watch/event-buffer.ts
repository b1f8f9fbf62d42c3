// Between the watchers and the checks of continuous mode: events are coalesced per (group,
// path) and handed out when their burst is due (core/debounce-window.ts). The consumer pulls
// with next(); while it is busy (the initial full check, a slow push), events keep collecting
// here, so nothing that happens during a check is lost (lsyncd #226).
//
// Memory is bounded: past `maxPaths` distinct paths the map is dropped and the buffer asks for
// a full check of every group instead ("rescan"), which sees all those changes anyway. Events
// for a group whose full check is already asked for are not kept: that check will see them.

import {
  dueAt, mergeEvent, touchWindow, type DebounceTiming, type EventWindow, type PathEventState, type PathEventType,
} from "../core/debounce-window.js";
import type { Timers } from "./timers.js";

/** One filesystem event, already mapped to the group and logical path it concerns. */
export interface WatchEvent {
  readonly group: string;
  /** Logical path (Config.toLogicalPath). */
  readonly path: string;
  /** Absolute local path, as the watcher reported it. */
  readonly local: string;
  readonly type: PathEventType;
}

/** A path whose burst is due, with its events coalesced. */
export interface DuePath extends PathEventState {
  readonly group: string;
  readonly path: string;
  readonly local: string;
  /** When the burst's first event arrived (the timers' clock): the start of the sync latency. */
  readonly firstMs: number;
}

export type Batch =
  | { readonly type: "paths"; readonly items: readonly DuePath[] }
  /** Full checks wanted: of these groups, or "all". */
  | { readonly type: "rescan"; readonly groups: readonly string[] | "all"; readonly reasons: readonly string[] }
  /** Retry pushing what is still pending for these groups (a peer was down). */
  | { readonly type: "push"; readonly groups: readonly string[] };

export interface EventBufferOptions {
  readonly timers: Timers;
  /** The debounce of each group (Group.debounceMs) and the max delay. */
  readonly timingOf: (group: string) => DebounceTiming;
  /** Most distinct paths kept before collapsing to a full check. @default 10_000 */
  readonly maxPaths?: number;
}

interface Entry extends Omit<DuePath, "firstMs"> {
  readonly window: EventWindow;
}

interface RescanWanted {
  groups: Set<string> | "all";
  readonly reasons: string[];
  window: EventWindow;
}

export const DEFAULT_MAX_PATHS = 10_000;
/** A full check asked for by an overflow or an error still waits for the storm to calm down, this long at most. */
const RESCAN_TIMING: DebounceTiming = { debounceMs: 250, maxDelayMs: 2_000 };

export class EventBuffer {
  readonly #options: EventBufferOptions;
  readonly #maxPaths: number;
  readonly #entries = new Map<string, Entry>();
  #rescan: RescanWanted | undefined;
  readonly #pushes = new Set<string>();
  #waiter: ((batch: Batch | undefined) => void) | undefined;
  #timer: unknown;
  #timerAt = Infinity;
  #closed = false;
  /** finish() was called: every waiting path is due now, nothing new is taken. */
  #finishing = false;
  /** Counters for metrics and status. */
  readonly stats = { events: 0, overflows: 0, batches: 0 };

  constructor(options: EventBufferOptions) {
    this.#options = options;
    this.#maxPaths = options.maxPaths ?? DEFAULT_MAX_PATHS;
  }

  /** Distinct paths waiting. */
  get size(): number {
    return this.#entries.size;
  }

  add(event: WatchEvent): void {
    if (this.#closed || this.#finishing) return;
    this.stats.events++;
    const now = this.#options.timers.now();
    if (this.#covered(event.group)) {
      this.#rescan!.window = touchWindow(this.#rescan!.window, now);
      return;
    }
    const key = `${event.group}\0${event.path}`;
    const old = this.#entries.get(key);
    if (old === undefined && this.#entries.size >= this.#maxPaths) {
      this.stats.overflows++;
      this.#entries.clear();
      this.requestRescan(`more than ${this.#maxPaths} paths changed before they could be checked`);
      return;
    }
    const entry: Entry = {
      group: event.group, path: event.path, local: event.local,
      ...mergeEvent(old, event.type), window: touchWindow(old?.window, now),
    };
    this.#entries.set(key, entry);
    this.#arm(dueAt(entry.window, this.#options.timingOf(entry.group)));
  }

  /** Asks for a full check of `group` (or of every group): overflow, watcher error, the rescan timer. */
  requestRescan(reason: string, group?: string): void {
    if (this.#closed || this.#finishing) return;
    const now = this.#options.timers.now();
    const r = (this.#rescan ??= { groups: new Set(), reasons: [], window: touchWindow(undefined, now) });
    if (group === undefined) r.groups = "all";
    else if (r.groups !== "all") r.groups.add(group);
    if (!r.reasons.includes(reason)) r.reasons.push(reason);
    r.window = touchWindow(r.window, now);
    this.#arm(dueAt(r.window, RESCAN_TIMING));
  }

  /** Asks for a push of what is pending in `group`, without a check (due at once). */
  requestPush(group: string): void {
    if (this.#closed || this.#finishing) return;
    this.#pushes.add(group);
    this.#arm(this.#options.timers.now());
  }

  /** The next due batch; waits until one is. Undefined once closed. One caller at a time. */
  next(): Promise<Batch | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    if (this.#waiter) throw new TypeError("EventBuffer.next() is already waiting");
    const batch = this.#takeDue();
    if (batch) return Promise.resolve(batch);
    if (this.#finishing) {
      this.close();
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#rearm();
    });
  }

  /**
   * For a graceful stop: the paths waiting are handed out at once, whatever their debounce, in
   * one last batch; then next() resolves undefined. Asked-for full checks and push retries are
   * dropped (the next start's full check does them).
   */
  finish(): void {
    if (this.#closed) return;
    this.#finishing = true;
    this.#rescan = undefined;
    this.#pushes.clear();
    if (this.#waiter === undefined) return;
    this.#clearTimer();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    const batch = this.#takeDue();
    if (batch === undefined) this.close();
    waiter(batch);
  }

  close(): void {
    this.#closed = true;
    this.#entries.clear();
    this.#rescan = undefined;
    this.#pushes.clear();
    this.#clearTimer();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(undefined);
  }

  #covered(group: string): boolean {
    const g = this.#rescan?.groups;
    return g !== undefined && (g === "all" || g.has(group));
  }

  /** A full check first (it covers the paths of its groups), then push retries, else every path that is due. */
  #takeDue(): Batch | undefined {
    const now = this.#options.timers.now();
    const r = this.#rescan;
    if (r && dueAt(r.window, RESCAN_TIMING) <= now) {
      this.#rescan = undefined;
      for (const [key, e] of this.#entries) if (r.groups === "all" || r.groups.has(e.group)) this.#entries.delete(key);
      this.stats.batches++;
      return { type: "rescan", groups: r.groups === "all" ? "all" : [...r.groups].sort(), reasons: r.reasons };
    }
    if (this.#pushes.size > 0) {
      const groups = [...this.#pushes].sort();
      this.#pushes.clear();
      this.stats.batches++;
      return { type: "push", groups };
    }
    const items: DuePath[] = [];
    for (const [key, e] of this.#entries) {
      if (!this.#finishing && dueAt(e.window, this.#options.timingOf(e.group)) > now) continue;
      this.#entries.delete(key);
      items.push({ group: e.group, path: e.path, local: e.local, type: e.type, created: e.created, firstMs: e.window.firstMs });
    }
    if (items.length === 0) return undefined;
    this.stats.batches++;
    return { type: "paths", items };
  }

  /** Makes sure a waiting consumer is woken by `at`. Without a waiter, next() looks for itself. */
  #arm(at: number): void {
    if (this.#waiter === undefined || at >= this.#timerAt) return;
    this.#clearTimer();
    this.#timerAt = at;
    this.#timer = this.#options.timers.setTimeout(() => this.#fire(), Math.max(0, at - this.#options.timers.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#waiter === undefined) return;
    const batch = this.#takeDue();
    if (batch === undefined) return this.#rearm();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter(batch);
  }

  /** Arms the timer for the earliest due burst (one pass over at most maxPaths entries). */
  #rearm(): void {
    let at = this.#pushes.size > 0 ? this.#options.timers.now() : this.#rescan ? dueAt(this.#rescan.window, RESCAN_TIMING) : Infinity;
    for (const e of this.#entries.values()) at = Math.min(at, dueAt(e.window, this.#options.timingOf(e.group)));
    if (at !== Infinity) this.#arm(at);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }
}

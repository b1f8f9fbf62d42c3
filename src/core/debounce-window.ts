// When a burst of filesystem events on one path is ready to be checked (continuous mode, DESIGN
// §8). A path waits until it has been quiet for `debounceMs`, but never longer than
// `maxDelayMs` after its first event, so a file written without pause (a log) is still checked
// at least once per max delay, and at most once per window. Pure: the caller owns the clock.

export interface DebounceTiming {
  /** Quiet time after the last event before the path is checked. */
  readonly debounceMs: number;
  /** Longest wait after the first event of a burst, however busy the path stays. */
  readonly maxDelayMs: number;
}

/** The first and the latest event of one burst on one path (ms on the caller's clock). */
export interface EventWindow {
  readonly firstMs: number;
  readonly lastMs: number;
}

/** The window after an event at `nowMs`: a new burst, or the same burst one event longer. */
export function touchWindow(window: EventWindow | undefined, nowMs: number): EventWindow {
  return window === undefined ? { firstMs: nowMs, lastMs: nowMs } : { firstMs: window.firstMs, lastMs: Math.max(window.lastMs, nowMs) };
}

/** When the burst is ready: quiet for debounceMs, or maxDelayMs after its first event. */
export function dueAt(window: EventWindow, timing: DebounceTiming): number {
  // A max delay shorter than the debounce would flush before the quiet time could ever pass;
  // the debounce is the floor.
  const cap = window.firstMs + Math.max(timing.maxDelayMs, timing.debounceMs);
  return Math.min(window.lastMs + timing.debounceMs, cap);
}

export function isDue(window: EventWindow, timing: DebounceTiming, nowMs: number): boolean {
  return dueAt(window, timing) <= nowMs;
}

/** What parcel reports, coalesced per path between two checks. */
export type PathEventType = "create" | "update" | "delete";

export interface PathEventState {
  /** The last event seen. */
  readonly type: PathEventType;
  /**
   * Some event of the burst created the path. A directory that appears is checked with its
   * whole subtree: files written into it before its watch was added raised no event of their own.
   */
  readonly created: boolean;
}

export function mergeEvent(previous: PathEventState | undefined, type: PathEventType): PathEventState {
  return { type, created: (previous?.created ?? false) || type === "create" };
}

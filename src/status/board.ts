// What a running daemon knows that the index does not: its watchers, its last checks, the last
// result of each push and action. The daemon keeps it here and writes it to the index's meta
// table (key "daemon.status", at most once a second), so `peersync status` in another process
// can show it. The sync engine and the action runner report through the same object.

import type { Db } from "../index/database.js";
import { MetaStore } from "../index/meta.js";
import type { RootHalt } from "../watch/root-halts.js";
import type { RootState } from "../watch/watcher.js";
import type { Timers } from "../watch/timers.js";
import { foldRun } from "./run-record.js";

export const BOARD_KEY = "daemon.status";

export interface CheckFact {
  readonly atMs: number;
  readonly scope: "full" | "paths";
  readonly durationMs: number;
  readonly changes: number;
  readonly reason: string | undefined;
  /** "PATH: message" of the check's first safety stop (a root that looks unmounted), if any. */
  readonly safetyStop?: string | undefined;
}

export interface PeerFact {
  readonly group: string;
  readonly peer: string;
  /** Last push that the peer completed. */
  readonly lastSyncMs: number | undefined;
  readonly lastErrorMs: number | undefined;
  readonly lastError: string | undefined;
}

export interface ActionFact {
  readonly group: string;
  readonly atMs: number;
  readonly ok: boolean;
  readonly message: string | undefined;
}

export interface DaemonFacts {
  readonly pid: number;
  readonly updatedAtMs: number;
  readonly watch: readonly RootState[];
  /** Include roots that look unmounted, whose groups push nothing until they are back (absent: a daemon from before). */
  readonly halts?: readonly RootHalt[];
  readonly lastFullCheck: CheckFact | undefined;
  readonly lastCheck: CheckFact | undefined;
  readonly peers: readonly PeerFact[];
  readonly lastAction: ActionFact | undefined;
  /** ms since the epoch of each group's next full check. */
  readonly nextFullCheck: Readonly<Record<string, number>>;
}

export interface StatusBoardOptions {
  readonly timers: Timers;
  /** Where to persist; undefined keeps the facts in memory only (tests). */
  readonly db?: Db;
  /** @default process.pid */
  readonly pid?: number;
}

export class StatusBoard {
  readonly #options: StatusBoardOptions;
  readonly #meta: MetaStore | undefined;
  #watch: readonly RootState[] = [];
  #halts: readonly RootHalt[] = [];
  #lastFull: CheckFact | undefined;
  #last: CheckFact | undefined;
  readonly #peers = new Map<string, PeerFact>();
  #action: ActionFact | undefined;
  #next: Record<string, number> = {};
  #timer: unknown;
  /** Something changed since the last write (a board nobody reported to never writes). */
  #dirty = false;
  #closed = false;

  constructor(options: StatusBoardOptions) {
    this.#options = options;
    this.#meta = options.db ? new MetaStore(options.db) : undefined;
  }

  /**
   * The daemon is up: its pid is written at once. Without it, a daemon whose groups are all
   * `watch no` (csync2's cron style) never checked, so never wrote, and `status` said it never
   * ran while it served its peers.
   */
  announce(): void {
    this.#changed();
    this.flush();
  }

  setWatch(states: readonly RootState[]): void {
    this.#watch = states;
    this.#changed();
  }

  setHalts(halts: readonly RootHalt[]): void {
    this.#halts = halts;
    this.#changed();
  }

  setNextFullChecks(dueTimes: ReadonlyMap<string, number>): void {
    this.#next = Object.fromEntries(dueTimes);
    this.#changed();
  }

  recordCheck(fact: CheckFact): void {
    this.#last = fact;
    if (fact.scope === "full") this.#lastFull = fact;
    this.#changed();
  }

  /**
   * The sync engine: a push to `peer` went through (`reached`), failed (`error`), or went
   * through with paths the peer refused (both).
   */
  recordPeer(group: string, peer: string, error?: string, reached = error === undefined): void {
    const key = `${group}\0${peer}`;
    const old = this.#peers.get(key);
    // The same fold as a sync run's record (run-record.ts), so both mean the same.
    const [fact] = foldRun(old ? [old] : [], [{ group, peer, reached, error }], this.#options.timers.now());
    this.#peers.set(key, fact!);
    this.#changed();
  }

  /** The action runner: a run finished. */
  recordAction(group: string, ok: boolean, message?: string): void {
    this.#action = { group, atMs: this.#options.timers.now(), ok, message };
    this.#changed();
  }

  facts(): DaemonFacts {
    return {
      pid: this.#options.pid ?? process.pid,
      updatedAtMs: this.#options.timers.now(),
      watch: this.#watch,
      halts: this.#halts,
      lastFullCheck: this.#lastFull,
      lastCheck: this.#last,
      peers: [...this.#peers.values()],
      lastAction: this.#action,
      nextFullCheck: this.#next,
    };
  }

  /** Writes the facts now, if anything changed (on stop: the last word says the watchers stopped). */
  flush(): void {
    if (this.#timer !== undefined) this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#dirty) return;
    this.#dirty = false;
    try {
      this.#meta?.set(BOARD_KEY, JSON.stringify(this.facts()));
    } catch {
      // The index is busy or closed: status shows slightly older facts, nothing worse.
    }
  }

  close(): void {
    this.flush();
    this.#closed = true;
  }

  #changed(): void {
    if (this.#closed) return;
    this.#dirty = true;
    if (this.#meta === undefined || this.#timer !== undefined) return;
    this.#timer = this.#options.timers.setTimeout(() => this.flush(), 1_000);
  }
}

/** The facts the last daemon wrote, or undefined (none ran, or an unreadable row). */
export function readDaemonFacts(db: Db): DaemonFacts | undefined {
  const text = new MetaStore(db).get(BOARD_KEY);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as DaemonFacts;
  } catch {
    return undefined;
  }
}

// The last push to each peer made by a `peersync sync` / `update` run, for `peersync status`:
// a node run from cron (csync2's way, groups `watch no`) has a daemon that only serves, so the
// daemon's own record of pushes (board.ts) stays empty there. Kept in the index's meta table
// (key "sync.peers"), merged per (group, peer), read by status from another process. Pure
// merging here; the caller reads and writes the meta row.

import type { Db } from "../index/database.js";
import { MetaStore } from "../index/meta.js";
import type { PeerFact } from "./board.js";

export const RUN_RECORD_KEY = "sync.peers";

/**
 * How one run ended with one peer: `reached` when its push went through (the peer's last
 * sync), `error` when something went wrong: the peer not reached, a safety stop, or paths it
 * refused (then both).
 */
export interface RunOutcome {
  readonly group: string;
  readonly peer: string;
  readonly reached: boolean;
  readonly error: string | undefined;
}

/** `facts` with this run's outcomes folded in: reaching moves lastSyncMs, an error lastError. */
export function foldRun(facts: readonly PeerFact[], outcomes: readonly RunOutcome[], atMs: number): PeerFact[] {
  const byKey = new Map(facts.map((f) => [`${f.group}\0${f.peer}`, f]));
  for (const o of outcomes) {
    const key = `${o.group}\0${o.peer}`;
    const old = byKey.get(key);
    byKey.set(key, {
      group: o.group, peer: o.peer,
      lastSyncMs: o.reached ? atMs : old?.lastSyncMs,
      lastErrorMs: o.error === undefined ? old?.lastErrorMs : atMs,
      lastError: o.error ?? old?.lastError,
    });
  }
  return [...byKey.values()];
}

/** A push's per-path errors as the peer's last error (the push itself reached the peer). */
export function problemsText(problems: readonly { readonly path: string; readonly message: string }[]): string | undefined {
  const first = problems[0];
  if (first === undefined) return undefined;
  return `${problems.length} path(s) not synced, first ${first.path}: ${first.message}`;
}

/** One peer's facts from the daemon and from sync runs as one: the later sync, the later error. */
export function mergeFacts(a: PeerFact | undefined, b: PeerFact | undefined): PeerFact | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const error = (a.lastErrorMs ?? -1) >= (b.lastErrorMs ?? -1) ? a : b;
  const lastSyncMs = Math.max(a.lastSyncMs ?? -1, b.lastSyncMs ?? -1);
  return { group: a.group, peer: a.peer, lastSyncMs: lastSyncMs < 0 ? undefined : lastSyncMs, lastErrorMs: error.lastErrorMs, lastError: error.lastError };
}

export function readRunRecord(db: Db): PeerFact[] {
  const text = new MetaStore(db).get(RUN_RECORD_KEY);
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as PeerFact[]) : [];
  } catch {
    return [];
  }
}

/** Folds a run's outcomes into the index's record (read, fold, write in one transaction). */
export function recordRun(db: Db, outcomes: readonly RunOutcome[], atMs: number): void {
  if (outcomes.length === 0) return;
  const meta = new MetaStore(db);
  db.transaction(() => meta.set(RUN_RECORD_KEY, JSON.stringify(foldRun(readRunRecord(db), outcomes, atMs)))).immediate();
}

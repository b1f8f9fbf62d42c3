// What one run of an action covers: the queue rows it settles and the paths it is handed. Rows
// of the same group and action are one run (their paths each named once), and a trigger that
// coalesces into a waiting run (coalescer.ts) merges the same way. Kept apart from the
// dispatcher, which decides when runs happen, so the merge rule has a table of its own. Pure.

import type { QueuedAction } from "../index/action-queue.js";

/** The paths and queue rows one run covers; merged when triggers coalesce. */
export interface RunInput {
  readonly ids: readonly number[];
  readonly paths: readonly string[];
}

export function mergeInputs(a: RunInput, b: RunInput): RunInput {
  return { ids: [...a.ids, ...b.ids], paths: [...new Set([...a.paths, ...b.paths])] };
}

/** Queue rows as runs: one per group and action, in the order of each one's first row. */
export function inputsByAction(rows: readonly QueuedAction[]): { group: string; actionId: string; input: RunInput }[] {
  const byAction = new Map<string, { group: string; actionId: string; input: RunInput }>();
  for (const row of rows) {
    const key = `${row.group}\0${row.actionId}`;
    const seen = byAction.get(key);
    const input = { ids: [row.id], paths: row.paths };
    byAction.set(key, { group: row.group, actionId: row.actionId, input: seen ? mergeInputs(seen.input, input) : input });
  }
  return [...byAction.values()];
}

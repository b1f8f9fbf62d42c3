// Action results for `peersync status`: every run this node made (daemon or one-shot sync),
// counted in the index's meta table (key "actions.results"), with the last run and the last
// failure. Written by whoever runs actions (ActionDispatcher's onResult), read by status from
// another process; kept across restarts, as the queue is.

import type { ActionResult } from "../actions/runner.js";
import type { Db } from "../index/database.js";
import { MetaStore } from "../index/meta.js";
import type { ActionFact } from "./board.js";

export const ACTION_RECORD_KEY = "actions.results";

export interface ActionCounts {
  readonly runs: number;
  readonly failed: number;
  readonly timedOut: number;
}

export interface ActionRecord extends ActionCounts {
  readonly last: ActionFact | undefined;
  readonly lastFailure: ActionFact | undefined;
  readonly byGroup: Readonly<Record<string, ActionCounts>>;
}

export const EMPTY_ACTION_RECORD: ActionRecord = { runs: 0, failed: 0, timedOut: 0, last: undefined, lastFailure: undefined, byGroup: {} };

/** "exited with code 3", "timed out after 1000 ms; …": what status shows of a failed run. */
export function failureText(result: ActionResult): string | undefined {
  if (result.ok) return undefined;
  const what = result.error ?? (result.signal !== null ? `killed by ${result.signal}` : `exited with code ${String(result.exitCode)}`);
  return `${result.action.exec}: ${what} (log ${result.logfile})`;
}

export function addResult(record: ActionRecord, result: ActionResult, atMs: number): ActionRecord {
  const bump = (c: ActionCounts): ActionCounts => ({
    runs: c.runs + 1, failed: c.failed + (result.ok ? 0 : 1), timedOut: c.timedOut + (result.timedOut ? 1 : 0),
  });
  const fact: ActionFact = { group: result.group, atMs, ok: result.ok, message: failureText(result) };
  return {
    ...bump(record),
    last: fact,
    lastFailure: result.ok ? record.lastFailure : fact,
    byGroup: { ...record.byGroup, [result.group]: bump(record.byGroup[result.group] ?? { runs: 0, failed: 0, timedOut: 0 }) },
  };
}

export function readActionRecord(db: Db): ActionRecord {
  const text = new MetaStore(db).get(ACTION_RECORD_KEY);
  if (text === undefined) return EMPTY_ACTION_RECORD;
  try {
    return { ...EMPTY_ACTION_RECORD, ...(JSON.parse(text) as Partial<ActionRecord>) };
  } catch {
    return EMPTY_ACTION_RECORD;
  }
}

/** An onResult for ActionDispatcher: counts the run in the index (read, add, write; one writer at a time per index). */
export function actionRecorder(db: Db, now: () => number = Date.now): (result: ActionResult) => void {
  const meta = new MetaStore(db);
  const update = db.transaction((result: ActionResult) => {
    meta.set(ACTION_RECORD_KEY, JSON.stringify(addResult(readActionRecord(db), result, now())));
  });
  return (result) => update.immediate(result);
}

import assert from "node:assert/strict";
import { test } from "node:test";
import type { ActionResult } from "../actions/runner.js";
import type { Action } from "../config/types.js";
import { addResult, EMPTY_ACTION_RECORD } from "./action-record.js";

const action: Action = { patterns: [], exec: "reload", logfile: "/var/log/a", doLocal: false, doLocalOnly: false, timeoutMs: 1000, at: { file: "t", line: 1, column: 1 } };

function result(over: Partial<ActionResult>): ActionResult {
  return { group: "web", action, paths: [], ok: true, exitCode: 0, signal: null, timedOut: false, durationMs: 1, logfile: action.logfile, error: undefined, ...over };
}

test("addResult() counts runs, failures and timeouts, per group too, and keeps the last failure", () => {
  let r = addResult(EMPTY_ACTION_RECORD, result({ ok: false, exitCode: 3 }), 1);
  r = addResult(r, result({ ok: false, exitCode: null, signal: "SIGTERM", timedOut: true, error: "timed out after 1000 ms; process group killed" }), 2);
  r = addResult(r, result({ group: "db" }), 3);
  assert.deepEqual([r.runs, r.failed, r.timedOut], [3, 2, 1]);
  assert.deepEqual(r.byGroup, { web: { runs: 2, failed: 2, timedOut: 1 }, db: { runs: 1, failed: 0, timedOut: 0 } });
  assert.deepEqual(r.last, { group: "db", atMs: 3, ok: true, message: undefined });
  assert.deepEqual(r.lastFailure, { group: "web", atMs: 2, ok: false, message: "reload: timed out after 1000 ms; process group killed (log /var/log/a)" });
  assert.equal(addResult(EMPTY_ACTION_RECORD, result({ ok: false, exitCode: 3 }), 1).lastFailure?.message, "reload: exited with code 3 (log /var/log/a)");
});

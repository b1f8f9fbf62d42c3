import assert from "node:assert/strict";
import { test } from "node:test";
import { lossMessage, lossReasonOfLabel, replacedBy, reportLoss, reportUnkept, type LostVersion } from "./loss-report.js";
import type { SyncIndex } from "./sync-index.js";
import type { Logger } from "pino";

const lost = (reason: string, note?: string): LostVersion => ({ group: "web", path: "%www%/a", backup: "/b/a", reason, peer: "beta", ...(note ? { note } : {}) });

test("lossReasonOfLabel() reads the peer's label from this node's side", () => {
  const cases: [string, "file" | "dir" | "symlink", string][] = [
    ["conflict-local-wins (younger)", "file", "conflict (younger)"],
    ["conflict-local-wins (tie-break)", "file", "conflict (tie-break)"],
    ["conflict-remote-wins (forced)", "file", "conflict (forced)"],
    ["conflict-local-wins", "file", "conflict"],
    ["take-remote", "dir", "file replaced by a directory"],
    ["take-remote", "symlink", "file replaced by a symlink"],
    ["take-remote", "file", "file replaced"],
  ];
  for (const [label, kind, want] of cases) assert.equal(lossReasonOfLabel(label, kind), want, label);
  assert.equal(replacedBy("dir"), "file replaced by a directory");
});

test("lossMessage() words each reason, keeping the prefixes operators grep for", () => {
  const cases: [LostVersion, string][] = [
    [lost("conflict (younger)"), "lost a conflict (younger) to beta: %www%/a backed up to /b/a"],
    [lost("conflict (older)", "the winner could not be fetched yet"), "lost a conflict (older) to beta: %www%/a backed up to /b/a (the winner could not be fetched yet)"],
    [lost("drift"), "drift: local change to %www%/a replaced by the group's version from beta; %www%/a backed up to /b/a"],
    [lost("file replaced by a directory"), "file replaced by a directory from beta: %www%/a backed up to /b/a"],
  ];
  for (const [l, want] of cases) assert.equal(lossMessage(l), want);
});

test("reportLoss() logs the loss at warn even when the index cannot record it, and says so instead of throwing", () => {
  const lines: string[] = [];
  const logger = { warn: (_f: object, m: string) => void lines.push(`warn ${m}`), error: (_f: object, m: string) => void lines.push(`error ${m}`) } as unknown as Logger;
  const index = { losses: { record: () => { throw new Error("database or disk is full"); } } } as unknown as SyncIndex;
  assert.doesNotThrow(() => reportLoss(index, logger, lost("conflict (younger)"), 5));
  assert.deepEqual(lines, [
    "warn lost a conflict (younger) to beta: %www%/a backed up to /b/a",
    "error cannot record the loss of %www%/a for status: database or disk is full",
  ]);
});

test("reportUnkept() warns and records the loss with no backup path, for status", () => {
  const lines: string[] = [];
  const rows: unknown[] = [];
  const logger = { warn: (_f: object, m: string) => void lines.push(`warn ${m}`) } as unknown as Logger;
  const index = { losses: { record: (r: unknown) => void rows.push(r) } } as unknown as SyncIndex;
  reportUnkept(index, logger, { group: "web", path: "%www%/a", reason: "conflict (younger)", peer: "beta" }, 5);
  assert.deepEqual(lines, ["warn lost a conflict (younger) to beta: %www%/a replaced, no copy kept (backup-generations 0)"]);
  assert.deepEqual(rows, [{ group: "web", path: "%www%/a", backup: null, reason: "conflict (younger)", peer: "beta", atMs: 5 }]);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { lossMessage, lossReasonOfLabel, replacedBy, type LostVersion } from "./loss-report.js";

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

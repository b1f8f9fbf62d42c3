import assert from "node:assert/strict";
import { test } from "node:test";
import type { MatchResult } from "../config/types.js";
import { uncoveredReason, type UncoveredReason } from "./coverage.js";

// A group that includes %data% but excludes %data%/logs (and lists %data%/www only to descend).
const match = (path: string): MatchResult =>
  path === "%data%/logs" || path.startsWith("%data%/logs/") ? "ignore" : path === "%data%" || path.startsWith("%data%/") ? "match" : path === "%www%" ? "descend" : "ignore";
const groups = [{ name: "g", match }];

const cases: readonly { group: string; path: string; want: UncoveredReason | undefined }[] = [
  { group: "g", path: "%data%/f1", want: undefined },
  { group: "g", path: "%data%", want: undefined },
  { group: "g", path: "%data%/logs", want: "not-included" },
  { group: "g", path: "%data%/logs/x.log", want: "not-included" },
  { group: "g", path: "%www%", want: "not-included" },
  { group: "old", path: "%data%/f1", want: "group-gone" },
];

for (const c of cases) {
  test(`uncoveredReason(${c.group}, ${c.path}) is ${String(c.want)}`, () => assert.equal(uncoveredReason(groups, c.group, c.path), c.want));
}

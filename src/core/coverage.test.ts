import assert from "node:assert/strict";
import { test } from "node:test";
import type { MatchResult } from "../config/types.js";
import { coveringGroup, uncoveredReason, type UncoveredReason } from "./coverage.js";

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

// Two groups that split %data% between them (web first, so it wins where both select a path).
const web = { name: "web", match: (p: string): MatchResult => (p.startsWith("%data%/www") ? "match" : p === "%data%" ? "descend" : "ignore") };
const all = { name: "all", match: (p: string): MatchResult => (p === "%data%" || p.startsWith("%data%/") ? "match" : "ignore") };
const coverCases: readonly { path: string; groups: readonly (typeof web)[]; want: string | undefined }[] = [
  { path: "%data%/www/index.html", groups: [web, all], want: "web" },
  { path: "%data%/www/index.html", groups: [all, web], want: "all" },
  { path: "%data%/etc/app.conf", groups: [web, all], want: "all" },
  { path: "%data%", groups: [web, all], want: "all" },
  { path: "%data%", groups: [web], want: undefined },
  { path: "%other%/x", groups: [web, all], want: undefined },
  { path: "%data%/x", groups: [], want: undefined },
];

for (const c of coverCases) {
  test(`coveringGroup(${c.groups.map((g) => g.name).join(",") || "none"}, ${c.path}) is ${String(c.want)}`, () => assert.equal(coveringGroup(c.groups, c.path)?.name, c.want));
}

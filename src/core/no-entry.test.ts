import assert from "node:assert/strict";
import { test } from "node:test";
import { compileMatcher, type PatternSpec } from "../config/match.js";
import { noEntryMessage, whyNoEntry, type ArgumentGroup, type NoEntryReason } from "./no-entry.js";

function group(name: string, specs: readonly PatternSpec[]): ArgumentGroup {
  return {
    name,
    include: specs.filter((s) => s.include).map((s) => s.pattern),
    exclude: specs.filter((s) => !s.include).map((s) => s.pattern),
    match: compileMatcher(specs),
  };
}
const inc = (pattern: string): PatternSpec => ({ pattern, include: true, compare: false });
const exc = (pattern: string): PatternSpec => ({ pattern, include: false, compare: false });

const www = group("www", [inc("%www%"), exc("*.tmp"), exc("%www%/cache"), exc(".git")]);
const conf = group("conf", [inc("/etc/nginx/*.conf"), exc("/etc/nginx/old.*")]);
const groups = [www, conf];

const cases: { name: string; path: string; recursive?: boolean; onDisk: boolean; want: NoEntryReason }[] = [
  { name: "under an include root, on disk: never checked", path: "%www%/a", onDisk: true, want: { kind: "unchecked" } },
  { name: "under an include root, not on disk: nowhere", path: "%www%/typo", onDisk: false, want: { kind: "nowhere" } },
  { name: "outside every include root", path: "/tmp/a", onDisk: true, want: { kind: "not-included" } },
  { name: "excluded by a basename pattern", path: "%www%/a.tmp", onDisk: true, want: { kind: "excluded", group: "www", pattern: "*.tmp" } },
  { name: "below an excluded directory", path: "%www%/cache/x", onDisk: false, want: { kind: "excluded", group: "www", pattern: "%www%/cache" } },
  { name: "inside a directory a basename pattern excludes", path: "%www%/site/.git/refs/HEAD", onDisk: true, want: { kind: "excluded", group: "www", pattern: ".git", directory: "%www%/site/.git" } },
  { name: "inside a directory a basename pattern excludes, not on disk", path: "%www%/a.tmp/x", onDisk: false, want: { kind: "excluded", group: "www", pattern: "*.tmp", directory: "%www%/a.tmp" } },
  { name: "an exclude line outside the include lines is not why", path: "/tmp/a.tmp", onDisk: true, want: { kind: "not-included" } },
  { name: "under a walk root, but no include pattern selects it", path: "/etc/nginx/a.txt", onDisk: true, want: { kind: "not-included" } },
  { name: "selected by a glob include, then excluded", path: "/etc/nginx/old.conf", onDisk: true, want: { kind: "excluded", group: "conf", pattern: "/etc/nginx/old.*" } },
  { name: "selected by a glob include", path: "/etc/nginx/new.conf", onDisk: false, want: { kind: "nowhere" } },
  { name: "a directory above an include root, alone", path: "/etc", onDisk: true, want: { kind: "not-included" } },
  { name: "a directory above an include root, with -r", path: "/etc", recursive: true, onDisk: true, want: { kind: "unchecked" } },
];

for (const c of cases) {
  test(`whyNoEntry(): ${c.name}`, () => assert.deepEqual(whyNoEntry(groups, c.path, { recursive: c.recursive ?? false, onDisk: c.onDisk }), c.want));
}

test("whyNoEntry() takes the first group that excludes it", () => {
  const other = group("other", [inc("%www%"), exc("a.*")]);
  assert.deepEqual(whyNoEntry([other, www], "%www%/a.tmp", { recursive: false, onDisk: true }), { kind: "excluded", group: "other", pattern: "a.*" });
});

test("whyNoEntry(): included by one group is included, whatever another excludes", () => {
  const all = group("all", [inc("%www%")]);
  assert.deepEqual(whyNoEntry([www, all], "%www%/a.tmp", { recursive: false, onDisk: true }), { kind: "unchecked" });
});

const messages: { name: string; reason: NoEntryReason; checkedFirst?: boolean; why: RegExp; hint: RegExp }[] = [
  { name: "not included: the include lines", reason: { kind: "not-included" }, why: /^no group of this node includes it$/, hint: /include lines/ },
  { name: "excluded: the group and the line", reason: { kind: "excluded", group: "www", pattern: "*.tmp" }, why: /^group "www" excludes it \(exclude \*\.tmp;\)$/, hint: /exclude line/ },
  { name: "excluded directory: the group, the directory and the line", reason: { kind: "excluded", group: "www", pattern: ".git", directory: "%www%/.git" }, why: /^group "www" excludes the directory "%www%\/\.git" it is in \(exclude \.git;\)$/, hint: /exclude line/ },
  { name: "never checked: check it first", reason: { kind: "unchecked" }, why: /never checked/, hint: /^`peersync check PATH` records it first$/ },
  { name: "checked just before: check says why", reason: { kind: "unchecked" }, checkedFirst: true, why: /did not record it/, hint: /reports why/ },
  { name: "nowhere: the name", reason: { kind: "nowhere" }, why: /neither on this disk nor in the index/, hint: /list-pending/ },
];

for (const c of messages) {
  test(`noEntryMessage(): ${c.name}`, () => {
    const m = noEntryMessage(c.reason, { checkedFirst: c.checkedFirst ?? false });
    assert.match(m.why, c.why);
    assert.match(m.hint, c.hint);
  });
}

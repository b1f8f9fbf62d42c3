import assert from "node:assert/strict";
import { test } from "node:test";
import { compileMatcher, type PatternSpec } from "./match.js";
import { shallowIncludeNote, shallowIncludes } from "./shallow-includes.js";

const inc = (pattern: string): PatternSpec => ({ pattern, include: true, compare: false });
const exc = (pattern: string): PatternSpec => ({ pattern, include: false, compare: false });
const group = (specs: PatternSpec[]) => ({
  name: "g",
  include: specs.filter((s) => s.include).map((s) => s.pattern),
  match: compileMatcher(specs),
});

const CASES: { name: string; specs: PatternSpec[]; want: string[] }[] = [
  { name: "** in the last segment stops at its directory", specs: [inc("/srv/**.conf")], want: ["/srv"] },
  { name: "a prefix root too", specs: [inc("%www%/**.html")], want: ["%www%"] },
  { name: "at the top", specs: [inc("/**.conf")], want: ["/"] },
  { name: "** in a directory segment walks every directory below", specs: [inc("/srv/**/x.conf")], want: [] },
  { name: "no ** at all", specs: [inc("/srv/*.conf")], want: [] },
  { name: "another include covers the directories", specs: [inc("/srv/**.conf"), inc("/srv")], want: [] },
  { name: "another include leads into every directory below", specs: [inc("/srv/**.conf"), inc("/srv/*/*.conf")], want: [] },
  { name: "an exclude line dropping the directories leaves it shallow", specs: [inc("/srv"), exc("/srv/*"), inc("/srv/**.conf")], want: ["/srv"] },
  { name: "a basename include is not walked from", specs: [inc("/srv"), inc("**.conf")], want: [] },
  { name: "a glob directory is not guessed at", specs: [inc("/srv/*/**.conf")], want: [] },
];

for (const c of CASES) {
  test(`shallowIncludes(): ${c.name}`, () => assert.deepEqual(shallowIncludes(group(c.specs)).map((s) => s.stopsAt), c.want));
}

test("shallowIncludeNote() names the group, the line, where the walk stops and the fix", () => {
  const note = shallowIncludeNote({ group: "web", pattern: "/srv/**.conf", stopsAt: "/srv" });
  assert.match(note, /^group web: include \/srv\/\*\*\.conf takes files in \/srv only: /);
  assert.match(note, /include \/srv whole, or name the directories/);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { ConflictNotices, conflictKey, versionPair, type NoticeLevel } from "./conflict-notice.js";
import { file, gone } from "./testing-entries.js";

const ours = file({ vector: { a: 2, b: 1 }, hash: "aa" });
const theirs = file({ vector: { a: 1, b: 2 }, hash: "bb", by: "b" });
const oursAgain = file({ vector: { a: 3, b: 1 }, hash: "cc" });
const theirsAgain = file({ vector: { a: 1, b: 3 }, hash: "dd", by: "b" });
const here = conflictKey("g", "/srv/app.conf", "b");
const there = conflictKey("g", "/srv/app.conf", "c");
const same = versionPair(ours, theirs);

/** One meeting of a conflict: where, over which versions, whether the index already held it. */
interface Meet { readonly key: string; readonly pair: string; readonly recorded: boolean; readonly want: NoticeLevel }
const first = (key = here, pair = same): Meet => ({ key, pair, recorded: false, want: "warn" });

const cases: readonly { name: string; meets: readonly Meet[] }[] = [
  { name: "a new conflict warns", meets: [first()] },
  {
    name: "retries of the same conflict are debug",
    meets: [first(), { key: here, pair: same, recorded: true, want: "debug" }, { key: here, pair: same, recorded: true, want: "debug" }],
  },
  { name: "our version changed: warns again", meets: [first(), { key: here, pair: versionPair(oursAgain, theirs), recorded: true, want: "warn" }] },
  { name: "their version changed: warns again", meets: [first(), { key: here, pair: versionPair(ours, theirsAgain), recorded: true, want: "warn" }] },
  { name: "their side deleted it: warns again", meets: [first(), { key: here, pair: versionPair(ours, gone({ vector: { a: 1, b: 3 }, by: "b" })), recorded: true, want: "warn" }] },
  {
    name: "settled (gone from the index) and back over the same versions: warns again",
    meets: [first(), { key: here, pair: same, recorded: true, want: "debug" }, { key: here, pair: same, recorded: false, want: "warn" }],
  },
  {
    name: "held by the index but not told by this process (a restarted daemon): warns once",
    meets: [{ key: here, pair: same, recorded: true, want: "warn" }, { key: here, pair: same, recorded: true, want: "debug" }],
  },
  {
    name: "the same path with another peer is its own conflict",
    meets: [first(), first(there), { key: here, pair: same, recorded: true, want: "debug" }, { key: there, pair: same, recorded: true, want: "debug" }],
  },
  {
    name: "after a new version, its retries are debug again",
    meets: [first(), { key: here, pair: versionPair(oursAgain, theirs), recorded: true, want: "warn" }, { key: here, pair: versionPair(oursAgain, theirs), recorded: true, want: "debug" }],
  },
  { name: "no version of ours recorded", meets: [first(here, versionPair(undefined, theirs)), { key: here, pair: versionPair(undefined, theirs), recorded: true, want: "debug" }] },
];

for (const c of cases) {
  test(`ConflictNotices.notice(): ${c.name}`, () => {
    const notices = new ConflictNotices();
    assert.deepEqual(c.meets.map((m) => notices.notice(m.key, m.pair, m.recorded)), c.meets.map((m) => m.want));
  });
}

test("ConflictNotices.notice(): past its limit the place told longest ago is forgotten (told once more)", () => {
  const notices = new ConflictNotices(2);
  const at = (p: string): string => conflictKey("g", p, "b");
  for (const p of ["/1", "/2"]) notices.notice(at(p), same, false);
  assert.equal(notices.notice(at("/1"), same, true), "debug"); // /1 is now the newest
  notices.notice(at("/3"), same, false); // /2 goes
  assert.equal(notices.notice(at("/1"), same, true), "debug");
  assert.equal(notices.notice(at("/2"), same, true), "warn");
});

test("ConflictNotices.notice(): a one-shot run's notices are all debug (its summary names each conflict)", () => {
  const notices = new ConflictNotices(undefined, true);
  const at = conflictKey("g", "/1", "b");
  assert.deepEqual([notices.notice(at, same, false), notices.notice(at, same, true)], ["debug", "debug"]);
});

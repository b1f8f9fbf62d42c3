import assert from "node:assert/strict";
import { test } from "node:test";
import { compareListings, describeDifference, formatDifference, type Listed } from "./compare.js";
import { dir, file, gone, link } from "./testing-entries.js";

const at = (path: string, entry: Listed["entry"]): Listed => ({ path, entry });

const cases: { name: string; local: Listed[]; remote: Listed[]; want: string[]; ignore?: { uid: boolean; gid: boolean; mod: boolean } }[] = [
  { name: "empty listings are in sync", local: [], remote: [], want: [] },
  { name: "the same file is in sync", local: [at("/a", file())], remote: [at("/a", file())], want: [] },
  { name: "different vectors with the same state are in sync", local: [at("/a", file({ vector: { a: 2 } }))], remote: [at("/a", file({ vector: { b: 7 }, by: "b" }))], want: [] },
  { name: "only here is L", local: [at("/a", file())], remote: [], want: ["L /a"] },
  { name: "only there is R", local: [], remote: [at("/a", dir())], want: ["R /a"] },
  { name: "a tombstone counts as absent (L)", local: [at("/a", file())], remote: [at("/a", gone())], want: ["L /a"] },
  { name: "a tombstone counts as absent (R)", local: [at("/a", gone())], remote: [at("/a", link())], want: ["R /a"] },
  { name: "two tombstones are in sync", local: [at("/a", gone())], remote: [at("/a", gone({ by: "b" }))], want: [] },
  { name: "different content is X", local: [at("/a", file({ hash: "aa" }))], remote: [at("/a", file({ hash: "bb" }))], want: ["X /a"] },
  { name: "a different mtime is X (csync2 compares mtime too)", local: [at("/a", file())], remote: [at("/a", file({ mtimeNs: 1n }))], want: ["X /a"] },
  {
    name: "csync2's whole-second mtime on one side, the writer's ns on the other, both as imported, is in sync",
    local: [at("/a", file({ vector: { csync2: 1 }, mtimeNs: 1_700_000_000_967_187_348n }))],
    remote: [at("/a", file({ vector: { csync2: 1 }, mtimeNs: 1_700_000_000_000_000_000n }))],
    want: [],
  },
  {
    name: "as imported, a different second is still X",
    local: [at("/a", file({ vector: { csync2: 1 }, mtimeNs: 1_700_000_001_000_000_000n }))],
    remote: [at("/a", file({ vector: { csync2: 1 }, mtimeNs: 1_700_000_000_000_000_000n }))],
    want: ["X /a"],
  },
  {
    name: "as imported, another mode is still X",
    local: [at("/a", file({ vector: { csync2: 1 }, mtimeNs: 1_700_000_000_500_000_000n }))],
    remote: [at("/a", file({ vector: { csync2: 1 }, mode: 0o100600 }))],
    want: ["X /a"],
  },
  {
    name: "changed since the import, the mtime compares at the microsecond again",
    local: [at("/a", file({ vector: { csync2: 1, a: 1 }, mtimeNs: 1_700_000_000_967_187_348n }))],
    remote: [at("/a", file({ vector: { csync2: 1 }, mtimeNs: 1_700_000_000_000_000_000n }))],
    want: ["X /a"],
  },
  { name: "a different mode is X", local: [at("/a", file())], remote: [at("/a", file({ mode: 0o100600 }))], want: ["X /a"] },
  { name: "a different mode is ignored with ignore mod", local: [at("/a", file())], remote: [at("/a", file({ mode: 0o100600 }))], want: [], ignore: { uid: false, gid: false, mod: true } },
  { name: "a dir's mtime is not compared", local: [at("/d", dir())], remote: [at("/d", dir({ mtimeNs: 5n }))], want: [] },
  { name: "file vs dir is X", local: [at("/a", file())], remote: [at("/a", dir())], want: ["X /a"] },
  { name: "link targets differ is X", local: [at("/l", link({ target: "x" }))], remote: [at("/l", link({ target: "y" }))], want: ["X /l"] },
  {
    name: "output is in path order, merged",
    local: [at("/c", file()), at("/a", file()), at("/b", file({ hash: "cc" }))],
    remote: [at("/b", file()), at("/d", file()), at("/a", file())],
    want: ["X /b", "L /c", "R /d"],
  },
];

for (const c of cases) {
  test(`compareListings: ${c.name}`, () => {
    const got = compareListings(c.local, c.remote, c.ignore).map((d) => `${d.mark} ${d.path}`);
    assert.deepEqual(got, c.want);
  });
}

test("formatDifference prints csync2's -T line", () => {
  const [d] = compareListings([at("/etc/x", file())], []);
  assert.equal(formatDifference(d!, "alpha", "beta"), "L\talpha\tbeta\t/etc/x");
  assert.equal(describeDifference(d!), "only on this node (file)");
});

test("describeDifference tells content from attributes", () => {
  const [content] = compareListings([at("/a", file({ hash: "aa" }))], [at("/a", file({ hash: "bb" }))]);
  const [meta] = compareListings([at("/a", file())], [at("/a", file({ mode: 0o100600 }))]);
  assert.equal(describeDifference(content!), "content differs");
  assert.equal(describeDifference(meta!), "attributes differ");
});

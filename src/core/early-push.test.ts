import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChangeKind } from "./dirty.js";
import { endsEarlyPush, splitEarly, type EarlyCandidate } from "./early-push.js";

const w = (path: string): EarlyCandidate => ({ path, deleted: false });
const del = (path: string): EarlyCandidate => ({ path, deleted: true });

const splitCases: {
  name: string; rows: EarlyCandidate[]; changed?: string[]; sent?: string[]; ready: string[]; waiting: string[];
}[] = [
  {
    name: "lets a file go whose parent has no new version",
    rows: [w("%d%/a/f")], changed: ["%d%/a/f"], ready: ["%d%/a/f"], waiting: [],
  },
  {
    name: "holds a file whose new parent has not gone yet",
    rows: [w("%d%/a/f")], changed: ["%d%/a", "%d%/a/f"], ready: [], waiting: ["%d%/a/f"],
  },
  {
    name: "lets it go once the parent went",
    rows: [w("%d%/a/f")], changed: ["%d%/a", "%d%/a/f"], sent: ["%d%/a"], ready: ["%d%/a/f"], waiting: [],
  },
  {
    name: "lets a parent and its subtree go together, parents first",
    rows: [w("%d%/a/b/f"), w("%d%/a/b"), w("%d%/a")], changed: ["%d%/a", "%d%/a/b", "%d%/a/b/f"],
    ready: ["%d%/a/b/f", "%d%/a/b", "%d%/a"], waiting: [],
  },
  {
    name: "holds a whole subtree below a held parent",
    rows: [w("%d%/a/b/f"), w("%d%/a/b")], changed: ["%d%/a", "%d%/a/b", "%d%/a/b/f"], ready: [], waiting: ["%d%/a/b/f", "%d%/a/b"],
  },
  {
    name: "lets a root go (no parent of it is an entry of the check)",
    rows: [w("%d%"), w("/srv/www")], changed: ["%d%", "/srv/www"], ready: ["%d%", "/srv/www"], waiting: [],
  },
  {
    name: "leaves deletions to the update, neither ready nor waiting",
    rows: [del("%d%/gone"), w("%d%/new")], changed: ["%d%/new"], ready: ["%d%/new"], waiting: [],
  },
  {
    name: "does not take a sibling with a similar name for a parent",
    rows: [w("%d%/a-b/f")], changed: ["%d%/a", "%d%/a-b/f"], ready: ["%d%/a-b/f"], waiting: [],
  },
  { name: "accepts nothing", rows: [], ready: [], waiting: [] },
];
for (const c of splitCases) {
  test(`splitEarly() ${c.name}`, () => {
    const got = splitEarly(c.rows, new Set(c.changed ?? []), new Set(c.sent ?? []));
    assert.deepEqual({ ready: got.ready.map((r) => r.path), waiting: got.waiting.map((r) => r.path) }, { ready: c.ready, waiting: c.waiting });
  });
}

const endCases: [Exclude<ChangeKind, "none">, boolean][] = [
  ["deleted", true], ["type", true], ["new", false], ["content", false], ["meta", false], ["mtime", false],
];
for (const [kind, ends] of endCases) {
  test(`endsEarlyPush() ${ends ? "ends" : "does not end"} a group's early pushes at a "${kind}" change`, () => assert.equal(endsEarlyPush(kind), ends));
}

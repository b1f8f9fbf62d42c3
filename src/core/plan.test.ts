import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDeleteBudget, checkPeerDeletes, comparePaths, countMoves, type MoveKey, DIRECT_FILE_BYTES, orderOperations, relaysDeletion, skipsOffer, type PlanItem } from "./plan.js";
import { toLogicalPath } from "./path.js";
import { dir, file, gone, link } from "./testing-entries.js";

const op = (o: "delete" | "write", p: string): PlanItem => ({ op: o, path: toLogicalPath(p) });
const show = (items: PlanItem[]) => items.map((i) => `${i.op} ${i.path}`);

const orderCases: { name: string; input: PlanItem[]; want: string[] }[] = [
  {
    name: "creates directories parent-first",
    input: [op("write", "/a/b/c"), op("write", "/a"), op("write", "/a/b")],
    want: ["write /a", "write /a/b", "write /a/b/c"],
  },
  {
    name: "deletes children before their directories",
    input: [op("delete", "/a"), op("delete", "/a/b"), op("delete", "/a/b/f"), op("delete", "/a/g")],
    want: ["delete /a/g", "delete /a/b/f", "delete /a/b", "delete /a"],
  },
  {
    name: "deletes before writing, so a dir can become a file",
    input: [op("write", "/x"), op("delete", "/x/child")],
    want: ["delete /x/child", "write /x"],
  },
  {
    name: "keeps a parent right before its subtree where string order would not",
    input: [op("write", "/a-b"), op("write", "/a/b"), op("write", "/a")],
    want: ["write /a", "write /a/b", "write /a-b"],
  },
  {
    name: "orders prefix-encoded paths the same way",
    input: [op("write", "%www%/d/f"), op("delete", "%www%/old/f"), op("write", "%www%/d"), op("delete", "%www%/old")],
    want: ["delete %www%/old/f", "delete %www%/old", "write %www%/d", "write %www%/d/f"],
  },
  { name: "accepts an empty batch", input: [], want: [] },
];
for (const c of orderCases) {
  test(`orderOperations() ${c.name}`, () => assert.deepEqual(show(orderOperations(c.input)), c.want));
}

test("orderOperations() leaves its input untouched and keeps extra fields", () => {
  const input = [{ ...op("write", "/b"), size: 2 }, { ...op("write", "/a"), size: 1 }];
  const out = orderOperations(input);
  assert.deepEqual(out.map((i) => i.size), [1, 2]);
  assert.equal(input[0]?.path, "/b");
});

test("comparePaths() sorts equal paths as equal", () => {
  assert.equal(comparePaths(toLogicalPath("/a/b"), toLogicalPath("/a/b")), 0);
});

const budgetCases: { name: string; deletes: number; files: number; max?: number; ok: boolean }[] = [
  { name: "allows nothing to delete", deletes: 0, files: 0, ok: true },
  { name: "allows up to 100 deletions even in a small group", deletes: 100, files: 100, ok: true },
  { name: "halts 101 deletions of 101 files", deletes: 101, files: 101, ok: false },
  { name: "allows 25% of a large group", deletes: 2500, files: 10_000, ok: true },
  { name: "halts more than 25% of a large group", deletes: 2501, files: 10_000, ok: false },
  { name: "allows up to max-delete", deletes: 5, files: 10, max: 5, ok: true },
  { name: "halts above max-delete", deletes: 6, files: 1_000_000, max: 5, ok: false },
  { name: "halts any deletion with max-delete 0", deletes: 1, files: 10, max: 0, ok: false },
  { name: "lets max-delete exceed the default rule", deletes: 900, files: 1000, max: 1000, ok: true },
];
for (const c of budgetCases) {
  test(`checkDeleteBudget() ${c.name}`, () => assert.equal(checkDeleteBudget(c.deletes, c.files, c.max).ok, c.ok));
}

test("checkDeleteBudget() explains a halt with the numbers", () => {
  const verdict = checkDeleteBudget(150, 400);
  assert.equal(verdict.ok, false);
  if (!verdict.ok) {
    assert.equal(verdict.limit, 100);
    assert.match(verdict.message, /^Cannot delete 150 of 400 entries: more than 25% of the group and more than 100/);
  }
  const max = checkDeleteBudget(7, 10, 3);
  assert.ok(!max.ok && /more than max-delete \(3\); if this is intended, raise the group's max-delete to 7 for one run \(reload a running daemon\), then set it back$/.test(max.message));
  const peer = checkDeleteBudget(150, 400, undefined, "b");
  assert.ok(!peer.ok && /^Cannot delete 150 of 400 entries on peer "b": .*; if this is intended, set `max-delete 150;` in the group for one run \(reload a running daemon\), then remove it$/.test(peer.message), JSON.stringify(peer));
});

// live: the group's live entries after the run's check; moves: what countMoves() would find.
const peerCases: { name: string; deletes: number; writes: number; live: number; moves: number; max?: number; ok: boolean; asked: boolean }[] = [
  { name: "no deletion", deletes: 0, writes: 500, live: 600, moves: 0, ok: true, asked: false },
  { name: "a few deletions, a cheap yes", deletes: 10, writes: 5, live: 400, moves: 0, ok: true, asked: false },
  { name: "a renamed directory of 300 alone", deletes: 301, writes: 301, live: 402, moves: 301, ok: true, asked: true },
  { name: "111 of 413 lost, beside a renamed directory of 300 (the rename no longer doubles the group)", deletes: 412, writes: 301, live: 302, moves: 301, ok: false, asked: true },
  { name: "103 of 413 lost, beside the same rename", deletes: 404, writes: 301, live: 310, moves: 301, ok: true, asked: true },
  { name: "max-delete counts only what is lost", deletes: 10, writes: 8, live: 50, moves: 8, max: 2, ok: true, asked: true },
  { name: "max-delete halts what is lost beyond it", deletes: 11, writes: 8, live: 50, moves: 8, max: 2, ok: false, asked: true },
];
for (const c of peerCases) {
  test(`checkPeerDeletes() ${c.name}`, () => {
    let asked = false;
    const verdict = checkPeerDeletes({ deletes: c.deletes, writes: c.writes, live: c.live }, c.max, () => ((asked = true), c.moves));
    assert.deepEqual([verdict.ok, asked], [c.ok, c.asked]);
  });
}

test("checkPeerDeletes() names the group's size before the run, each moved entry once", () => {
  const verdict = checkPeerDeletes({ deletes: 412, writes: 301, live: 302 }, undefined, () => 301);
  assert.ok(!verdict.ok && /^Cannot delete 111 of 413 entries: /.test(verdict.message), JSON.stringify(verdict));
});

const offerCases: { name: string; op: PlanItem["op"]; entry: Parameters<typeof skipsOffer>[1]; want: boolean }[] = [
  { name: "a new small file made here", op: "write", entry: file({ vector: { a: 1 } }), want: true },
  { name: "a small file changed here several times", op: "write", entry: file({ vector: { a: 7 }, size: DIRECT_FILE_BYTES }), want: true },
  { name: "an empty file made here", op: "write", entry: file({ vector: { a: 1 }, size: 0 }), want: true },
  { name: "a file one byte over the limit", op: "write", entry: file({ vector: { a: 1 }, size: DIRECT_FILE_BYTES + 1 }), want: false },
  { name: "a file the peer may hold a version of (its counter in the vector)", op: "write", entry: file({ vector: { a: 2, b: 1 } }), want: false },
  { name: "a file another node made, taken back here", op: "write", entry: file({ vector: { b: 1 }, by: "b" }), want: false },
  { name: "a directory", op: "write", entry: dir({ vector: { a: 1 } }), want: false },
  { name: "a symlink", op: "write", entry: link({ vector: { a: 1 } }), want: false },
  { name: "a deletion", op: "delete", entry: gone({ vector: { a: 2 } }), want: false },
];
for (const c of offerCases) {
  test(`skipsOffer(): ${c.name} -> ${c.want}`, () => assert.equal(skipsOffer(c.op, c.entry, "a"), c.want));
}

const f = (hash: string): MoveKey => ({ kind: "file", hash });
const moveCases: { name: string; deleted: MoveKey[]; written: MoveKey[]; want: number }[] = [
  { name: "a renamed directory: every file and the directory are moves", deleted: [f("a"), f("b"), { kind: "dir" }], written: [{ kind: "dir" }, f("b"), f("a")], want: 3 },
  { name: "deletions with nothing written (an unmounted disk)", deleted: [f("a"), f("b"), { kind: "dir" }], written: [], want: 0 },
  { name: "new content is not a move", deleted: [f("a")], written: [f("x")], want: 0 },
  { name: "one write matches one deletion: many empty files deleted, one written", deleted: [f("e"), f("e"), f("e")], written: [f("e")], want: 1 },
  { name: "two copies written, two deleted", deleted: [f("e"), f("e")], written: [f("e"), f("e"), f("e")], want: 2 },
  { name: "a symlink moves with its target", deleted: [{ kind: "symlink", target: "../x" }], written: [{ kind: "symlink", target: "../x" }], want: 1 },
  { name: "a symlink is not a file with the same text", deleted: [{ kind: "symlink", target: "abc" }], written: [f("abc")], want: 0 },
];
for (const c of moveCases) {
  test(`countMoves() ${c.name}`, () => assert.equal(countMoves(c.deleted, c.written), c.want));
}

const relayedCases: { name: string; deleted: boolean; modifiedBy: string | undefined; want: boolean }[] = [
  { name: "a deletion a check here recorded is this node's", deleted: true, modifiedBy: undefined, want: false },
  { name: "a deletion of this node's, its vector merged since, is this node's", deleted: true, modifiedBy: "beta", want: false },
  { name: "a deletion received from the node that made it is passed on", deleted: true, modifiedBy: "alpha", want: true },
  { name: "a file another node wrote is a write, not a deletion", deleted: false, modifiedBy: "alpha", want: false },
];
for (const c of relayedCases) {
  test(`relaysDeletion() on beta: ${c.name}`, () => {
    assert.equal(relaysDeletion({ deleted: c.deleted, modifiedBy: c.modifiedBy }, "beta"), c.want);
  });
}

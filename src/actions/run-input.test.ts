import assert from "node:assert/strict";
import { test } from "node:test";
import type { QueuedAction } from "../index/action-queue.js";
import { inputsByAction, mergeInputs } from "./run-input.js";

const row = (id: number, group: string, actionId: string, paths: readonly string[]): QueuedAction =>
  ({ id, group, actionId, paths, enqueuedAt: 0 });

const merges = [
  { name: "keeps every row and each path once", a: { ids: [1], paths: ["/a", "/b"] }, b: { ids: [2], paths: ["/b", "/c"] }, want: { ids: [1, 2], paths: ["/a", "/b", "/c"] } },
  { name: "keeps the first input's order", a: { ids: [3], paths: ["/z"] }, b: { ids: [1], paths: ["/a"] }, want: { ids: [3, 1], paths: ["/z", "/a"] } },
  { name: "takes an unqueued trigger (no rows)", a: { ids: [], paths: ["/a"] }, b: { ids: [], paths: ["/a"] }, want: { ids: [], paths: ["/a"] } },
] as const;
for (const c of merges) {
  test(`mergeInputs() ${c.name}`, () => assert.deepEqual(mergeInputs(c.a, c.b), c.want));
}

const groupings = [
  { name: "makes no run of no rows", rows: [], want: [] },
  {
    name: "makes one run of one action's rows",
    rows: [row(1, "web", "x", ["/a"]), row(2, "web", "x", ["/a", "/b"])],
    want: [{ group: "web", actionId: "x", input: { ids: [1, 2], paths: ["/a", "/b"] } }],
  },
  {
    name: "keeps actions and groups apart, in the order of their first row",
    rows: [row(1, "web", "y", ["/a"]), row(2, "db", "x", ["/d"]), row(3, "web", "x", ["/b"]), row(4, "web", "y", ["/c"])],
    want: [
      { group: "web", actionId: "y", input: { ids: [1, 4], paths: ["/a", "/c"] } },
      { group: "db", actionId: "x", input: { ids: [2], paths: ["/d"] } },
      { group: "web", actionId: "x", input: { ids: [3], paths: ["/b"] } },
    ],
  },
] as const;
for (const c of groupings) {
  test(`inputsByAction() ${c.name}`, () => assert.deepEqual(inputsByAction(c.rows), c.want));
}

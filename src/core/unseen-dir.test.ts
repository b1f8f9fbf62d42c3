import assert from "node:assert/strict";
import { test } from "node:test";
import type { EntryState } from "./entry.js";
import { dir, file } from "./testing-entries.js";
import { isUnseenTwinDir } from "./unseen-dir.js";

// This node is b; its peers are a and c.
const rows: { name: string; local: EntryState; pending: string[]; pushed?: Record<string, number>; want: boolean }[] = [
  { name: "our first version of a directory, pending for every peer", local: dir({ vector: { b: 1 } }), pending: ["a", "c"], want: true },
  { name: "our own version coming back from a peer (its acknowledgement was lost)", local: dir({ vector: { b: 1 } }), pending: ["a", "c"], pushed: { b: 1 }, want: false },
  { name: "a peer's version built on ours", local: dir({ vector: { b: 1 } }), pending: ["a", "c"], pushed: { a: 1, b: 1 }, want: false },
  { name: "pending for more than the group's peers (a removed host's row)", local: dir({ vector: { b: 1 } }), pending: ["a", "c", "old"], want: true },
  { name: "a peer acknowledged it", local: dir({ vector: { b: 1 } }), pending: ["a"], want: false },
  { name: "pending for no one", local: dir({ vector: { b: 1 } }), pending: [], want: false },
  { name: "a later version of ours (a mode change)", local: dir({ vector: { b: 2 } }), pending: ["a", "c"], want: false },
  { name: "a version that merged a peer's", local: dir({ vector: { a: 1, b: 1 } }), pending: ["a", "c"], want: false },
  { name: "a peer's version", local: dir({ vector: { a: 1 } }), pending: ["a", "c"], want: false },
  { name: "a file keeps its version", local: file({ vector: { b: 1 } }), pending: ["a", "c"], want: false },
];
for (const r of rows) {
  test(`isUnseenTwinDir(): ${r.name}`, () => assert.equal(isUnseenTwinDir(r.local, "b", r.pending, ["a", "c"], r.pushed ?? { a: 1 }), r.want));
}

// SyncIndex.recordReceived records a batch of received files as recordLive + setForced(false) +
// acknowledged(from) do one by one, and acknowledgedMany as acknowledged one by one: same rows,
// same pending and conflict rows after.

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCheck } from "../index/check-run.js";
import { openIndex } from "../index/database.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../index/testing.js";
import { entryOfRecord, SyncIndex } from "./sync-index.js";
import { stateOfRecord, type EntryRecord, type RecordInput } from "../index/entries.js";
import { bumpVector, EMPTY_VECTOR } from "../core/vector.js";

const RECORD: RecordInput = {
  group: "g", path: "/srv/x",
  state: { kind: "file", mode: 0o100644, uid: 0, gid: 0, userName: "root", groupName: "root", mtimeNs: 1_700_000_000_000_000_000n, size: 1, hash: "cd".repeat(32) },
  vector: bumpVector(EMPTY_VECTOR, "a"), ctimeNs: 1_700_000_000_000_000_001n, ino: 7n, dev: 1n,
};

async function setUp(label: string) {
  const dir = tempDir(label);
  const root = join(dir, "root");
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "old"), "recorded here\n");
  const config = loadTestConfig(writeTestConfig(dir, { include: [root], hosts: "a b c" }), join(dir, "state"));
  const db = openIndex(config.stateDir);
  await runCheck(db, config);
  const index = new SyncIndex(db, config.localName);
  const group = config.groups[0]!.name;
  // The recorded file waits for b and c, is forced, and stands in a conflict with b and c.
  const id = index.get(group, join(root, "old"))!.record.id;
  index.pending.mark(id, ["b", "c"], true);
  index.versions.setForced(id, true);
  index.versions.addConflict(id, "b", "{}", 1);
  index.versions.addConflict(id, "c", "{}", 1);
  return { index, group, root, id, observed: { ...observedOf(index, group, join(root, "old")) } };
}

function observedOf(index: SyncIndex, group: string, path: string) {
  const r = index.entries.get(group, path)!;
  const e = index.get(group, path)!.entry;
  if (e.kind !== "file") throw new Error("not a file");
  const { vector: _v, modifiedBy: _m, changedAtMs: _c, ...state } = e;
  return { state, ctimeNs: r.ctimeNs, ino: r.ino, dev: r.dev };
}

function facts(index: SyncIndex, group: string, path: string) {
  const local = index.get(group, path)!;
  const id = local.record.id;
  return {
    vector: local.entry.vector, modifiedBy: local.entry.modifiedBy, changedAtMs: local.entry.changedAtMs, forced: local.forced,
    pending: index.pending.peersOf(id), conflicts: index.versions.conflictsOf(id).map((c) => c.peer),
  };
}

test("recordReceived() = recordLive + setForced(false) + acknowledged(from), for a recorded path and a new one", async () => {
  const one = await setUp("record-received-batch");
  const two = await setUp("record-received-single");
  const writer = { modifiedBy: "b", changedAtMs: 1234 };
  const vector = { a: 1, b: 7 };
  const files = (t: typeof one) => [
    { path: join(t.root, "old"), observed: t.observed, vector, writer },
    { path: join(t.root, "new"), observed: t.observed, vector, writer },
  ];
  one.index.recordReceived(one.group, files(one), "b");
  for (const f of files(two)) {
    const id = two.index.recordLive(two.group, f.path, f.observed, f.vector, f.writer);
    two.index.versions.setForced(id, false);
    two.index.acknowledged(id, "b");
  }
  for (const name of ["old", "new"]) {
    const got = facts(one.index, one.group, join(one.root, name));
    assert.deepEqual(got, facts(two.index, two.group, join(two.root, name)), name);
    assert.deepEqual([got.vector, got.modifiedBy, got.changedAtMs, got.forced], [vector, "b", 1234, false]);
  }
  assert.deepEqual(facts(one.index, one.group, join(one.root, "old")).pending, ["c"], "only the pusher's pending row goes");
  assert.deepEqual(facts(one.index, one.group, join(one.root, "old")).conflicts, ["c"], "only the conflict with the pusher goes");
});

test("acknowledgedMany() leaves the same pending, conflict and forced rows as acknowledged() one by one, across query chunks", () => {
  const build = (label: string) => {
    const db = openIndex(tempDir(label));
    const index = new SyncIndex(db, "a");
    const ids: number[] = [];
    for (let i = 0; i < 150; i++) {
      const id = index.entries.record({ ...RECORD, path: `/srv/f${i}`, ino: BigInt(i + 1) });
      // Pending for b alone, for b and c, or for c alone (b's acknowledgement then changes no row).
      index.pending.mark(id, i % 3 === 0 ? ["b"] : i % 3 === 1 ? ["b", "c"] : ["c"], i % 2 === 0);
      if (i % 2 === 0) index.versions.setForced(id, true);
      if (i % 5 === 0) index.versions.addConflict(id, "b", "{}", 1);
      if (i % 7 === 0) index.versions.addConflict(id, "c", "{}", 1);
      ids.push(id);
    }
    return { db, index, ids };
  };
  const many = build("ack-many");
  const one = build("ack-one");
  try {
    const acked = many.ids.filter((_, i) => i % 10 !== 9);
    many.index.acknowledgedMany(acked, "b");
    for (const id of acked) one.index.acknowledged(id, "b");
    const rows = (t: typeof many) => t.ids.map((id) => ({
      pending: t.index.pending.peersOf(id), conflicts: t.index.versions.conflictsOf(id).map((c) => c.peer), forced: t.index.versions.get(id).forced,
    }));
    assert.deepEqual(rows(many), rows(one));
    const after = rows(many);
    assert.ok(after.some((r) => r.forced) && after.some((r) => !r.forced), "both forced outcomes are covered");
    assert.ok(after.some((r) => r.pending.includes("b")), "entries not acknowledged keep their rows");
  } finally {
    many.db.close();
    one.db.close();
  }
});

// entryOfRecord builds each kind's entry field by field; it must say exactly what spreading
// stateOfRecord() with the version info says (what fromRecord did before).
test("entryOfRecord() = stateOfRecord() + vector, writer and change time, for every kind and a tombstone", () => {
  const base = {
    id: 1, group: "g", path: "/srv/x", mode: 0o100640, uid: 5, gid: 6, userName: "u", groupName: undefined, mtimeNs: 1_700_000_000_123_456_789n,
    size: 3, hash: undefined, target: undefined, vector: bumpVector(EMPTY_VECTOR, "a"), deletedNs: undefined,
    ctimeNs: 1_700_000_001_987_654_321n, ino: 7n, dev: 1n,
  } satisfies Omit<EntryRecord, "kind">;
  const records: EntryRecord[] = [
    { ...base, kind: "file", hash: "ab".repeat(32) },
    { ...base, kind: "file" },
    { ...base, kind: "dir", mode: 0o40755 },
    { ...base, kind: "symlink", mode: 0o120777, target: "../t" },
    { ...base, kind: "symlink", mode: 0o120777 },
    { ...base, kind: "file", hash: "ab".repeat(32), deletedNs: 1_700_000_002_500_000_000n },
  ];
  for (const r of records) {
    for (const changedAtMs of [undefined, 42]) {
      const state = stateOfRecord(r);
      const info = { vector: r.vector, modifiedBy: "b" };
      const expected = state === undefined
        ? { kind: "deleted", ...info, changedAtMs: changedAtMs ?? 1_700_000_002_500 }
        : { ...state, ...info, changedAtMs: changedAtMs ?? 1_700_000_001_987 };
      assert.deepEqual(entryOfRecord(r, "b", changedAtMs), expected, `${r.kind}${r.deletedNs === undefined ? "" : " (deleted)"}, changedAtMs ${changedAtMs}`);
    }
  }
});

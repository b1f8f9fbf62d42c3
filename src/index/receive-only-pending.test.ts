import assert from "node:assert/strict";
import { test } from "node:test";
import { join } from "node:path";
import { openIndex, type Db } from "./database.js";
import { dropReceiveOnlyPending, droppedText } from "./receive-only-pending.js";
import { loadTestConfig, makeTree, tempDir, writeTestConfig } from "./testing.js";
import { runCheck } from "./check-run.js";
import type { Config } from "../config/types.js";

function pendingOf(db: Db): string[] {
  return db.prepare<[], { grp: string; path: string; peer: string }>("SELECT e.grp, e.path, p.peer FROM pending p JOIN entries e ON e.id = p.entry_id ORDER BY e.path, p.peer").all()
    .map((r) => `${r.path} ${r.peer}`);
}

function count(db: Db, table: "entries" | "conflicts"): number {
  return db.prepare<[], number>(`SELECT count(*) FROM ${table}`).pluck().get() ?? 0;
}

/** Node "a" with two files checked while it sent (hosts a b c); then the same group with "a" as `hosts`. */
async function switched(label: string, hosts: string): Promise<{ db: Db; before: Config; after: Config }> {
  const dir = tempDir(label);
  const root = join(dir, "tree");
  makeTree(root, { "x.txt": "x", "y.txt": "y" });
  const state = join(dir, "state");
  const before = loadTestConfig(writeTestConfig(join(dir, "sends"), { include: [root], hosts: "a b c" }), state);
  const db = openIndex(state);
  await runCheck(db, before, { full: true, statWorker: false });
  const after = loadTestConfig(writeTestConfig(join(dir, "receives"), { include: [root], hosts }), state);
  return { db, before, after };
}

test("dropReceiveOnlyPending() drops a receive-only group's pending rows and keeps its entries and conflicts", async () => {
  const { db, after } = await switched("switched", "(a) b c");
  try {
    const entry = db.prepare<[], number>("SELECT id FROM entries WHERE path LIKE '%x.txt'").pluck().get()!;
    db.prepare("INSERT INTO conflicts (entry_id, peer, remote, detected_ms) VALUES (?, 'b', '{}', 1)").run(entry);
    const entries = count(db, "entries");
    assert.equal(pendingOf(db).length, 6, "root, x.txt, y.txt × b, c");
    assert.deepEqual(dropReceiveOnlyPending(db, after, { dryRun: true }), [{ group: "g", rows: 6 }]);
    assert.equal(pendingOf(db).length, 6, "a dry run removes nothing");
    assert.deepEqual(dropReceiveOnlyPending(db, after), [{ group: "g", rows: 6 }]);
    assert.deepEqual(pendingOf(db), []);
    assert.equal(count(db, "entries"), entries, "the version history stays");
    assert.equal(count(db, "conflicts"), 1, "the conflict stays");
    assert.deepEqual(dropReceiveOnlyPending(db, after), [], "said once: nothing left the next time");
  } finally {
    db.close();
  }
});

test("dropReceiveOnlyPending() leaves a group this node sends in alone", async () => {
  const { db, before } = await switched("sends", "a b c");
  try {
    assert.deepEqual(dropReceiveOnlyPending(db, before), []);
    assert.equal(pendingOf(db).length, 6);
  } finally {
    db.close();
  }
});

test("droppedText() says how many, why, and what stays", () => {
  assert.equal(droppedText({ group: "web", rows: 3 }),
    'group "web": this node is receive-only there (listed in parentheses), so it never sends the group\'s entries: ' +
      "dropped 3 pending row(s) left from before; their version history and conflicts stay");
  assert.match(droppedText({ group: "web", rows: 3 }, { dryRun: true }), /would drop 3 pending row\(s\)/);
});

import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { runCheck } from "../index/check-run.js";
import { openIndex } from "../index/database.js";
import { PendingStore } from "../index/pending.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../index/testing.js";
import { markNewPeers, peerChanges } from "./new-peers.js";

const cases = [
  { name: "nothing recorded yet: only recorded", known: undefined, current: ["b", "c"], want: { added: [], removed: [] } },
  { name: "same peers", known: ["b", "c"], current: ["c", "b"], want: { added: [], removed: [] } },
  { name: "a peer added", known: ["b"], current: ["b", "c"], want: { added: ["c"], removed: [] } },
  { name: "a peer removed", known: ["b", "c"], current: ["c"], want: { added: [], removed: ["b"] } },
  { name: "one renamed", known: ["b", "web1"], current: ["b", "web9"], want: { added: ["web9"], removed: ["web1"] } },
] as const;
for (const c of cases) test(`peerChanges() ${c.name}`, () => assert.deepEqual(peerChanges(c.known, c.current), c.want));

const dir = tempDir("new-peers");
after(() => rmSync(dir, { recursive: true, force: true }));

test("markNewPeers() marks every live entry for a peer added to the group, and forgets a removed peer's rows", async () => {
  const root = join(dir, "tree");
  mkdirSync(join(root, "sub"), { recursive: true });
  writeFileSync(join(root, "a.txt"), "a");
  writeFileSync(join(root, "sub/b.txt"), "b");
  const config = (hosts: string) => loadTestConfig(writeTestConfig(join(dir, "etc"), { include: [root], hosts }), join(dir, "state"));
  const db = openIndex(join(dir, "state"));
  try {
    const first = config("a b");
    assert.deepEqual(markNewPeers(db, first), [], "first start: peers recorded, nothing marked");
    await runCheck(db, first, { full: true, statWorker: false });
    const pending = new PendingStore(db);
    for (const row of pending.listForPeer("b")) pending.clear(row.entryId, "b"); // b is in sync
    const marked = markNewPeers(db, config("a b c"));
    assert.deepEqual(marked, [{ group: "g", peer: "c", entries: 4 }], "root, a.txt, sub, sub/b.txt");
    assert.equal(pending.listForPeer("c").length, 4);
    assert.equal(pending.listForPeer("b").length, 0, "the old peer is not sent everything again");
    assert.deepEqual(markNewPeers(db, config("a b c")), [], "only once");
    markNewPeers(db, config("a b"));
    assert.equal(pending.listForPeer("c").length, 0, "a removed peer's rows go");
  } finally {
    db.close();
  }
});

test("markNewPeers() leaves a watch-no group to the sync runs: the daemon's scope skips it, a sync run's marks it", async () => {
  const root = join(dir, "cron-tree");
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "a.txt"), "a");
  const etc = join(dir, "cron-etc");
  const config = (hosts: string) => loadTestConfig(writeTestConfig(etc, { include: [root], hosts, groupExtra: "watch no;" }), join(dir, "cron-state"));
  const db = openIndex(join(dir, "cron-state"));
  try {
    assert.deepEqual(markNewPeers(db, config("a b"), "all"), [], "first run: peers recorded");
    await runCheck(db, config("a b"), { full: true, statWorker: false });
    assert.deepEqual(markNewPeers(db, config("a b c")), [], "the daemon does not push a watch-no group");
    assert.deepEqual(markNewPeers(db, config("a b c"), "all"), [{ group: "g", peer: "c", entries: 2 }], "root and a.txt");
    markNewPeers(db, config("a b"), "all");
    assert.equal(new PendingStore(db).listForPeer("c").length, 0, "a removed peer's rows go");
  } finally {
    db.close();
  }
});

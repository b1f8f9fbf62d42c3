import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openIndex, type Db } from "./database.js";
import { LossStore, type Loss } from "./losses.js";

const made: { dir: string; db: Db }[] = [];
after(() => {
  for (const { dir, db } of made) db.close(), rmSync(dir, { recursive: true, force: true });
});

function store(keep?: number): LossStore {
  const dir = mkdtempSync(join(tmpdir(), "peersync-losses-"));
  const db = openIndex(dir);
  made.push({ dir, db });
  return new LossStore(db, keep);
}

const loss = (group: string, n: number): Loss => ({
  group, path: `%r%/f${n}`, backup: `/var/backup/f${n}`, reason: "conflict-remote-wins (younger)", peer: "b", atMs: 1000 + n,
});

test("LossStore: nothing recorded reads as 0 and no last loss", () => {
  const losses = store();
  assert.equal(losses.count("g"), 0);
  assert.equal(losses.last("g"), undefined);
});

test("LossStore: the last loss of a group is the one recorded last, and groups stay apart", () => {
  const losses = store();
  losses.record(loss("g", 1));
  losses.record(loss("h", 2));
  losses.record(loss("g", 3));
  assert.equal(losses.count("g"), 2);
  assert.equal(losses.count("h"), 1);
  assert.deepEqual(losses.last("g"), loss("g", 3));
  assert.deepEqual(losses.last("h"), loss("h", 2));
});

test("LossStore: a group keeps only its newest rows, and another group's rows are not pruned", () => {
  const losses = store(3);
  losses.record(loss("h", 0));
  for (let n = 1; n <= 5; n++) losses.record(loss("g", n));
  assert.equal(losses.count("g"), 3);
  assert.deepEqual(losses.last("g"), loss("g", 5));
  assert.equal(losses.count("h"), 1);
});

test("LossStore: losses per backup path and the oldest kept, after pruning too", () => {
  const losses = store(3);
  assert.deepEqual(losses.byBackup("g"), []);
  assert.equal(losses.oldestMs("g"), undefined);
  for (const n of [1, 2, 2, 2]) losses.record({ ...loss("g", n), atMs: 1000 + losses.count("g") });
  const rows = losses.byBackup("g").sort((a, b) => a.backup.localeCompare(b.backup));
  assert.deepEqual(rows, [{ backup: "/var/backup/f2", n: 3 }], "the first loss was pruned: its copy is not counted");
  assert.equal(losses.oldestMs("g"), 1001);
});

test("LossStore: a loss with no copy (backup-generations 0) counts, is said not kept, and has no copy to look for", () => {
  const losses = store();
  losses.record(loss("g", 1));
  losses.record({ ...loss("g", 2), backup: null });
  assert.equal(losses.count("g"), 2);
  assert.equal(losses.notKept("g"), 1);
  assert.deepEqual(losses.byBackup("g"), [{ backup: "/var/backup/f1", n: 1 }]);
  assert.deepEqual(losses.last("g"), { ...loss("g", 2), backup: null });
});

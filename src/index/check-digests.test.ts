// A check skips a directory whose digest (fs/dir-probe.ts) matches the one its last full look
// stored (dir-digests.ts). These tests show that it does skip, and that everything that can
// change what it would have found makes the digest miss.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCheck } from "./check-run.js";
import type { Change } from "./check-merge.js";
import { checkFixture, loadTestConfig, writeTestConfig, type CheckFixture } from "./testing.js";

const digestCount = (f: CheckFixture) => f.db.prepare("SELECT count(*) FROM dir_digests").pluck().get() as number;
const TREE = { "a.txt": "a", "d/b.txt": "b", "d/e/c.txt": "c", "x/y": "y" };

test("a check keeps a digest per directory; the next finds nothing and counts as many entries", async () => {
  const f = checkFixture("digest-same", TREE);
  const first = await f.check();
  assert.equal(digestCount(f), 4); // the root, d, d/e, x
  const second = await f.check();
  assert.equal(second.changes.size, 0);
  assert.equal(second.summary.examined, 0);
  assert.equal(second.summary.scanned, first.summary.scanned);
});

test("a matching digest skips the directory's rows: a row changed behind the triggers' back goes unseen, and seen with them", async () => {
  const f = checkFixture("digest-skips", TREE);
  await f.check();
  const tamper = f.db.prepare("UPDATE entries SET fp = fp + 1 WHERE path = ?");
  tamper.run(join(f.root, "d/b.txt"));
  assert.equal((await f.check()).summary.examined, 1, "the trigger forgot d's digest");
  f.db.exec("DROP TRIGGER dir_digests_on_update");
  tamper.run(join(f.root, "d/b.txt"));
  assert.equal((await f.check()).summary.examined, 0, "d was skipped");
});

test("a row deleted behind the check's back is recorded again", async () => {
  const f = checkFixture("digest-row-deleted", TREE);
  await f.check({ init: true });
  f.db.prepare("DELETE FROM entries WHERE path = ?").run(join(f.root, "d/e/c.txt"));
  assert.deepEqual(Object.fromEntries((await f.check()).changes), { "/d/e/c.txt": "new" });
});

test("changes below, beside and inside skipped directories are found", async () => {
  const f = checkFixture("digest-changes", { ...TREE, "d.old": "o", "d/e/f/g.txt": "g" });
  await f.check();
  appendFileSync(join(f.root, "d/e/f/g.txt"), "!"); // d and d/e unchanged, d/e/f's file changed
  rmSync(join(f.root, "d.old")); // recorded between "d" and "d/": the root changed, d did not
  const { changes } = await f.check();
  assert.deepEqual(Object.fromEntries(changes), { "/d/e/f/g.txt": "content", "/d.old": "deleted" });
  writeFileSync(join(f.root, "d/new.txt"), "n");
  mkdirSync(join(f.root, "x/z"));
  rmSync(join(f.root, "x/y"));
  assert.deepEqual(Object.fromEntries((await f.check()).changes), { "/d/new.txt": "new", "/x/z": "new", "/x/y": "deleted" });
  assert.equal((await f.check()).changes.size, 0);
  // The last file of d/e/f is gone: f and e are looked at whole, d is not (e's stat is the same).
  // Its row comes after everything f and e still hold, so d's skip must not pass over it.
  rmSync(join(f.root, "d/e/f/g.txt"));
  assert.deepEqual(Object.fromEntries((await f.check()).changes), { "/d/e/f/g.txt": "deleted" });
});

test("new rules make every digest miss: a file an exclude no longer covers is new", async () => {
  const f = checkFixture("digest-rules", { ...TREE, "d/app.log": "l" }, { exclude: ["*.log"] });
  await f.check();
  const file = writeTestConfig(join(f.root, "..", "etc2"), { include: [f.root] });
  const changes: Change[] = [];
  await runCheck(f.db, loadTestConfig(file, f.config.stateDir), { onChange: (c) => changes.push(c) });
  assert.deepEqual(changes.map((c) => [c.path.slice(f.root.length), c.kind]), [["/d/app.log", "new"]]);
});

test("a directory with something the check reports is looked at whole every time", async () => {
  const f = checkFixture("digest-problem", TREE);
  assert.equal(spawnSync("mkfifo", [join(f.root, "d/pipe")]).status, 0);
  for (let run = 0; run < 3; run++) {
    const { summary } = await f.check();
    assert.deepEqual(summary.problems.map((p) => [p.path.slice(f.root.length), p.severity]), [["/d/pipe", "skipped"]], `run ${run}`);
  }
});

test("a dry run keeps no digest", async () => {
  const f = checkFixture("digest-dry", TREE);
  await f.check({ dryRun: true });
  assert.equal(digestCount(f), 0);
});

test("a file a peer sent that is gone before the next check is a deletion, though its directory looks as before", async () => {
  // The receiver inserts the row (no check involved) and the file appears on disk; it is removed
  // before this node checks again, so the directory's children are what its digest saw.
  const f = checkFixture("digest-row-inserted", TREE);
  await f.check();
  const columns = (f.db.prepare("SELECT name FROM pragma_table_info('entries') WHERE name NOT IN ('id', 'path')").pluck().all() as string[]).join(", ");
  f.db.prepare(`INSERT INTO entries (path, ${columns}) SELECT ?, ${columns} FROM entries WHERE path = ?`).run(join(f.root, "d/sent.txt"), join(f.root, "d/b.txt"));
  assert.deepEqual(Object.fromEntries((await f.check()).changes), { "/d/sent.txt": "deleted" });
});

// A directory whose digest moved: only the children whose (name, lstat) moved get a look.
const WIDE = { "d/a.txt": "a", "d/b.txt": "b", "d/c.txt": "c", "d/m/x.txt": "x", "d/m/y.txt": "y", "d/z.txt": "z", "d.old": "o" };

test("where one file of a directory changed, the others stand: their rows are not read", async () => {
  const f = checkFixture("digest-standing", WIDE);
  const first = await f.check();
  f.db.exec("DROP TRIGGER dir_digests_on_update");
  f.db.prepare("UPDATE entries SET fp = fp + 1 WHERE path = ?").run(join(f.root, "d/c.txt")); // unseen if passed over
  appendFileSync(join(f.root, "d/b.txt"), "!");
  const second = await f.check();
  assert.deepEqual(Object.fromEntries(second.changes), { "/d/b.txt": "content" });
  assert.equal(second.summary.examined, 1, "c.txt stood as recorded");
  assert.equal(second.summary.scanned, first.summary.scanned);
  const third = await f.check();
  assert.equal(third.summary.examined, 0, "the look stored d's new digest and children");
  assert.equal(third.summary.scanned, first.summary.scanned);
});

test("a changed, a new and a standing file beside a subdirectory with its own changes", async () => {
  const f = checkFixture("digest-standing-mixed", WIDE);
  await f.check();
  appendFileSync(join(f.root, "d/z.txt"), "!");
  writeFileSync(join(f.root, "d/n.txt"), "n");
  rmSync(join(f.root, "d/m/y.txt")); // m's last row: after m's walk, before d's next child
  assert.deepEqual(Object.fromEntries((await f.check()).changes), { "/d/m/y.txt": "deleted", "/d/n.txt": "new", "/d/z.txt": "content" });
  assert.equal((await f.check()).changes.size, 0);
});

test("a file gone from a directory where others changed: the whole directory gets a look", async () => {
  const f = checkFixture("digest-standing-gone", WIDE);
  await f.check();
  appendFileSync(join(f.root, "d/a.txt"), "!");
  rmSync(join(f.root, "d/c.txt"));
  rmSync(join(f.root, "d.old")); // between "d" and "d/" in the root: drained before d's first skip
  assert.deepEqual(Object.fromEntries((await f.check()).changes), { "/d.old": "deleted", "/d/a.txt": "content", "/d/c.txt": "deleted" });
  assert.equal((await f.check()).changes.size, 0);
});

test("a vanished row beside a partly standing directory is drained before its first skip", async () => {
  const f = checkFixture("digest-standing-beside", WIDE);
  await f.check();
  // The root's look is whole (d.old's row has no file); d stands but for b.txt.
  rmSync(join(f.root, "d.old"));
  appendFileSync(join(f.root, "d/b.txt"), "!");
  appendFileSync(join(f.root, "d/m/x.txt"), "!");
  assert.deepEqual(Object.fromEntries((await f.check()).changes), { "/d.old": "deleted", "/d/b.txt": "content", "/d/m/x.txt": "content" });
});

test("a torn children blob is not trusted: the directory whose digest moved gets a whole look", async () => {
  const f = checkFixture("digest-standing-torn", WIDE);
  await f.check();
  f.db.exec("DROP TRIGGER dir_digests_on_update");
  f.db.prepare("UPDATE entries SET fp = fp + 1 WHERE path = ?").run(join(f.root, "d/c.txt")); // seen only by a whole look
  f.db.prepare("UPDATE dir_digests SET children = substr(children, 1, 20) WHERE dir = ?").run(`${join(f.root, "d")}/`);
  appendFileSync(join(f.root, "d/b.txt"), "!");
  const { changes, summary } = await f.check();
  assert.deepEqual(Object.fromEntries(changes), { "/d/b.txt": "content" });
  assert.equal(summary.examined, 2, "c.txt's row was read and compared");
});

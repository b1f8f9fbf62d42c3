import assert from "node:assert/strict";
import { chmodSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempName } from "../fs/temp-names.js";
import { test } from "node:test";
import type { Config } from "../config/types.js";
import { runCheck, type CheckOptions } from "./check-run.js";
import type { Change } from "./check-merge.js";
import { openIndex, type Db } from "./database.js";
import { EntryStore } from "./entries.js";
import { HintStore } from "./hints.js";
import { PendingStore } from "./pending.js";
import { checkFixture, loadTestConfig, writeTestConfig, type CheckFixture } from "./testing.js";

type Fixture = CheckFixture;
const fixture = checkFixture;

const vectorOf = (f: Fixture, rel: string) => new EntryStore(f.db).get("g", join(f.root, rel))?.vector;

test("runCheck() records a new tree, pending for every peer, then finds nothing", async () => {
  const f = fixture("first", { "a.txt": "a", "d/b.txt": "b", "d/e": null }, { hosts: "a b c" });
  const first = await f.check();
  assert.deepEqual(Object.fromEntries(first.changes), { "/": "new", "/a.txt": "new", "/d": "new", "/d/b.txt": "new", "/d/e": "new" });
  assert.equal(new PendingStore(f.db).count(), 10);
  assert.deepEqual(vectorOf(f, "a.txt"), { a: 1 });
  const second = await f.check();
  assert.equal(second.changes.size, 0);
  assert.equal(second.summary.examined, 0);
});

test("runCheck() classifies content, mode, mtime, type changes and deletions", async () => {
  const f = fixture("kinds", { "c.txt": "1", "m.txt": "m", "t.txt": "t", "gone.txt": "g", "f2d": "x", "d2f/inner": "i", same: "s" });
  await f.check();
  writeFileSync(join(f.root, "c.txt"), "2");
  chmodSync(join(f.root, "m.txt"), 0o600);
  utimesSync(join(f.root, "t.txt"), new Date(2_000_000_000_000), new Date(2_000_000_000_000));
  unlinkSync(join(f.root, "gone.txt"));
  unlinkSync(join(f.root, "f2d"));
  mkdirSync(join(f.root, "f2d"));
  writeFileSync(join(f.root, "f2d/child"), "c");
  rmSync(join(f.root, "d2f"), { recursive: true });
  writeFileSync(join(f.root, "d2f"), "now a file");
  chmodSync(join(f.root, "same"), 0o644); // ctime moves, nothing that syncs does
  const { changes, summary } = await f.check();
  assert.deepEqual(Object.fromEntries(changes), {
    "/c.txt": "content", "/m.txt": "meta", "/t.txt": "mtime", "/gone.txt": "deleted",
    "/f2d": "type", "/f2d/child": "new", "/d2f": "type", "/d2f/inner": "deleted",
  });
  assert.equal(summary.deleted, 2);
  assert.deepEqual(vectorOf(f, "c.txt"), { a: 2 });
  assert.deepEqual(vectorOf(f, "same"), { a: 1 });
  assert.notEqual(new EntryStore(f.db).get("g", join(f.root, "gone.txt"))?.deletedNs, undefined);
  // A path that comes back after its deletion is new, on top of the tombstone's vector.
  writeFileSync(join(f.root, "gone.txt"), "back");
  assert.deepEqual(Object.fromEntries((await f.check()).changes), { "/gone.txt": "new" });
  assert.deepEqual(vectorOf(f, "gone.txt"), { a: 3 });
});

test("runCheck() records symlinks without following them", async () => {
  const f = fixture("links", { "dir/f": "x" });
  symlinkSync("dir", join(f.root, "to-dir"));
  symlinkSync("loop", join(f.root, "loop"));
  const { changes } = await f.check();
  assert.equal(changes.get("/to-dir"), "new");
  assert.equal(changes.get("/loop"), "new");
  assert.equal(changes.has("/to-dir/f"), false);
  assert.equal(new EntryStore(f.db).get("g", join(f.root, "to-dir"))?.target, "dir");
});

test("runCheck() -d reports and records nothing", async () => {
  const f = fixture("dry", { "a.txt": "a" });
  const { summary } = await f.check({ dryRun: true });
  assert.equal(summary.new, 2);
  assert.equal(new EntryStore(f.db).get("g", join(f.root, "a.txt")), undefined);
  assert.equal(new PendingStore(f.db).count(), 0);
});

test("runCheck() looks only at hinted paths, then forgets the hints; --full walks all", async () => {
  const f = fixture("hints", { "a.txt": "a", "b.txt": "b", "sub/c.txt": "c" });
  await f.check();
  writeFileSync(join(f.root, "a.txt"), "a2");
  writeFileSync(join(f.root, "b.txt"), "b2");
  mkdirSync(join(f.root, "new/deep"), { recursive: true });
  writeFileSync(join(f.root, "new/deep/n.txt"), "n");
  new HintStore(f.db).add([join(f.root, "a.txt"), join(f.root, "new/deep/n.txt")], false);
  const hinted = await f.check();
  assert.equal(hinted.summary.scope, "hints");
  assert.deepEqual(Object.fromEntries(hinted.changes), { "/a.txt": "content", "/new": "new", "/new/deep": "new", "/new/deep/n.txt": "new" });
  assert.deepEqual(new HintStore(f.db).list(), []);
  const full = await f.check();
  assert.equal(full.summary.scope, "full");
  assert.deepEqual(Object.fromEntries(full.changes), { "/b.txt": "content" });
});

test("runCheck() on paths: without -r only the path, with -r its subtree", async () => {
  const f = fixture("paths", { "s/a": "a", "s/b/c": "c" });
  const one = await f.check({ paths: [join(f.root, "s")] });
  assert.deepEqual([...one.changes.keys()].sort(), ["/", "/s"]);
  const sub = await f.check({ paths: [join(f.root, "s")], recursive: true });
  assert.deepEqual([...sub.changes.keys()].sort(), ["/s/a", "/s/b", "/s/b/c"]);
});

test("runCheck() on paths walks a directory that replaced the recorded one, asked for or met as a parent", async () => {
  // rm -rf d; mkdir d: ext4 gives the new d the old inode number, and continuous mode may see
  // only a file of the old d gone. Its check re-recorded d as the parent of that file, and the
  // files of the new d, written before the watcher watched it, were never looked at.
  const f = fixture("replaced", { "keep": "k", "d/old": "o", "e/old": "o" });
  await f.check();
  for (const dir of ["d", "e"]) {
    rmSync(join(f.root, dir), { recursive: true });
    mkdirSync(join(f.root, dir));
    writeFileSync(join(f.root, dir, "new"), "n");
  }
  const below = await f.check({ paths: [join(f.root, "d/old")] });
  assert.deepEqual([...below.changes.keys()].filter((p) => p !== "/d").sort(), ["/d/new", "/d/old"], "met as the parent of a path");
  // With a path below it asked for too: each new path is recorded once (a second insert of
  // e/new failed the whole check with a UNIQUE constraint error).
  const itself = await f.check({ paths: [join(f.root, "e"), join(f.root, "e/new")] });
  assert.deepEqual([...itself.changes.keys()].filter((p) => p !== "/e").sort(), ["/e/new", "/e/old"], "asked for, with a path below it");
  const again = await f.check({ paths: [join(f.root, "d"), join(f.root, "e")] });
  assert.deepEqual([...again.changes.keys()], [], "once recorded, the same directory is looked at alone");
});

test("runCheck() does not delete what an exclude now covers", async () => {
  const f = fixture("exclude", { "keep.txt": "k", "log.txt": "l" });
  await f.check();
  const file = writeTestConfig(join(f.root, "..", "etc"), { include: [f.root], exclude: ["*.log", join(f.root, "log.txt")] });
  const config = loadTestConfig(file, f.config.stateDir);
  unlinkSync(join(f.root, "log.txt"));
  const changes: Change[] = [];
  await runCheck(f.db, config, { onChange: (c) => changes.push(c) });
  assert.deepEqual(changes, []);
});

test("runCheck() leaves an emptied root alone (unmounted disk) unless allowed, however few entries it held", async () => {
  for (const files of [1, 3, 120]) {
    const spec: Record<string, string> = {};
    for (let i = 0; i < files; i++) spec[`f${i}`] = "x";
    const f = fixture(`unmounted-${files}`, spec);
    await f.check();
    for (let i = 0; i < files; i++) unlinkSync(join(f.root, `f${i}`));
    const stopped = await f.check();
    assert.equal(stopped.summary.safetyStop, true, `${files} file(s)`);
    assert.equal(stopped.changes.size, 0);
    const allowed = await f.check({ allowEmptyRoots: true });
    assert.equal(allowed.summary.deleted, files);
    assert.equal((await f.check()).summary.safetyStop, false, "an empty root the index agrees with is no stop");
  }
});

test("runCheck() leaves a root alone that holds only names the index never saw (a log written into the bare mount point)", async () => {
  for (const stray of [["app.log"], ["app.log", "lost+found/x"]]) {
    const f = fixture(`stray-${stray.length}`, { "site/a": "a", "site/b": "b", top: "t" });
    await f.check();
    const away = join(f.root, "..", "disk");
    renameSync(f.root, away);
    makeTreeAt(f.root, stray);
    const stopped = await f.check();
    assert.equal(stopped.summary.safetyStop, true, stray.join());
    assert.equal(stopped.changes.size, 0, "nothing recorded, not even the stray file");
    rmSync(f.root, { recursive: true });
    renameSync(away, f.root);
    writeFileSync(join(f.root, "new"), "n");
    unlinkSync(join(f.root, "top"));
    const back = await f.check();
    assert.equal(back.summary.safetyStop, false, "one known name is enough: the disk is there");
    assert.deepEqual(Object.fromEntries(back.changes), { "/new": "new", "/top": "deleted" });
  }
});

test("runCheck(): the same root directory with its only child renamed is no unmounted disk", async () => {
  const f = fixture("renamed-only-child", { "images/a": "a", "images/b": "b" });
  await f.check();
  renameSync(join(f.root, "images"), join(f.root, "img"));
  const { summary, changes } = await f.check();
  assert.equal(summary.safetyStop, false);
  assert.equal(changes.get("/images"), "deleted");
  assert.equal(changes.get("/img"), "new");
});

test("runCheck(): a root whose names are only directories the walk passes through is no unmounted disk", async () => {
  const f = fixture("walked-through", { "s1/conf": "1", "s2/conf": "2" });
  const file = writeTestConfig(join(f.root, "..", "etc"), { include: [join(f.root, "*", "conf")] });
  const check = (o: CheckOptions = {}) => runCheck(f.db, loadTestConfig(file, f.config.stateDir), o);
  await check();
  assert.equal(new EntryStore(f.db).get("g", join(f.root, "s1")), undefined, "s1 is walked, not recorded");
  unlinkSync(join(f.root, "s2/conf"));
  const summary = await check();
  assert.equal(summary.safetyStop, false);
  assert.equal(summary.deleted, 1);
});

function makeTreeAt(root: string, files: readonly string[]): void {
  for (const rel of files) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), "stray");
  }
}

test("runCheck() reports a requested path outside every include root as skipped, and checks the others", async () => {
  const f = fixture("outside", { "a.txt": "a" });
  const outside = join(f.root, "..", "elsewhere.txt");
  const { summary, changes } = await f.check({ paths: [outside, join(f.root, "a.txt")] });
  assert.deepEqual(summary.problems.map((p) => [p.path, p.severity, p.op]), [[resolve(outside), "skipped", "path"]]);
  assert.match(summary.problems[0]!.message, /no include root of the groups checked/);
  assert.ok(changes.has("/a.txt"), "the path inside was checked");
});

test("runCheck() names a path argument outside every include root as the operator typed it", async () => {
  const f = fixture("outside-typed", { "a.txt": "a" });
  // As raw-argv hands on a pasted U+FFFD and hex digits: the escaped bytes of a literal U+FFFD.
  const local = join(f.root, "..", "lat\uFFFDEF\uFFFDBF\uFFFDBDE9in");
  const { summary } = await f.check({ paths: [{ local, typed: "../lat\uFFFDE9in" }, join(f.root, "..", "plain")] });
  assert.deepEqual(summary.problems.map((p) => [p.path, p.op]).sort(), [["../lat\uFFFDE9in", "path"], [resolve(f.root, "..", "plain"), "path"]]);
});

test("runCheck() of paths below an emptied or vanished root records nothing there either", async () => {
  const f = fixture("unmounted-paths", { "a.txt": "a", "d/b.txt": "b" });
  await f.check();
  const emptied = join(f.root, "..", "away");
  renameSync(f.root, emptied);
  for (const state of ["vanished", "empty"]) {
    // A receiver's temp file, written before it re-checks, does not make a root non-empty.
    if (state === "empty") mkdirSync(f.root), writeFileSync(join(f.root, tempName()), "arriving");
    const { summary, changes } = await f.check({ paths: [join(f.root, "a.txt"), join(f.root, "d/b.txt")] });
    assert.equal(summary.safetyStop, true, state);
    assert.equal(changes.size, 0, `${state}: nothing recorded as deleted`);
    assert.deepEqual(summary.problems.map((p) => [p.path, p.op, p.severity]), [[f.root, "root", "safety"]]);
  }
  assert.equal((await f.check({ paths: [join(f.root, "a.txt")], allowEmptyRoots: true })).summary.deleted, 1, "unless allowed");
});

test("runCheck() of one vanished (or replaced) directory records its whole recorded subtree deleted, not the directory alone", async () => {
  const f = fixture("rm-rf", { keep: "k", "d/f": "f", "d/a/b/h": "h", "e/g": "g" });
  await f.check();
  rmSync(join(f.root, "d"), { recursive: true });
  rmSync(join(f.root, "e"), { recursive: true });
  writeFileSync(join(f.root, "e"), "a file where a directory was");
  const { changes } = await f.check({ paths: [join(f.root, "d"), join(f.root, "e")] });
  assert.deepEqual(Object.fromEntries(changes), {
    "/d": "deleted", "/d/a": "deleted", "/d/a/b": "deleted", "/d/a/b/h": "deleted", "/d/f": "deleted", "/e": "type", "/e/g": "deleted",
  });
});

test("runCheck() records an empty root as it is when the index knew nothing below it", async () => {
  const f = fixture("empty-from-start", {});
  const first = await f.check();
  assert.equal(first.summary.safetyStop, false);
  assert.equal((await f.check()).summary.safetyStop, false);
});

test("runCheck() --init records without pending; a receive-only node marks nothing pending", async () => {
  const f = fixture("init", { "a.txt": "a" });
  await f.check({ init: true });
  assert.equal(new PendingStore(f.db).count(), 0);
  assert.equal((await f.check()).changes.size, 0);
  const g = fixture("ro", { "a.txt": "a" }, { hosts: "(a) b" });
  const { summary } = await g.check();
  assert.equal(summary.new, 2);
  assert.equal(new PendingStore(g.db).count(), 0);
});

test("runCheck() --checksum finds a change that kept size, mtime and ctime-less fingerprint", async () => {
  const f = fixture("checksum", { "a.txt": "aaaa" });
  await f.check();
  assert.equal((await f.check({ checksum: true })).summary.examined, 2);
  assert.equal((await f.check({ checksum: true })).changes.size, 0);
});

test("runCheck() never records a writer's temp or partial file, but does a name that only looks alike", async () => {
  const part = `.peersync-part-${"ab".repeat(16)}`;
  const temp = `.peersync-tmp-${"0".repeat(16)}`;
  const f = fixture("transfer-names", { [`d/${part}`]: "half", [`d/${temp}`]: "half", ".peersync-notes": "mine", "d/x": "x" });
  const first = await f.check();
  assert.deepEqual(Object.fromEntries(first.changes), { "/": "new", "/.peersync-notes": "new", "/d": "new", "/d/x": "new" });
});

test("runCheck() hands the push the bytes it read of each version that travels with content", async () => {
  const f = fixture("content", { "a.txt": "alpha", "d/b.txt": "beta", "m.txt": "meta" });
  const hashes = new Map<string, string>();
  const seen = () => {
    const kept = new Map<string, string>();
    const onContent = (group: string, path: string, hash: string, content: Buffer) => {
      assert.equal(group, "g");
      hashes.set(path, hash);
      kept.set(path.slice(f.root.length), content.toString());
    };
    return { kept, onContent };
  };
  const recordedHashes = () => {
    for (const [path, hash] of hashes) assert.equal(hash, new EntryStore(f.db).get("g", path)?.hash, `${path}: the hash recorded is the hash of the bytes handed over`);
    hashes.clear();
  };
  const dry = seen();
  await f.check({ dryRun: true, onContent: dry.onContent });
  assert.equal(dry.kept.size, 0, "a dry run pushes nothing");
  assert.equal(hashes.size, 0);
  const first = seen();
  await f.check({ onContent: first.onContent });
  assert.deepEqual(Object.fromEntries(first.kept), { "/a.txt": "alpha", "/d/b.txt": "beta", "/m.txt": "meta" });
  recordedHashes();
  writeFileSync(join(f.root, "a.txt"), "ALPHA!");
  chmodSync(join(f.root, "m.txt"), 0o600);
  const second = seen();
  const { changes } = await f.check({ onContent: second.onContent });
  assert.deepEqual(Object.fromEntries(changes), { "/a.txt": "content", "/m.txt": "meta" });
  assert.deepEqual(Object.fromEntries(second.kept), { "/a.txt": "ALPHA!" }, "a mode change travels without the bytes");
  recordedHashes();
  const g = fixture("content-ro", { "a.txt": "a" }, { hosts: "(a) b" });
  const none = seen();
  await g.check({ onContent: none.onContent });
  assert.equal(none.kept.size, 0, "a receive-only node pushes nothing");
});

// A sync that brought files moves the times of the directories they landed in. Taken for a
// change, that made the receiver's next sync connect to every peer with nothing to send.
test("runCheck(): a recorded directory whose times alone moved is no suspect; a chmod of it or a file's touch is", async () => {
  const f = fixture("suspects", { "d/a.txt": "a", "e/b.txt": "b" }, { hosts: "a b" });
  await f.check();
  const suspects: string[] = [];
  const onSuspect = (group: string): void => void suspects.push(group);
  const later = new Date(2_000_000_000_000);
  utimesSync(join(f.root, "d"), later, later);
  writeFileSync(join(f.root, "e/made-and-gone"), "x");
  unlinkSync(join(f.root, "e/made-and-gone"));
  const quiet = await f.check({ onSuspect });
  assert.deepEqual([suspects, quiet.changes.size], [[], 0]);
  assert.ok(quiet.summary.examined >= 2, "both directories were looked at");

  chmodSync(join(f.root, "d"), 0o700);
  const moved = await f.check({ onSuspect });
  assert.deepEqual(Object.fromEntries(moved.changes), { "/d": "meta" });
  assert.deepEqual(suspects, ["g"], "the change itself says so");

  suspects.length = 0;
  utimesSync(join(f.root, "e/b.txt"), later, later);
  await f.check({ onSuspect });
  assert.equal(suspects[0], "g", "a file that differs from its record is a suspect before it is read");
});

test("runCheck() reports a file whose mtime the index cannot hold (after 2262) and records the rest", async () => {
  const f = fixture("far-future", { "ok.txt": "ok", "y2500.txt": "far", "d/pre1970.txt": "old" });
  // 2500-06-01: nanoseconds past 2^63, what SQLite's INTEGER holds; ext4 stores it.
  utimesSync(join(f.root, "y2500.txt"), 16_733_894_400, 16_733_894_400);
  utimesSync(join(f.root, "d/pre1970.txt"), -1.5, -1.5);
  const { changes, summary } = await f.check();
  assert.deepEqual(Object.fromEntries(changes), { "/": "new", "/ok.txt": "new", "/d": "new", "/d/pre1970.txt": "new" });
  assert.deepEqual(summary.problems.map((p) => [p.path, p.severity, p.code]), [[join(f.root, "y2500.txt"), "error", "MTIME_RANGE"]]);
  assert.match(summary.problems[0]!.message, /modification time .* after 2262-04-11.*touch/);
  assert.equal(new EntryStore(f.db).get("g", join(f.root, "y2500.txt")), undefined);
});

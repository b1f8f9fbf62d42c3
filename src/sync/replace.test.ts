// A version is put in place only while the target still holds what the decision was made on
// (replace.ts; issue 10: test/faults/churn found local writes replaced without a backup when they
// landed while a peer's version was on its way). Real files in a temp dir.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fingerprintHash } from "../core/file-state.js";
import type { LogicalPath } from "../core/path.js";
import { dir, file, gone } from "../core/testing-entries.js";
import { loadOwnerNames } from "../fs/owners.js";
import { applyVersion, setMeta, type ApplyDeps } from "./apply.js";
import { loadOwnerIds } from "./owners.js";
import { removeIfHolds } from "./remove-if-holds.js";
import { ChangedHereError, placedStill, swapIn, type Expected } from "./replace.js";
import { lstatOrUndefined, type Target } from "./target.js";
import { caseDirs } from "../fs/testing.js";

const fresh = caseDirs("replace");

/** What resolveTarget() gives for a plain name (no config needed here). */
async function targetAt(dir: string, name: string): Promise<Target> {
  const local = join(dir, name);
  return { path: `/${name}` as LogicalPath, local, fs: local, stat: await lstatOrUndefined(local) };
}

/** `dir/f` holding `content`, as the index recorded it: the target and what a decision expects there. */
async function recordedFile(dir: string, content: string): Promise<{ target: Target; expected: Expected }> {
  writeFileSync(join(dir, "f"), content);
  const target = await targetAt(dir, "f");
  return { target, expected: recorded(target.local) };
}

const deps: ApplyDeps = { ids: loadOwnerIds(), names: loadOwnerNames(), algorithm: "sha256", backup: { directory: join(fresh(), "backups"), generations: 3 }, chown: false };
const sha = (text: string): string => createHash("sha256").update(text).digest("hex");
const recorded = (path: string): Expected => ({ fp: fingerprintHash(lstatSync(path)) });
const leftovers = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith(".peersync-"));

test("a local write landing while the peer's version streams in is not replaced: refused, the write stays", async () => {
  const dir = fresh();
  const { target, expected } = await recordedFile(dir, "what the index recorded\n");
  const remote = file({ hash: sha("the peer's version\n"), size: 19, by: "b" });
  await assert.rejects(applyVersion(target, remote, deps, {
    backup: false,
    content: [Buffer.from("the peer's version\n")],
    expect: () => expected,
    // The temp file is complete; the user's editor writes the target in place now.
    beforeRename: async () => writeFileSync(target.local, "the user's late write\n"),
  }), ChangedHereError);
  assert.equal(readFileSync(target.local, "utf8"), "the user's late write\n");
  assert.deepEqual(leftovers(dir), [], "no temp or hold file is left");
});

test("where nothing was recorded, a file created meanwhile is not replaced (link never replaces)", async () => {
  const dir = fresh();
  const target = await targetAt(dir, "new");
  const remote = file({ hash: sha("peer\n"), size: 5, by: "b" });
  await assert.rejects(applyVersion(target, remote, deps, {
    backup: false, content: [Buffer.from("peer\n")], expect: () => "absent",
    beforeRename: async () => writeFileSync(target.local, "created here meanwhile\n"),
  }), ChangedHereError);
  assert.equal(readFileSync(target.local, "utf8"), "created here meanwhile\n");
  assert.deepEqual(leftovers(dir), []);
});

test("an unchanged target is replaced (and an absent one created), leaving no hold or temp file", async () => {
  const dir = fresh();
  const { target, expected } = await recordedFile(dir, "old\n");
  const remote = file({ hash: sha("new\n"), size: 4, mode: 0o100644, by: "b" });
  const applied = await applyVersion(target, remote, deps, { backup: false, content: [Buffer.from("new\n")], expect: () => expected });
  assert.equal(readFileSync(target.local, "utf8"), "new\n");
  assert.equal(applied.observed?.ctimeNs, lstatSync(target.local, { bigint: true }).ctimeNs, "recorded as the disk reports it");
  const other = await targetAt(dir, "g");
  await applyVersion(other, remote, deps, { backup: false, content: [Buffer.from("new\n")], expect: () => "absent" });
  assert.equal(readFileSync(other.local, "utf8"), "new\n");
  assert.deepEqual(leftovers(dir), []);
});

test("a deletion removes only the recorded state; a file rewritten since stays", async () => {
  const dir = fresh();
  const { target, expected } = await recordedFile(dir, "recorded\n");
  writeFileSync(target.local, "rewritten after the decision, longer\n");
  await assert.rejects(applyVersion(target, gone({ by: "b" }), deps, { backup: false, expect: () => expected }), ChangedHereError);
  assert.equal(readFileSync(target.local, "utf8"), "rewritten after the decision, longer\n");
  removeIfHolds(target, recorded(target.local));
  assert.equal(existsSync(target.local), false);
});

test("swapIn(): the fingerprint decides, not the content; a stale expectation refuses", async () => {
  const dir = fresh();
  const { target, expected } = await recordedFile(dir, "one\n");
  writeFileSync(join(dir, "t1"), "two\n");
  swapIn(join(dir, "t1"), target, expected);
  assert.equal(readFileSync(target.local, "utf8"), "two\n");
  writeFileSync(join(dir, "t2"), "three\n");
  assert.throws(() => swapIn(join(dir, "t2"), target, expected), ChangedHereError, "the target is no longer the recorded file");
  assert.throws(() => swapIn(join(dir, "t2"), target, "absent"), ChangedHereError, "something is there");
  assert.equal(readFileSync(target.local, "utf8"), "two\n");
});

// The gap between the last look and the swap is microseconds wide; RaceHooks.beforeSwap puts
// another process's action exactly there. Before renameat2(RENAME_EXCHANGE), a file renamed
// over the target in that gap was replaced by a plain rename and unlinked unseen.
test("a file renamed over the target between the last look and the swap is not replaced: it stays, ours is refused", async () => {
  const dir = fresh();
  const { target, expected } = await recordedFile(dir, "recorded\n");
  writeFileSync(join(dir, "t"), "the peer's version\n");
  const raced = (): void => {
    writeFileSync(join(dir, "editor-save"), "saved by an editor\n");
    renameSync(join(dir, "editor-save"), target.local);
  };
  assert.throws(() => swapIn(join(dir, "t"), target, expected, { beforeSwap: raced }), ChangedHereError);
  assert.equal(readFileSync(target.local, "utf8"), "saved by an editor\n");
  assert.equal(readFileSync(join(dir, "t"), "utf8"), "the peer's version\n", "ours is back at its temp name, for the caller to remove");
  assert.deepEqual(leftovers(dir), []);
});

// Where the decision was made on nothing, renameat2(RENAME_NOREPLACE) is the only look: it
// must refuse whatever stands there as the lstat did, not only a regular file.
test("where nothing was recorded, a directory, a dangling link or a file at the target refuses ours and stays", async () => {
  const dir = fresh();
  const makers: [string, (p: string) => void][] = [
    ["a directory", (p) => mkdirSync(p)],
    ["a dangling symlink", (p) => symlinkSync("nowhere", p)],
    ["a file", (p) => writeFileSync(p, "here first\n")],
  ];
  for (const [what, make] of makers) {
    const name = what.replace(/ /g, "-");
    const target = await targetAt(dir, name);
    make(target.local);
    const before = lstatSync(target.local);
    writeFileSync(join(dir, "t"), "the peer's version\n");
    assert.throws(() => swapIn(join(dir, "t"), target, "absent"), ChangedHereError, what);
    const after = lstatSync(target.local);
    assert.deepEqual([after.ino, after.mode, after.mtimeMs], [before.ino, before.mode, before.mtimeMs], `${what} is left as it was`);
    assert.equal(readFileSync(join(dir, "t"), "utf8"), "the peer's version\n", "ours stays at its temp name, for the caller to remove");
  }
});

test("where nothing was, a file created between the last look and the placing stays; ours is refused (never replaced)", async () => {
  const dir = fresh();
  const target = await targetAt(dir, "new");
  writeFileSync(join(dir, "t"), "the peer's version\n");
  assert.throws(() => swapIn(join(dir, "t"), target, "absent", { beforeSwap: () => writeFileSync(target.local, "created here in the gap\n") }), ChangedHereError);
  assert.equal(readFileSync(target.local, "utf8"), "created here in the gap\n");
  assert.equal(readFileSync(join(dir, "t"), "utf8"), "the peer's version\n", "ours stays at its temp name, for the caller to remove");
  swapIn(join(dir, "t"), await targetAt(dir, "other"), "absent");
  assert.equal(readFileSync(join(dir, "other"), "utf8"), "the peer's version\n");
  assert.equal(existsSync(join(dir, "t")), false, "placed by moving, not copying: the temp name is gone");
});

test("swapIn() with the writer's stat: a write into the temp file after it counts as a write after the swap", async () => {
  const dir = fresh();
  const temp = join(dir, "t");
  writeFileSync(temp, "the peer's version\n");
  const written = lstatSync(temp, { bigint: true });
  const untouched = swapIn(temp, await targetAt(dir, "a"), "absent", { written });
  assert.equal(placedStill(lstatSync(join(dir, "a"), { bigint: true }), untouched), true);
  writeFileSync(temp, "the peer's version\n");
  const stat = lstatSync(temp, { bigint: true });
  writeFileSync(temp, "written by someone else, longer\n");
  const placed = swapIn(temp, await targetAt(dir, "b"), "absent", { written: stat });
  assert.equal(placed, stat);
  assert.equal(placedStill(lstatSync(join(dir, "b"), { bigint: true }), placed), false, "the index must not take this file for the version received");
});

test("a write in place between the last look and the swap (same size) is not replaced", async () => {
  const dir = fresh();
  const { target, expected } = await recordedFile(dir, "recorded\n");
  writeFileSync(join(dir, "t"), "the peer's version\n");
  assert.throws(() => swapIn(join(dir, "t"), target, expected, { beforeSwap: () => writeFileSync(target.local, "RECORDED\n") }), ChangedHereError);
  assert.equal(readFileSync(target.local, "utf8"), "RECORDED\n");
});

test("a removal leaves a file renamed over the target, or written in place, after the last look", async () => {
  const dir = fresh();
  writeFileSync(join(dir, "f"), "recorded\n");
  const target = await targetAt(dir, "f");
  const replaced = (): void => {
    writeFileSync(join(dir, "editor-save"), "saved by an editor\n");
    renameSync(join(dir, "editor-save"), target.local);
  };
  assert.throws(() => removeIfHolds(target, recorded(target.local), { beforeSwap: replaced }), ChangedHereError);
  assert.equal(readFileSync(target.local, "utf8"), "saved by an editor\n");
  assert.throws(() => removeIfHolds(target, recorded(target.local), { beforeSwap: () => writeFileSync(target.local, "SAVED by an editor\n") }), ChangedHereError);
  assert.equal(readFileSync(target.local, "utf8"), "SAVED by an editor\n");
  assert.deepEqual(leftovers(dir), []);
  removeIfHolds(target, recorded(target.local));
  assert.equal(existsSync(target.local), false);
  assert.deepEqual(leftovers(dir), []);
});

test("swapIn() over a symlink swaps it out like a file, leaving nothing behind", async () => {
  const dir = fresh();
  symlinkSync("somewhere", join(dir, "l"));
  const target = await targetAt(dir, "l");
  const expected = recorded(target.local);
  writeFileSync(join(dir, "t"), "a file now\n");
  swapIn(join(dir, "t"), target, expected);
  assert.equal(readFileSync(target.local, "utf8"), "a file now\n");
  assert.deepEqual(readdirSync(dir), ["l"]);
});

test("attributes set in place: a local write landing meanwhile is not recorded as the version's content", async () => {
  const dir = fresh();
  writeFileSync(join(dir, "f"), "same content\n");
  const target = await targetAt(dir, "f");
  const remote = file({ hash: sha("same content\n"), size: 13, mode: 0o100600, by: "b" });
  const pending = setMeta(target, remote, deps, recorded(target.local));
  // setMeta looked synchronously; this write lands while its chmod and utimes are on their way.
  writeFileSync(target.local, "SAME content\n");
  const observed = await pending;
  assert.equal(readFileSync(target.local, "utf8"), "SAME content\n");
  assert.notEqual(observed?.ctimeNs, lstatSync(target.local, { bigint: true }).ctimeNs, "the record cannot match the disk: the next check hashes the file");
});

test("swapIn() never swaps a directory out: the rename is refused and the directory keeps its children", async () => {
  const dir = fresh();
  mkdirSync(join(dir, "d"));
  writeFileSync(join(dir, "d", "child"), "kept\n");
  const target = await targetAt(dir, "d");
  writeFileSync(join(dir, "t"), "a file\n");
  assert.throws(() => swapIn(join(dir, "t"), target, recorded(target.local)));
  assert.equal(readFileSync(join(dir, "d", "child"), "utf8"), "kept\n");
  assert.equal(readFileSync(join(dir, "t"), "utf8"), "a file\n");
});

test("swapIn() with `displaced`: the old version is handed over, not unlinked; refused swaps hand over nothing", async () => {
  const dir = fresh();
  const { target, expected } = await recordedFile(dir, "old version\n");
  const handed: (string | Buffer)[] = [];
  writeFileSync(join(dir, ".peersync-t1"), "new version\n");
  swapIn(join(dir, ".peersync-t1"), target, expected, { displaced: (temp) => handed.push(temp) });
  assert.equal(readFileSync(target.local, "utf8"), "new version\n");
  assert.deepEqual(handed.map(String), [join(dir, ".peersync-t1")]);
  assert.equal(readFileSync(handed[0]!, "utf8"), "old version\n", "the temp name holds the displaced version");
  writeFileSync(join(dir, ".peersync-t2"), "late\n");
  const stale = recorded(target.local);
  writeFileSync(target.local, "written here after the decision\n");
  assert.throws(() => swapIn(join(dir, ".peersync-t2"), target, stale, { displaced: (temp) => handed.push(temp) }), ChangedHereError);
  assert.equal(handed.length, 1, "a refused swap displaced nothing");
});

/** `dir/d` with one entry, as the index recorded it: its fingerprint and its version's fields. */
function recordedDir(dir: string): { target: Target; expected: Expected } {
  const local = join(dir, "d");
  mkdirSync(local, { mode: 0o755 });
  writeFileSync(join(local, "x"), "x\n");
  const st = lstatSync(local, { bigint: true });
  const target: Target = { path: "/d" as LogicalPath, local, fs: local, stat: st };
  const dirOf = { ino: st.ino, dev: st.dev, mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid) };
  return { target, expected: { fp: fingerprintHash(lstatSync(local)), dir: () => dirOf } };
}

// What happens to a recorded directory between the decision and the change: whether the
// directory still holds the version the decision was made on.
const directoryChanges: { what: string; change: (d: string) => void; holds: boolean }[] = [
  { what: "nothing", change: () => undefined, holds: true },
  { what: "an entry removed (this sync's own deletion of d/x)", change: (d) => removeIfHolds({ path: "/d/x" as LogicalPath, local: join(d, "x"), fs: join(d, "x"), stat: lstatSync(join(d, "x"), { bigint: true }) }, recorded(join(d, "x"))), holds: true },
  { what: "an entry added", change: (d) => writeFileSync(join(d, "y"), "y\n"), holds: true },
  { what: "its mode changed here", change: (d) => chmodSync(d, 0o700), holds: false },
  { what: "another directory put in its place", change: (d) => (renameSync(d, `${d}.old`), mkdirSync(d, { mode: 0o755 })), holds: false },
  { what: "a file put in its place", change: (d) => (renameSync(d, `${d}.old`), writeFileSync(d, "file\n")), holds: false },
];
for (const c of directoryChanges) {
  test(`a directory's new mode is set ${c.holds ? "" : "only "}when, after the decision, ${c.what}${c.holds ? "" : " (refused)"}`, async () => {
    const { target, expected } = recordedDir(fresh());
    c.change(target.local);
    const set = setMeta(target, dir({ mode: 0o40750, uid: process.getuid!(), gid: process.getgid!(), userName: undefined, groupName: undefined }), deps, expected);
    if (c.holds) {
      await set;
      assert.equal(lstatSync(target.local).mode & 0o7777, 0o750);
    } else {
      await assert.rejects(set, ChangedHereError);
      assert.notEqual(lstatSync(target.local).mode & 0o7777, 0o750, "nothing was changed");
    }
  });
}

test("a recorded directory removed by a peer's deletion after this sync emptied it", async () => {
  const { target, expected } = recordedDir(fresh());
  removeIfHolds({ path: "/d/x" as LogicalPath, local: join(target.local, "x"), fs: join(target.local, "x"), stat: undefined }, recorded(join(target.local, "x")));
  removeIfHolds(target, expected);
  assert.equal(existsSync(target.local), false);
});

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, lstatSync, mkdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { nativeDirProbe, type DirProbe, type ProbeResult } from "./dir-probe.js";
import { fingerprintAt, STAT_OK } from "./stat-batch.js";
import { caseDirs } from "./testing.js";

const newDir = caseDirs("dir-probe");
const probeDir = nativeDirProbe();
const SEED = 12345;

async function probe(dir: string | Buffer, seed = SEED): Promise<DirProbe> {
  assert.ok(probeDir, "native/build/Release/peersync_fs.node has no listAt: run make build");
  const result: ProbeResult = await probeDir(dir, seed);
  if ("error" in result) throw new Error(`probe failed: ${result.error[1]}`);
  return result;
}

test("a probe lists every name (escaped when not UTF-8) with the stat lstatSync reports, never following a symlink", async () => {
  const dir = newDir();
  writeFileSync(join(dir, "f"), "x");
  mkdirSync(join(dir, "d"));
  symlinkSync("d", join(dir, "to-d"));
  assert.equal(spawnSync("mkfifo", [join(dir, "p")]).status, 0);
  writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), Buffer.from("bad\xff", "latin1")]), "y");
  writeFileSync(join(dir, "lit\uFFFD"), "z");
  const p = await probe(dir);
  const byName = new Map(Array.from({ length: p.count }, (_, i) => [p.name(i), i]));
  assert.deepEqual([...byName.keys()].sort(), ["bad\uFFFDFF", "d", "f", "lit\uFFFDEF\uFFFDBF\uFFFDBD", "p", "to-d"]);
  assert.equal(p.failed, 0);
  for (const [name, i] of byName) {
    const path = name.startsWith("bad") ? Buffer.concat([Buffer.from(`${dir}/`), Buffer.from("bad\xff", "latin1")]) : join(dir, name.startsWith("lit") ? "lit\uFFFD" : name);
    const want = lstatSync(path);
    assert.equal(p.stats.status[i], STAT_OK, name);
    assert.deepEqual(fingerprintAt(p.stats, i), { mode: want.mode, uid: want.uid, gid: want.gid, size: want.size, ino: want.ino, dev: want.dev, mtimeMs: want.mtimeMs, ctimeMs: want.ctimeMs }, name);
  }
  assert.deepEqual(p.directoryIndexes().map((i) => p.name(i)), ["d"]);
});

test("a probe's digest stays while nothing changes and moves with any change to a name or its stat, or another seed", async () => {
  const dir = newDir();
  writeFileSync(join(dir, "a"), "a");
  writeFileSync(join(dir, "b"), "b");
  mkdirSync(join(dir, "sub"));
  const changes: [string, () => void][] = [
    ["append", () => appendFileSync(join(dir, "a"), "more")],
    ["chmod", () => chmodSync(join(dir, "b"), 0o600)],
    ["times", () => utimesSync(join(dir, "a"), 1_000, 1_000)],
    ["rename", () => renameSync(join(dir, "b"), join(dir, "c"))],
    ["add", () => writeFileSync(join(dir, "new"), "")],
    ["remove (back to the names and stats before \"add\")", () => rmSync(join(dir, "new"))],
    ["a change inside a subdirectory", () => writeFileSync(join(dir, "sub", "x"), "")], // moves sub's times
    ["replace by the same content", () => { rmSync(join(dir, "a")); writeFileSync(join(dir, "a"), "amore"); }],
  ];
  let before = (await probe(dir)).digest;
  assert.equal((await probe(dir)).digest, before, "unchanged");
  assert.notEqual((await probe(dir, SEED + 1)).digest, before, "another seed");
  for (const [label, change] of changes) {
    change();
    const after = (await probe(dir)).digest;
    assert.notEqual(after, before, `${label}: the digest did not move`);
    assert.ok(Number.isSafeInteger(after) && after >= 0, label);
    before = after;
  }
});

test("a probe of what is not a directory, or no longer there, reports why", async () => {
  const dir = newDir();
  mkdirSync(join(dir, "d"));
  symlinkSync("d", join(dir, "link"));
  writeFileSync(join(dir, "f"), "");
  const error = async (path: string) => {
    const r = await probeDir!(path, SEED);
    return "error" in r ? r.error[0] : "listed";
  };
  assert.equal(await error(join(dir, "link")), "ENOTDIR");
  assert.equal(await error(join(dir, "f")), "ENOTDIR");
  assert.equal(await error(join(dir, "gone")), "ENOENT");
  assert.equal(await error(join(dir, "d")), "listed");
});

test("a probe hashes each child: its name alone and its whole (name, lstat), both seeded", async () => {
  const dir = newDir();
  for (const name of ["a", "b", "c"]) writeFileSync(join(dir, name), name);
  const pairs = (p: DirProbe) => new Map(Array.from({ length: p.count }, (_, i) => [p.name(i), [p.hashes[i * 2]!, p.hashes[i * 2 + 1]!]]));
  const before = await probe(dir);
  assert.equal(before.hashes.length, 2 * before.count);
  const was = pairs(before);
  assert.equal(new Set([...was.values()].flat()).size, 6, "six different hashes");
  for (const h of [...was.values()].flat()) assert.ok(Number.isSafeInteger(h) && h >= 0, `${h} fits 53 bits`);
  appendFileSync(join(dir, "b"), "!");
  const now = pairs(await probe(dir));
  assert.deepEqual(now.get("a"), was.get("a"));
  assert.deepEqual(now.get("c"), was.get("c"));
  assert.equal(now.get("b")![0], was.get("b")![0], "b's name hash stays");
  assert.notEqual(now.get("b")![1], was.get("b")![1], "b's whole hash moves");
  const reseeded = pairs(await probe(dir, SEED + 1));
  for (const [name, [n, w]] of reseeded) {
    assert.notEqual(n, now.get(name)![0], `${name}: other rules, other name hash`);
    assert.notEqual(w, now.get(name)![1], `${name}: other rules, other whole hash`);
  }
});

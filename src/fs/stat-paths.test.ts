// statPaths() gives the StatBatch statBatch() gives for the same paths, whichever way it takes
// per directory: the native batch lstat, or path by path where the directory is missing, not a
// directory, or holds only a few of the paths.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { decodeName, fsPath } from "./name-codec.js";
import { statBatch, STAT_MISSING } from "./stat-batch.js";
import { nativeStatAt } from "./stat-native.js";
import { statPaths } from "./stat-paths.js";

const base = mkdtempSync(join(tmpdir(), "peersync-stat-paths-"));
after(() => rmSync(base, { recursive: true, force: true }));

test("statPaths() = statBatch() for files, links, missing names, a missing directory, a file taken for a directory, a name that is not UTF-8", async () => {
  const many = join(base, "many");
  mkdirSync(many);
  const locals: string[] = [];
  for (let i = 0; i < 20; i++) {
    writeFileSync(join(many, `f${i}`), "x".repeat(i));
    locals.push(join(many, `f${i}`));
  }
  symlinkSync("f1", join(many, "link"));
  mkdirSync(join(many, "sub"));
  const raw = Buffer.concat([Buffer.from(`${many}/`), Buffer.from([0x6e, 0xff, 0x6f])]);
  writeFileSync(raw, "latin-1 name\n");
  const odd = join(many, decodeName(Buffer.from([0x6e, 0xff, 0x6f])));
  assert.deepEqual(fsPath(odd), raw);
  locals.push(join(many, "link"), join(many, "sub"), join(many, "gone"), odd);
  for (let i = 0; i < 9; i++) locals.push(join(base, "no-such-dir", `f${i}`));
  for (let i = 0; i < 9; i++) locals.push(join(many, "f3", `below-a-file-${i}`));
  locals.push(join(base, "few-1"));
  writeFileSync(join(base, "few-1"), "alone\n");
  const want = statBatch(locals.map(fsPath));
  for (const native of [nativeStatAt(), undefined]) {
    const got = await statPaths(locals, native);
    assert.deepEqual([...got.status], [...want.status]);
    assert.deepEqual([...got.fields], [...want.fields]);
    assert.deepEqual(got.errors.map(([i, code]) => [i, code]).sort(), want.errors.map(([i, code]) => [i, code]).sort());
  }
});

test("statPaths() uses the native batch lstat for a directory's many paths (the addon is built)", async () => {
  const dir = join(base, "counted");
  mkdirSync(dir);
  const locals = Array.from({ length: 12 }, (_, i) => join(dir, `f${i}`));
  locals.forEach((l) => writeFileSync(l, "x"));
  const native = nativeStatAt();
  assert.ok(native, "the peersync_fs addon is built");
  let calls = 0;
  const counting: typeof native = (request) => {
    calls++;
    return native(request);
  };
  const got = await statPaths(locals, counting);
  assert.equal(calls, 1);
  assert.deepEqual([...got.status], new Array(12).fill(0));
});

// A path below a file (or a symlink to one) can hold nothing: lstat says ENOTDIR. Taken for a
// failure, a re-check of a tombstone there was "unsure" at every offer, and two nodes refused
// each other's copy of it forever (convergence seed 7204, 1,500 operations).
test("statPaths() and statBatch(): a path below a file or a looping symlink is missing, never a failure, at any depth and in any number", async () => {
  const dir = join(base, "below-file");
  mkdirSync(dir);
  writeFileSync(join(dir, "file"), "x");
  symlinkSync("file", join(dir, "link-to-file"));
  symlinkSync("loop", join(dir, "loop"));
  const cases = [
    ["one level below a file", Array.from({ length: 3 }, (_, i) => join(dir, "file", `x${i}`))],
    ["two levels below a file", Array.from({ length: 3 }, (_, i) => join(dir, "file", "sub", `x${i}`))],
    ["many, two levels below a file (the native batch's size)", Array.from({ length: 12 }, (_, i) => join(dir, "file", "sub", `x${i}`))],
    ["below a symlink to a file", Array.from({ length: 12 }, (_, i) => join(dir, "link-to-file", `x${i}`))],
    // ELOOP (seen in the policy search at 3,000 operations: a symlink made where a directory was).
    ["below a symlink that loops", Array.from({ length: 3 }, (_, i) => join(dir, "loop", `x${i}`))],
    ["many, two levels below a symlink that loops", Array.from({ length: 12 }, (_, i) => join(dir, "loop", "sub", `x${i}`))],
  ] as const;
  for (const [what, locals] of cases) {
    assert.deepEqual([...statBatch(locals.map(fsPath)).status], locals.map(() => STAT_MISSING), `statBatch, ${what}`);
    for (const native of [nativeStatAt(), undefined]) {
      const got = await statPaths(locals, native);
      assert.deepEqual([...got.status], locals.map(() => STAT_MISSING), `statPaths (${native ? "native" : "in place"}), ${what}`);
      assert.deepEqual(got.errors, []);
    }
  }
});

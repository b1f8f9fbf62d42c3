import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fingerprintAt, STAT_FAILED, STAT_MISSING, STAT_OK } from "./stat-batch.js";
import { nativeStatAt } from "./stat-native.js";

const dir = mkdtempSync(join(tmpdir(), "peersync-stat-native-"));
after(() => {
  chmodSync(join(dir, "locked"), 0o700);
  rmSync(dir, { recursive: true, force: true });
});

const native = nativeStatAt();
const raw = (s: string) => Buffer.from(s, "latin1");

test("nativeStatAt() is built (make build) and agrees with lstatSync for files, dirs, symlinks, fifos, odd names", async () => {
  assert.ok(native, "native/build/Release/peersync_fs.node is missing: run make build");
  writeFileSync(join(dir, "f"), "x");
  mkdirSync(join(dir, "d"));
  symlinkSync("f", join(dir, "l"));
  symlinkSync(".", join(dir, "loop"));
  assert.equal(spawnSync("mkfifo", [join(dir, "p")]).status, 0);
  writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), raw("bad\xff")]), "y");
  const names = ["f", "d", "l", "loop", "p", "gone", raw("bad\xff")];
  const st = lstatSync(dir);
  const batch = await native!({ dirFs: dir, names, dirIno: st.ino, dirDev: st.dev });
  for (const [i, name] of names.entries()) {
    const path = typeof name === "string" ? join(dir, name) : Buffer.concat([Buffer.from(`${dir}/`), name]);
    const want = lstatSync(path, { throwIfNoEntry: false });
    if (want === undefined) {
      assert.equal(batch.status[i], STAT_MISSING);
      continue;
    }
    assert.equal(batch.status[i], STAT_OK, String(name));
    const got = fingerprintAt(batch, i);
    assert.deepEqual(got, { mode: want.mode, uid: want.uid, gid: want.gid, size: want.size, ino: want.ino, dev: want.dev, mtimeMs: want.mtimeMs, ctimeMs: want.ctimeMs });
  }
});

test("nativeStatAt() computes mtimeMs and ctimeMs to the very double Node's lstat reports, over many times", async () => {
  // The addon does Node's msFromTimeSpec arithmetic in C++ (sec * 1e3 + nsec / 1e6): one bit
  // of difference would make a check take every file for changed.
  const native = nativeStatAt();
  const many = join(dir, "times");
  mkdirSync(many);
  const names: string[] = [];
  for (let i = 0; i < 300; i++) {
    const name = `t${i}`;
    writeFileSync(join(many, name), String(i));
    // Nanosecond times far apart, with every kind of fraction (Node sets them to the microsecond).
    const t = 1e9 * (i % 7) + 1_234_567.891 * i + i / 1e6;
    utimesSync(join(many, name), t, t);
    names.push(name);
  }
  const st = lstatSync(many);
  const batch = await native!({ dirFs: many, names, dirIno: st.ino, dirDev: st.dev });
  for (const [i, name] of names.entries()) {
    const want = lstatSync(join(many, name));
    const got = fingerprintAt(batch, i);
    assert.deepEqual([got.mtimeMs, got.ctimeMs], [want.mtimeMs, want.ctimeMs], name);
  }
});

test("nativeStatAt() reports a directory it cannot open, a symlink or another directory in its place, per name", async () => {
  mkdirSync(join(dir, "locked"));
  writeFileSync(join(dir, "locked", "a"), "a");
  const st = lstatSync(join(dir, "locked"));
  chmodSync(join(dir, "locked"), 0o000);
  const denied = await native!({ dirFs: join(dir, "locked"), names: ["a"], dirIno: st.ino, dirDev: st.dev });
  // root reads through mode 000; anyone else gets EACCES for the whole directory.
  if (process.getuid?.() !== 0) assert.deepEqual([denied.status[0], denied.errors[0]?.[1]], [STAT_FAILED, "EACCES"]);
  chmodSync(join(dir, "locked"), 0o700);
  // A symlink where the listing saw the directory: O_NOFOLLOW refuses it.
  mkdirSync(join(dir, "other"));
  writeFileSync(join(dir, "other", "a"), "b");
  symlinkSync("other", join(dir, "swapped"));
  const viaLink = await native!({ dirFs: join(dir, "swapped"), names: ["a"], dirIno: st.ino, dirDev: st.dev });
  assert.equal(viaLink.status[0], STAT_FAILED, "never stat through a symlink");
  // Another directory at the path than the one listed (different inode): nothing is trusted.
  const other = await native!({ dirFs: join(dir, "other"), names: ["a"], dirIno: st.ino, dirDev: st.dev });
  assert.deepEqual([other.status[0], other.errors[0]?.[1]], [STAT_FAILED, "ECHANGED"]);
});

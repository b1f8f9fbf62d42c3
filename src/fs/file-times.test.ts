// A recorded mtime set through Node (utimeArg) or the addon (microsecondTimespec) lands on the
// microsecond it names, rounded down, before 1970 as after; the writers that use them keep it.

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { writeSymlinkAtomic } from "./atomic-symlink.js";
import { writeFileAtomic } from "./atomic-write.js";
import { microsecondTimespec, nsTimespec, utimeArg } from "./file-times.js";
import { setFdTimes, setPathTimes } from "./set-times.js";
import { caseDirs } from "./testing.js";

const freshDir = caseDirs("times");

const floorToMicrosecond = (ns: bigint): bigint => (ns >= 0n ? ns / 1000n : -((-ns + 999n) / 1000n)) * 1000n;

const timespecs: readonly (readonly [bigint, readonly [number, number]])[] = [
  [0n, [0, 0]],
  [999n, [0, 0]],
  [1_700_000_000_123_456_789n, [1_700_000_000, 123_456_000]],
  [-1n, [-1, 999_999_000]],
  [-1_000n, [-1, 999_999_000]],
  [-1_001n, [-1, 999_998_000]],
  [-1_000_000_000n, [-1, 0]],
];
for (const [ns, want] of timespecs) {
  test(`microsecondTimespec(${ns}) = ${JSON.stringify(want)}`, () => assert.deepEqual(microsecondTimespec(ns), want));
}

const exactTimespecs: readonly [bigint, [number, number]][] = [
  [0n, [0, 0]],
  [1_700_000_000_123_456_789n, [1_700_000_000, 123_456_789]],
  [-1n, [-1, 999_999_999]],
  [-1_000_000_000n, [-1, 0]],
  [-1_000_000_001n, [-2, 999_999_999]],
];
for (const [ns, want] of exactTimespecs) {
  test(`nsTimespec(${ns}) = ${JSON.stringify(want)}`, () => assert.deepEqual(nsTimespec(ns), want));
}

test("setFdTimes() and setPathTimes() set every time of TIMES to the nanosecond, a symlink's own too", async () => {
  const dir = await freshDir();
  await fsp.writeFile(join(dir, "f"), "x");
  await fsp.symlink("f", join(dir, "l"));
  const handle = await fsp.open(join(dir, "f"), "r");
  try {
    for (const ns of TIMES) {
      setFdTimes(handle.fd, ns);
      assert.equal((await fsp.stat(join(dir, "f"), { bigint: true })).mtimeNs, ns, `fd ${ns}`);
      await setPathTimes(join(dir, "l"), ns + 1n, { noFollow: true });
      assert.equal((await fsp.lstat(join(dir, "l"), { bigint: true })).mtimeNs, ns + 1n, `link ${ns}`);
      assert.equal((await fsp.stat(join(dir, "f"), { bigint: true })).mtimeNs, ns, "the link's target untouched");
    }
  } finally {
    await handle.close();
  }
});

// Around 1970 on both sides, sub-second and whole seconds, far past (1906: ext4 stops at 1901)
// and future, microsecond edges.
const TIMES = [
  0n, 999n, 1_000n, 1_700_000_000_000_000_000n, 1_700_000_000_999_999_999n, 4_102_444_800_000_001_999n,
  -1n, -999n, -1_000n, -1_001n, -500_000n, -999_999_000n, -1_000_000_000n, -1_000_000_001n,
  -86_400_000_000_000n, -1_234_567_890_123_456n, -2_000_000_000_000_000_001n,
];

test("utimeArg() sets every microsecond through Node's utimes, futimes and lutimes, before 1970 too", async () => {
  const dir = await freshDir();
  const f = join(dir, "f");
  const l = join(dir, "l");
  await fsp.writeFile(f, "");
  await fsp.symlink("nowhere", l);
  const handle = await fsp.open(f, "r+");
  try {
    for (const ns of TIMES) {
      const t = utimeArg(ns);
      const want = floorToMicrosecond(ns);
      await fsp.utimes(f, t, t);
      assert.equal((await fsp.stat(f, { bigint: true })).mtimeNs, want, `utimes ${ns}`);
      await fsp.utimes(f, 1, 1);
      await handle.utimes(t, t);
      assert.equal((await fsp.stat(f, { bigint: true })).mtimeNs, want, `futimes ${ns}`);
      await fsp.lutimes(l, t, t);
      assert.equal((await fsp.lstat(l, { bigint: true })).mtimeNs, want, `lutimes ${ns}`);
    }
  } finally {
    await handle.close();
  }
});

test("writeFileAtomic() (small and streamed) and writeSymlinkAtomic() keep an mtime before 1970, to the nanosecond", async () => {
  const dir = await freshDir();
  const mtimeNs = -1_234_567_890_123_456n;
  const want = mtimeNs;
  await writeFileAtomic(join(dir, "small"), "x", { mtimeNs });
  assert.equal((await fsp.stat(join(dir, "small"), { bigint: true })).mtimeNs, want);
  await writeFileAtomic(join(dir, "streamed"), Readable.from([Buffer.alloc(300_000, 1)]), { mtimeNs });
  assert.equal((await fsp.stat(join(dir, "streamed"), { bigint: true })).mtimeNs, want);
  await writeSymlinkAtomic(join(dir, "link"), "small", { mtimeNs });
  assert.equal((await fsp.lstat(join(dir, "link"), { bigint: true })).mtimeNs, want);
});

test("setFdTimes() and setPathTimes() fail with the errno's code on a bad descriptor or a missing path, and change nothing", async () => {
  assert.throws(() => setFdTimes(2 ** 30, 1_700_000_000_000_000_000n), (err: NodeJS.ErrnoException) => err.code === "EBADF");
  const dir = await freshDir();
  await assert.rejects(setPathTimes(join(dir, "missing", "x"), 0n, { noFollow: true }), (err: NodeJS.ErrnoException) => err.code === "ENOENT");
});

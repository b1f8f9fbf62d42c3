// The thread-pool placer (native/src/place-files.cc) puts a new file in place only where nothing
// stands, as replace.ts's main-thread renameat2(RENAME_NOREPLACE) does: never over a file, a
// directory or a symlink (which it never follows), with the target's lstat just after; and it
// gathers one turn's placings into few jobs.

import assert from "node:assert/strict";
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { batchingPlacer, nativePlacer } from "./place-batch.js";
import { caseDirs } from "./testing.js";

const fresh = caseDirs("place-batch");

const placer = nativePlacer();

test("the peersync_fs addon offers placeFiles (built by make build)", () => {
  assert.equal(typeof placer, "function");
});

test("placeFiles() renames where nothing stands and answers the target's lstat just after", async () => {
  const dir = fresh();
  writeFileSync(join(dir, "temp"), "new version\n", { mode: 0o640 });
  const placed = await placer!(join(dir, "temp"), join(dir, "target"));
  const st = lstatSync(join(dir, "target"), { bigint: true });
  assert.deepEqual(placed?.after, { dev: st.dev, ino: st.ino, mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs });
  assert.deepEqual(readdirSync(dir), ["target"]);
});

test("placeFiles() places a name that is not UTF-8 byte for byte", async () => {
  const dir = fresh();
  const name = Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9])]);
  writeFileSync(join(dir, "temp"), "x");
  await placer!(join(dir, "temp"), name);
  assert.deepEqual(readdirSync(dir, { encoding: "buffer" }).map((n) => [...n]), [[0x63, 0x61, 0x66, 0xe9]]);
});

const inTheWay: readonly { readonly label: string; readonly make: (at: string, dir: string) => void }[] = [
  { label: "a file", make: (at) => writeFileSync(at, "someone else's\n") },
  { label: "a directory", make: (at) => mkdirSync(at) },
  { label: "a symlink (not followed)", make: (at, dir) => symlinkSync(join(dir, "elsewhere"), at) },
  { label: "a dangling symlink (not followed)", make: (at, dir) => symlinkSync(join(dir, "nowhere"), at) },
];
for (const c of inTheWay) {
  test(`placeFiles() never replaces ${c.label}: EEXIST, both names as they were`, async () => {
    const dir = fresh();
    writeFileSync(join(dir, "temp"), "ours\n");
    c.make(join(dir, "target"), dir);
    const before = lstatSync(join(dir, "target"), { bigint: true });
    await assert.rejects(placer!(join(dir, "temp"), join(dir, "target")), { code: "EEXIST", errno: 17 });
    assert.equal(lstatSync(join(dir, "target"), { bigint: true }).ino, before.ino);
    assert.equal(readFileSync(join(dir, "temp"), "utf8"), "ours\n");
  });
}

test("placeFiles() fails a file alone, naming both paths, and places the rest of its job", async () => {
  const dir = fresh();
  writeFileSync(join(dir, "a"), "a");
  writeFileSync(join(dir, "c"), "c");
  const results = await Promise.allSettled([
    placer!(join(dir, "a"), join(dir, "A")),
    placer!(join(dir, "gone"), join(dir, "B")),
    placer!(join(dir, "c"), join(dir, "missing-dir", "C")),
  ]);
  assert.equal(results[0].status, "fulfilled");
  const failures = results.slice(1).map((r) => (r.status === "rejected" ? [(r.reason as { code: string }).code, (r.reason as Error).message.includes(dir)] : []));
  assert.deepEqual(failures, [["ENOENT", true], ["ENOENT", true]]);
  assert.deepEqual(readdirSync(dir).sort(), ["A", "c"]);
});

test("batchingPlacer() gathers one turn's placings into jobs of at most 128; RENAME_NOREPLACE not offered answers undefined", async () => {
  const jobs: number[] = [];
  const fake = async (froms: readonly (string | Buffer)[]): Promise<[Int32Array, BigInt64Array]> => {
    jobs.push(froms.length);
    const out = new Int32Array(froms.length * 2);
    froms.forEach((p, i) => {
      if (String(p).endsWith("/old-fs")) out.set([22, 0], i * 2); // EINVAL: a filesystem without the flag
      if (String(p).endsWith("/vanished")) out.set([0, 2], i * 2); // placed, then removed before the lstat
    });
    return [out, new BigInt64Array(froms.length * 10)];
  };
  const place = batchingPlacer(fake);
  const all = await Promise.all([...Array.from({ length: 198 }, (_, i) => place(`/d/f${i}`, `/d/t${i}`)), place("/d/old-fs", "/d/x"), place("/d/vanished", "/d/y")]);
  assert.deepEqual(jobs, [128, 72]);
  assert.equal(all.filter((p) => p?.after !== undefined).length, 198);
  assert.deepEqual(all.slice(198), [undefined, { after: undefined }]);
  await place("/d/later", "/d/z");
  assert.deepEqual(jobs, [128, 72, 1], "a later turn makes a job of its own");
});

// The thread-pool writer of small temp files (native/src/write-files.cc) makes the files the
// main-thread writer (atomic-write.ts writeSmallTemp) makes: same bytes, mode, owner and mtime
// to the nanosecond, errors as Node's own; and it gathers one turn's writes into few jobs.

import assert from "node:assert/strict";
import { chmodSync, chownSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { writeFileAtomic } from "./atomic-write.js";
import { batchingWriter, nativeTempWriter, type TempFile } from "./temp-writer.js";
import { caseDirs } from "./testing.js";

const fresh = caseDirs("temp-writer");

const writer = nativeTempWriter();

test("the peersync_fs addon offers writeFiles (built by make build)", () => {
  assert.equal(typeof writer, "function");
});

const IS_ROOT = process.getuid?.() === 0;
const cases: readonly { readonly label: string; readonly mode: number; readonly mtimeNs: bigint; readonly owner?: boolean }[] = [
  { label: "0644, a recent mtime with nanoseconds", mode: 0o644, mtimeNs: 1_700_000_000_123_456_789n },
  { label: "0600, an mtime on a whole second", mode: 0o600, mtimeNs: 1_600_000_000_000_000_000n },
  { label: "0666 (wider than the umask)", mode: 0o666, mtimeNs: 1n },
  { label: "04755 with an owner to give away (set-id bits survive the fchown)", mode: 0o4755, mtimeNs: 1_500_000_000_999_999_999n, owner: true },
];
for (const c of cases) {
  test(`writeFiles() makes the file the main thread makes: ${c.label}`, async (t) => {
    if (c.owner && !IS_ROOT) return t.skip("needs root to chown");
    const dir = fresh();
    const data = Buffer.from(`content for ${c.label}\n`);
    const owner = c.owner ? { uid: 4321, gid: 4322 } : {};
    const told = await writer!({ temp: join(dir, "pooled"), data, mode: c.mode, ...owner, mtimeNs: c.mtimeNs });
    await writeFileAtomic(join(dir, "main"), data, { mode: c.mode, ...owner, mtimeNs: c.mtimeNs });
    const [a, b] = [lstatSync(join(dir, "pooled"), { bigint: true }), lstatSync(join(dir, "main"), { bigint: true })];
    assert.deepEqual([a.mode, a.uid, a.gid, a.size, a.mtimeNs], [b.mode, b.uid, b.gid, b.size, b.mtimeNs]);
    // The stat it resolves with is the file's as it stands (the rename compares with it).
    assert.deepEqual(told, { dev: a.dev, ino: a.ino, mode: a.mode, uid: a.uid, gid: a.gid, size: a.size, mtimeNs: a.mtimeNs, ctimeNs: a.ctimeNs });
    assert.deepEqual(readFileSync(join(dir, "pooled")), data);
  });
}

test("writeFiles() sets an mtime to the nanosecond, before 1970 too (Node's futimes would take that for now)", async () => {
  const dir = fresh();
  await writer!({ temp: join(dir, "old"), data: Buffer.from("x"), mode: 0o644, mtimeNs: -1_234_567_890_123n });
  assert.equal(lstatSync(join(dir, "old"), { bigint: true }).mtimeNs, -1_234_567_890_123n);
  await writer!({ temp: join(dir, "new"), data: Buffer.from("x"), mode: 0o644, mtimeNs: 1_700_000_000_123_456_789n });
  assert.equal(lstatSync(join(dir, "new"), { bigint: true }).mtimeNs, 1_700_000_000_123_456_789n);
});

test("writeFiles() in a set-group-id directory: the group asked for, else the directory's", async (t) => {
  if (!IS_ROOT) return t.skip("needs root to chown");
  const dir = fresh();
  chownSync(dir, 0, 4322);
  chmodSync(dir, 0o2755);
  await writer!({ temp: join(dir, "f"), data: Buffer.from("x"), mode: 0o640, uid: 0, gid: process.getgid!() });
  await writer!({ temp: join(dir, "g"), data: Buffer.from("y"), mode: 0o640 });
  assert.equal(lstatSync(join(dir, "f")).gid, process.getgid!());
  assert.equal(lstatSync(join(dir, "g")).gid, 4322);
});

test("writeFiles() fails a file alone, with the error Node gives, and never writes through a name that exists", async () => {
  const dir = fresh();
  writeFileSync(join(dir, "taken"), "someone else's\n");
  const results = await Promise.allSettled([
    writer!({ temp: join(dir, "ok"), data: Buffer.from("fine\n"), mode: 0o644 }),
    writer!({ temp: join(dir, "taken"), data: Buffer.from("ours\n"), mode: 0o644 }),
    writer!({ temp: join(dir, "missing", "f"), data: Buffer.from("ours\n"), mode: 0o644 }),
  ]);
  assert.equal(results[0].status, "fulfilled");
  const codes = results.slice(1).map((r) => (r.status === "rejected" ? [(r.reason as NodeJS.ErrnoException).code, (r.reason as NodeJS.ErrnoException).syscall] : []));
  assert.deepEqual(codes, [["EEXIST", "open"], ["ENOENT", "open"]]);
  assert.equal(readFileSync(join(dir, "taken"), "utf8"), "someone else's\n");
  assert.deepEqual(readdirSync(dir).sort(), ["ok", "taken"]);
});

test("writeFiles() never follows a symlink at the temp name", async () => {
  const dir = fresh();
  writeFileSync(join(dir, "victim"), "untouched\n");
  const { symlinkSync } = await import("node:fs");
  symlinkSync(join(dir, "victim"), join(dir, "link"));
  await assert.rejects(writer!({ temp: join(dir, "link"), data: Buffer.from("x"), mode: 0o644 }), { code: "EEXIST" });
  assert.equal(readFileSync(join(dir, "victim"), "utf8"), "untouched\n");
});

test("batchingWriter() gathers one turn's writes into jobs of at most 64, and settles each file on its own", async () => {
  const jobs: number[] = [];
  const fake = async (paths: readonly string[]): Promise<[Int32Array, BigInt64Array]> => {
    jobs.push(paths.length);
    const out = new Int32Array(paths.length * 2);
    paths.forEach((p, i) => {
      if (p.endsWith("/fail")) out.set([28, 1], i * 2); // ENOSPC in write
    });
    return [out, new BigInt64Array(paths.length * 10)];
  };
  const write = batchingWriter(fake);
  const file = (temp: string): TempFile => ({ temp, data: Buffer.from("x"), mode: 0o644 });
  const settled = await Promise.allSettled([...Array.from({ length: 99 }, (_, i) => write(file(`/d/f${i}`))), write(file("/d/fail"))]);
  assert.deepEqual(jobs, [64, 36]);
  assert.equal(settled.filter((s) => s.status === "fulfilled").length, 99);
  const failed = settled[99]!;
  assert.equal(failed.status === "rejected" && (failed.reason as NodeJS.ErrnoException).code, "ENOSPC");
  await write(file("/d/later"));
  assert.deepEqual(jobs, [64, 36, 1], "a later turn makes a job of its own");
});

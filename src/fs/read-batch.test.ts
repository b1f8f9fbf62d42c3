import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fstatSync, lstatSync, mkdirSync, openSync, closeSync, rmSync, symlinkSync, writeFileSync, constants } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { Worker } from "node:worker_threads";
import { tempDir } from "../index/testing.js";
import { hashBytes, hashFile } from "./hash.js";
import { nativeReadFiles, READ_LIMIT, readFilesSync, type FileRead, type ReadFiles, type ReadRequest } from "./read-batch.js";

const dir = tempDir("read-batch");
after(() => rmSync(dir, { recursive: true, force: true }));

const native = nativeReadFiles();
const readers: [string, ReadFiles][] = [
  ["native", async (r) => native!(r)],
  ["sync", async (r) => readFilesSync(r)],
];
const at = (name: string) => join(dir, name);
const raw = (s: string) => Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(s, "latin1")]);
const req = (fsPath: string | Buffer, ino = lstatSync(fsPath).ino): ReadRequest => ({ fsPath, ino });
/** The error Node itself throws for opening `path` the way hashFile does. */
function openError(path: string | Buffer): NodeJS.ErrnoException {
  try {
    closeSync(openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK));
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
  throw new Error(`opening ${String(path)} did not fail`);
}

test("nativeReadFiles() is built (make build)", () => {
  assert.ok(native, "native/build/Release/peersync_fs.node lacks readFiles: run make build");
});

/** Files every reader test looks at (made once). */
function makeFixtures(): void {
  writeFileSync(at("small"), "hello\n");
  writeFileSync(at("empty"), "");
  writeFileSync(at("limit"), Buffer.alloc(READ_LIMIT, 7));
  writeFileSync(at("over"), Buffer.alloc(READ_LIMIT + 1, 8));
  writeFileSync(raw("odd name \xff\n"), "odd");
  mkdirSync(at("dir"), { recursive: true });
  symlinkSync("small", at("link"));
  symlinkSync("loop", at("loop"));
  assert.equal(spawnSync("mkfifo", [at("fifo")]).status, 0);
}
makeFixtures();

for (const [name, read] of readers) {
  test(`readFiles (${name}) reads each small file whole, with the exact fstat of the descriptor it read`, async () => {
    const paths: (string | Buffer)[] = [at("small"), at("empty"), at("limit"), raw("odd name \xff\n")];
    const got = await read(paths.map((p) => req(p)));
    assert.equal(got.length, paths.length);
    for (const [i, path] of paths.entries()) {
      const r = got[i]!;
      assert.equal(r.type, "read", String(path));
      if (r.type !== "read") continue;
      const fd = openSync(path, "r");
      const want = fstatSync(fd, { bigint: true });
      closeSync(fd);
      assert.deepEqual(
        [r.stat.dev, r.stat.ino, r.stat.mode, r.stat.uid, r.stat.gid, r.stat.size, r.stat.mtimeNs, r.stat.ctimeNs],
        [want.dev, want.ino, want.mode, want.uid, want.gid, want.size, want.mtimeNs, want.ctimeNs]);
      // The hash the check records is hashFile's, byte for byte.
      assert.equal(hashBytes(r.content, "sha256"), (await hashFile(path, "sha256", Number(want.ino))).hash);
      assert.equal(hashBytes(r.content, "blake2b512"), (await hashFile(path, "blake2b512", Number(want.ino))).hash);
    }
  });

  test(`readFiles (${name}) reports each failure on its own file, as Node's own error, and never follows or blocks`, async () => {
    const small = lstatSync(at("small")).ino;
    const got = await read([
      { fsPath: at("gone"), ino: 1 }, // vanished since the walk
      req(at("link")), // a symlink now: O_NOFOLLOW
      req(at("loop")),
      { fsPath: join(at("small"), "x"), ino: 1 }, // ENOTDIR
      req(at("fifo")), // must not block
      req(at("dir")),
      { fsPath: at("small"), ino: small + 1 }, // another inode than the walk saw
      req(at("over")),
      req(at("small")), // still read after all of the above
    ]);
    const error = (r: FileRead | undefined) => (r?.type === "failed" ? r.error : undefined);
    for (const [i, path] of [at("gone"), at("link"), at("loop"), join(at("small"), "x")].entries()) {
      const want = openError(path);
      const e = error(got[i]);
      assert.ok(e, `${path}: ${JSON.stringify(got[i])}`);
      assert.deepEqual([e.message, e.code, e.errno, e.syscall, e.path], [want.message, want.code, want.errno, want.syscall, want.path]);
    }
    assert.deepEqual(got.slice(4, 8), [
      { type: "changed", what: "file type" },
      { type: "changed", what: "file type" },
      { type: "changed", what: "inode" },
      { type: "too-big" },
    ]);
    assert.equal(got[8]?.type === "read" && got[8].content.toString(), "hello\n");
  });

  test(`readFiles (${name}) never returns bytes of a file written while it was read`, async () => {
    const path = at(`busy-${name}`);
    writeFileSync(path, Buffer.alloc(4096, 1));
    const ino = lstatSync(path).ino;
    // Another thread keeps changing the file's size (and so its ctime) as fast as it can.
    const stop = new Int32Array(new SharedArrayBuffer(8));
    const writer = new Worker(
      `const { workerData: { path, stop } } = require("node:worker_threads");
       const fs = require("node:fs");
       const fd = fs.openSync(path, "r+");
       Atomics.store(stop, 1, 1);
       for (let i = 0; Atomics.load(stop, 0) === 0; i++) fs.ftruncateSync(fd, i % 2 ? 4096 : 2048);
       fs.closeSync(fd);`,
      { eval: true, workerData: { path, stop } });
    try {
      while (Atomics.load(stop, 1) === 0) await new Promise((r) => setTimeout(r, 5));
      let changed = 0;
      const deadline = Date.now() + 10_000;
      while (changed === 0 && Date.now() < deadline) {
        for (const r of await read(Array.from({ length: 500 }, () => ({ fsPath: path, ino })))) {
          if (r.type === "changed") {
            assert.equal(r.what, "content");
            changed++;
          } else if (r.type === "read") {
            // What is returned is consistent: as many bytes as the stat it is recorded with says.
            assert.equal(BigInt(r.content.length), r.stat.size);
          } else assert.fail(JSON.stringify(r));
        }
      }
      assert.ok(changed > 0, "a read during a write is reported as changed");
    } finally {
      Atomics.store(stop, 0, 1);
      await writer.terminate();
    }
  });
}

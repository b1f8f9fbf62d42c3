import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { writeSymlinkAtomic } from "./atomic-symlink.js";
import { writeFileAtomic } from "./atomic-write.js";
import { DiskFullError, HashMismatchError } from "./write-errors.js";
import { caseDirs, namesIn } from "./testing.js";

const freshDir = caseDirs("atomic");
const names = namesIn;

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

test("writeFileAtomic() creates a file with its content, mode and mtime to the nanosecond", async () => {
  const dir = await freshDir();
  const target = join(dir, "f");
  const mtimeNs = 1_700_000_000_123_456_789n;
  const { stat } = await writeFileAtomic(target, "hello", { mode: 0o100640, mtimeNs });
  assert.equal(await fsp.readFile(target, "utf8"), "hello");
  const after = await fsp.stat(target, { bigint: true });
  assert.equal(after.mode & 0o7777n, 0o640n);
  assert.equal(after.mtimeNs, 1_700_000_000_123_456_789n);
  assert.equal(stat.mtimeNs, after.mtimeNs);
  assert.equal(stat.ino, after.ino);
  assert.deepEqual(await names(dir), ["f"]);
});

test("writeFileAtomic() replaces an existing file by rename, leaving no temp file", async () => {
  const dir = await freshDir();
  const target = join(dir, "f");
  await fsp.writeFile(target, "old");
  const oldIno = (await fsp.stat(target)).ino;
  await writeFileAtomic(target, Buffer.from("new"));
  assert.equal(await fsp.readFile(target, "utf8"), "new");
  assert.notEqual((await fsp.stat(target)).ino, oldIno);
  assert.deepEqual(await names(dir), ["f"]);
});

test("writeFileAtomic() applies the mode exactly, whatever the umask", async () => {
  const dir = await freshDir();
  await writeFileAtomic(join(dir, "f"), "x", { mode: 0o666 });
  assert.equal((await fsp.stat(join(dir, "f"))).mode & 0o7777, 0o666);
});

test("writeFileAtomic() sets the owner before the mode, so setuid bits survive", async (t) => {
  if (process.getuid?.() !== 0) return t.skip("needs root to chown");
  const dir = await freshDir();
  await writeFileAtomic(join(dir, "f"), "x", { uid: 4321, gid: 4322, mode: 0o4755 });
  const s = await fsp.stat(join(dir, "f"));
  assert.deepEqual([s.uid, s.gid, s.mode & 0o7777], [4321, 4322, 0o4755]);
});

test("writeFileAtomic() gives a file in a set-group-id directory the group asked for, not the directory's", async (t) => {
  if (process.getuid?.() !== 0) return t.skip("needs root to chown");
  const dir = await freshDir();
  await fsp.chown(dir, 0, 4322);
  await fsp.chmod(dir, 0o2755);
  const gid = process.getgid!();
  await writeFileAtomic(join(dir, "f"), "x", { uid: 0, gid, mode: 0o640 });
  await writeFileAtomic(join(dir, "g"), "y", { mode: 0o640 });
  const [f, g] = [await fsp.stat(join(dir, "f")), await fsp.stat(join(dir, "g"))];
  assert.deepEqual([f.uid, f.gid, f.mode & 0o7777], [0, gid, 0o640]);
  // Without an owner asked for, the file keeps what the directory gives it.
  assert.deepEqual([g.gid, g.mode & 0o7777], [4322, 0o640]);
});

test("writeFileAtomic() applies narrow modes and the sticky bit exactly", async () => {
  const dir = await freshDir();
  await writeFileAtomic(join(dir, "f"), "x", { mode: 0o600 });
  await writeFileAtomic(join(dir, "g"), "x", { mode: 0o1777 });
  assert.equal((await fsp.stat(join(dir, "f"))).mode & 0o7777, 0o600);
  assert.equal((await fsp.stat(join(dir, "g"))).mode & 0o7777, 0o1777);
});

for (const size of [1, 2, 7, 4096, 1 << 20]) {
  test(`writeFileAtomic() writes a stream of ${size}-byte chunks and checks its hash`, async () => {
    const dir = await freshDir();
    const total = randomBytes(size < 4096 ? 16 * 1024 + 3 : 3 * (1 << 20) + 5);
    async function* stream() {
      for (let i = 0; i < total.length; i += size) yield total.subarray(i, i + size);
    }
    const hex = sha256(total);
    const result = await writeFileAtomic(join(dir, "f"), stream(), { expectedHash: { algorithm: "sha256", hex } });
    assert.equal(result.hash, hex);
    assert.ok((await fsp.readFile(join(dir, "f"))).equals(total));
  });
}

test("writeFileAtomic() refuses content with the wrong hash and leaves the target untouched", async () => {
  const dir = await freshDir();
  const target = join(dir, "f");
  await fsp.writeFile(target, "old");
  await assert.rejects(
    writeFileAtomic(target, "tampered", { expectedHash: { algorithm: "sha256", hex: sha256("expected") } }),
    (err: unknown) => err instanceof HashMismatchError && err.code === "HASH_MISMATCH" && err.path === target,
  );
  assert.equal(await fsp.readFile(target, "utf8"), "old");
  assert.deepEqual(await names(dir), ["f"]);
});

test("writeFileAtomic() turns ENOSPC into DiskFullError naming the path and free space", async () => {
  const dir = await freshDir();
  const target = join(dir, "f");
  await fsp.writeFile(target, "old");
  const fullDisk: typeof fsp.open = async (...args) => {
    const handle = await fsp.open(...args);
    return new Proxy(handle, {
      get(h, key) {
        if (key === "write") return async () => { throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }); };
        const value: unknown = Reflect.get(h, key, h);
        return typeof value === "function" ? value.bind(h) : value;
      },
    });
  };
  await assert.rejects(writeFileAtomic(target, "new content", { io: { open: fullDisk } }), (err: unknown) => {
    assert.ok(err instanceof DiskFullError);
    assert.equal(err.code, "DISK_FULL");
    assert.equal(err.path, target);
    assert.equal(typeof err.freeBytes, "number");
    assert.match(err.message, /^Cannot write ".*\/f": no space left on device \(\d+ bytes free\)$/);
    return true;
  });
  assert.equal(await fsp.readFile(target, "utf8"), "old");
  assert.deepEqual(await names(dir), ["f"]);
});

test("writeFileAtomic() aborts before the rename when beforeRename throws", async () => {
  const dir = await freshDir();
  const target = join(dir, "f");
  await fsp.writeFile(target, "old");
  let seen = "";
  const check = async (temp: string | Buffer) => {
    seen = await fsp.readFile(temp, "utf8");
    throw new Error("target changed since it was indexed");
  };
  await assert.rejects(writeFileAtomic(target, "new", { beforeRename: check }), /changed since/);
  assert.equal(seen, "new");
  assert.equal(await fsp.readFile(target, "utf8"), "old");
  assert.deepEqual(await names(dir), ["f"]);
});

test("writeFileAtomic() stops on an aborted signal and cleans up", async () => {
  const dir = await freshDir();
  await assert.rejects(writeFileAtomic(join(dir, "f"), "x", { signal: AbortSignal.abort() }), { name: "AbortError" });
  assert.deepEqual(await names(dir), []);
});

test("writeSymlinkAtomic() replaces a file with a link, never following it", async () => {
  const dir = await freshDir();
  const target = join(dir, "l");
  await fsp.writeFile(target, "file");
  const stat = await writeSymlinkAtomic(target, "/etc/passwd", { mtimeNs: 1_600_000_000_000_001_000n });
  assert.equal(await fsp.readlink(target), "/etc/passwd");
  const l = await fsp.lstat(target, { bigint: true });
  assert.ok(l.isSymbolicLink());
  assert.equal(l.mtimeNs, 1_600_000_000_000_001_000n);
  assert.equal(stat.ino, l.ino);
  assert.deepEqual(await names(dir), ["l"]);
});

// Names that are not UTF-8 are given as raw bytes, and the temp file goes beside the target
// under bytes too: a file or link below a directory whose name is not UTF-8 used to fail.
const cases = [
  { what: "a file", write: (to: Buffer) => writeFileAtomic(to, "bytes\n", { expectedHash: { algorithm: "sha256", hex: sha256("bytes\n") } }) },
  { what: "a symlink", write: (to: Buffer) => writeSymlinkAtomic(to, "there") },
];
for (const c of cases) {
  test(`${c.what} whose target is raw bytes lands under exactly those bytes, below a directory that is not UTF-8 too`, async () => {
    const dir = await freshDir();
    const name = Buffer.concat([Buffer.from("caf"), Buffer.of(0xe9)]);
    const raw = Buffer.concat([Buffer.from(`${dir}/`), name]);
    await fsp.mkdir(raw);
    const below = Buffer.concat([raw, Buffer.from("/"), name]);
    await c.write(below);
    const hex = (names: Buffer[]) => names.map((b) => b.toString("hex"));
    assert.deepEqual(hex(await fsp.readdir(dir, { encoding: "buffer" })), hex([name]));
    assert.deepEqual(hex(await fsp.readdir(raw, { encoding: "buffer" })), hex([name]), "no temp file left");
  });
}

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fsPath } from "../fs/name-codec.js";
import { BackupError, backupFile, backupForeign, backupPathFor, defaultBackupDirectory } from "./backup.js";

let base = "";
before(async () => {
  base = await fsp.mkdtemp(join(tmpdir(), "peersync-backup-"));
});
after(async () => {
  await fsp.rm(base, { recursive: true, force: true });
});

let n = 0;
/** A source tree and a backup directory of its own for each test. */
async function setup(): Promise<{ src: string; dir: string }> {
  const at = join(base, `case-${n++}`);
  await fsp.mkdir(join(at, "data", "etc"), { recursive: true });
  return { src: join(at, "data", "etc", "hosts"), dir: join(at, "backups") };
}

async function contents(path: string): Promise<string | undefined> {
  return fsp.readFile(path, "utf8").catch(() => undefined);
}

test("backupPathFor() puts the full absolute path below the directory (csync2 naming)", () => {
  assert.equal(backupPathFor("/var/backups/peersync", "/etc/hosts"), "/var/backups/peersync/etc/hosts");
  assert.equal(backupPathFor("/b", "/etc/hosts", 2), "/b/etc/hosts.2");
  assert.throws(() => backupPathFor("/b", "etc/hosts"), TypeError);
  assert.throws(() => backupPathFor("/b", "/etc/../hosts"), TypeError);
  assert.equal(defaultBackupDirectory("/var/lib/peersync"), "/var/lib/peersync/backup");
});

test("backupFile() copies content, mode, owner and mtime into 0700 directories", async () => {
  const { src, dir } = await setup();
  await fsp.writeFile(src, "v1");
  await fsp.chmod(src, 0o640);
  await fsp.utimes(src, 1_600_000_000.25, 1_600_000_000.25);
  const made = await backupFile(src, { directory: dir, generations: 3 });
  assert.equal(made, backupPathFor(dir, src));
  assert.equal(await contents(made ?? ""), "v1");
  const s = await fsp.stat(made ?? "", { bigint: true });
  const o = await fsp.stat(src, { bigint: true });
  assert.deepEqual([s.mode, s.uid, s.gid, s.mtimeNs], [o.mode, o.uid, o.gid, o.mtimeNs]);
  assert.equal((await fsp.stat(join(dir, base))).mode & 0o777, 0o700);
});

const rotations: { generations: number; versions: number; want: Record<string, string | undefined> }[] = [
  { generations: 3, versions: 4, want: { "": "v4", ".1": "v3", ".2": "v2", ".3": undefined } },
  { generations: 3, versions: 2, want: { "": "v2", ".1": "v1", ".2": undefined } },
  { generations: 2, versions: 3, want: { "": "v3", ".1": "v2", ".2": undefined } },
  { generations: 1, versions: 3, want: { "": "v3", ".1": undefined } },
  { generations: 5, versions: 5, want: { "": "v5", ".1": "v4", ".2": "v3", ".3": "v2", ".4": "v1", ".5": undefined } },
];
for (const c of rotations) {
  test(`backupFile() keeps ${c.generations} generation(s) after ${c.versions} backups`, async () => {
    const { src, dir } = await setup();
    for (let v = 1; v <= c.versions; v++) {
      await fsp.writeFile(src, `v${v}`);
      await backupFile(src, { directory: dir, generations: c.generations });
    }
    const target = backupPathFor(dir, src);
    for (const [suffix, want] of Object.entries(c.want)) assert.equal(await contents(target + suffix), want, suffix || "base");
    const leftovers = (await fsp.readdir(join(dir, src, ".."))).filter((name) => name.startsWith(".peersync-tmp-"));
    assert.deepEqual(leftovers, []);
  });
}

test("backupFile() with 0 generations keeps nothing", async () => {
  const { src, dir } = await setup();
  await fsp.writeFile(src, "v1");
  assert.equal(await backupFile(src, { directory: dir, generations: 0 }), undefined);
  await assert.rejects(fsp.stat(dir), { code: "ENOENT" });
});

test("backupFile() keeps a symlink as a symlink to the same target, never reading through it, and rotates it", async () => {
  const { src, dir } = await setup();
  await fsp.writeFile(`${src}.real`, "secret");
  await fsp.symlink(`${src}.real`, src);
  assert.equal(await backupFile(src, { directory: dir, generations: 3 }), backupPathFor(dir, src));
  assert.equal(await fsp.readlink(backupPathFor(dir, src)), `${src}.real`);
  await fsp.unlink(src);
  await fsp.symlink("second target", src);
  await backupFile(src, { directory: dir, generations: 3 });
  assert.equal(await fsp.readlink(backupPathFor(dir, src)), "second target");
  assert.equal(await fsp.readlink(backupPathFor(dir, src, 1)), `${src}.real`);
});

test("backupFile() never writes through a symlink planted inside the backup directory", async () => {
  const { src, dir } = await setup();
  await fsp.writeFile(src, "v1");
  const elsewhere = join(base, `elsewhere-${n}`);
  await fsp.mkdir(elsewhere);
  // The first component below the backup directory is the first component of src.
  const first = src.split("/")[1] ?? "";
  await fsp.mkdir(dir, { recursive: true });
  await fsp.symlink(elsewhere, join(dir, first));
  // It could be the backup of a link that once had that name: it moves aside like one, unread.
  assert.equal(await backupFile(src, { directory: dir, generations: 3 }), backupPathFor(dir, src));
  assert.equal(await contents(backupPathFor(dir, src)), "v1");
  assert.equal((await fsp.lstat(join(dir, first))).isDirectory(), true);
  assert.equal(await fsp.readlink(join(dir, `${first}.1`)), elsewhere);
  assert.deepEqual(await fsp.readdir(elsewhere), []);
});

test("backupFile() leaves older generations in place when the copy fails", async () => {
  const { src, dir } = await setup();
  await fsp.writeFile(src, "v1");
  await backupFile(src, { directory: dir, generations: 3 });
  await assert.rejects(backupFile(`${src}.missing`, { directory: dir, generations: 3 }), BackupError);
  await fsp.writeFile(src, "v2");
  await fsp.rm(src);
  await assert.rejects(backupFile(src, { directory: dir, generations: 3 }), /ENOENT/);
  assert.equal(await contents(backupPathFor(dir, src)), "v1");
  assert.equal(await contents(backupPathFor(dir, src, 1)), undefined);
});

test("backupFile() called concurrently for one path keeps every generation (the daemon backs up from several sessions at once)", async () => {
  const { src, dir } = await setup();
  for (let v = 1; v <= 6; v++) {
    await fsp.writeFile(src, `v${v}`);
    await backupFile(src, { directory: dir, generations: 100 });
  }
  await fsp.writeFile(src, "new");
  await Promise.all(Array.from({ length: 4 }, () => backupFile(src, { directory: dir, generations: 100 })));
  const target = backupPathFor(dir, src);
  const kept = await Promise.all(Array.from({ length: 12 }, (_, g) => contents(g === 0 ? target : `${target}.${g}`)));
  assert.deepEqual(kept, ["new", "new", "new", "new", "v6", "v5", "v4", "v3", "v2", "v1", undefined, undefined]);
});

// A path that is a file, then a directory, then a file again (or a link), each version losing
// once: every copy stays, under the names the header of backup.ts gives, and no backup fails.
// Steps: "file V" / "link V" backs up `conf` holding V; "below V" backs up `conf/x` holding V.
const flips: { name: string; generations: number; steps: string[]; want: Record<string, string | undefined> }[] = [
  { name: "file, then a file below it", generations: 3, steps: ["file f1", "below x1"], want: { "": "dir", ".1": "f1", "/x": "x1" } },
  { name: "two files, then a file below", generations: 3, steps: ["file f1", "file f2", "below x1"], want: { "": "dir", ".1": "f2", ".2": "f1", "/x": "x1" } },
  { name: "full generations, then a file below (the oldest falls off, as a newer copy would drop it)", generations: 2, steps: ["file f1", "file f2", "below x1"], want: { "": "dir", ".1": "f2", ".2": undefined, "/x": "x1" } },
  { name: "one generation: the copy still moves aside", generations: 1, steps: ["file f1", "below x1"], want: { "": "dir", ".1": "f1", "/x": "x1" } },
  { name: "a file below, then the file", generations: 3, steps: ["below x1", "file f1"], want: { "": "dir", ".1": "f1", "/x": "x1" } },
  { name: "a file below, then the file twice", generations: 3, steps: ["below x1", "file f1", "file f2"], want: { "": "dir", ".1": "f2", ".2": "f1", "/x": "x1" } },
  { name: "file, below, file, below", generations: 4, steps: ["file f1", "below x1", "file f2", "below x2"], want: { "": "dir", ".1": "f2", ".2": "f1", "/x": "x2", "/x.1": "x1" } },
  { name: "a link, then a file below", generations: 3, steps: ["link l1", "below x1"], want: { "": "dir", ".1": "->l1", "/x": "x1" } },
];
for (const c of flips) {
  test(`backupFile() keeps every copy of a path that flips between file and directory: ${c.name}`, async () => {
    const { src, dir } = await setup();
    for (const step of c.steps) {
      const [kind, value] = step.split(" ") as [string, string];
      await fsp.rm(src, { recursive: true, force: true });
      if (kind === "below") {
        await fsp.mkdir(src);
        await fsp.writeFile(join(src, "x"), value);
        const made = await backupFile(join(src, "x"), { directory: dir, generations: c.generations });
        assert.equal(await contents(made ?? ""), value, `${step}: the path backupFile() returns holds the copy`);
      } else {
        if (kind === "link") await fsp.symlink(value, src);
        else await fsp.writeFile(src, value);
        const made = await backupFile(src, { directory: dir, generations: c.generations });
        assert.equal(kind === "link" ? await fsp.readlink(made ?? "") : await contents(made ?? ""), value, `${step}: the path backupFile() returns holds the copy`);
      }
    }
    const target = backupPathFor(dir, src);
    for (const [suffix, want] of Object.entries(c.want)) {
      const st = await fsp.lstat(target + suffix).catch(() => undefined);
      const got = st === undefined ? undefined : st.isDirectory() ? "dir" : st.isSymbolicLink() ? `->${await fsp.readlink(target + suffix)}` : await contents(target + suffix);
      assert.equal(got, want, suffix || "base");
    }
  });
}

// A peer's version this node never held on disk (sync/take-back.ts keepPeersVersion): kept
// under the local path's backup name, rotating like a local copy, checked against its hash.
const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}
const foreignFile = (text: string, hex = sha256(text)) => ({ kind: "file" as const, data: bytes(text), mode: 0o100640, mtimeNs: 1_600_000_000_123_456_000n, expectedHash: { algorithm: "sha256", hex } });

test("backupForeign() keeps a peer's file under the local path's name, newest first, with its mode and mtime", async () => {
  const { src, dir } = await setup();
  await fsp.writeFile(src, "ours");
  await backupFile(src, { directory: dir, generations: 3 });
  const made = await backupForeign(src, foreignFile("the peer's\n"), { directory: dir, generations: 3 });
  assert.equal(made, backupPathFor(dir, src));
  assert.equal(await contents(backupPathFor(dir, src)), "the peer's\n");
  assert.equal(await contents(backupPathFor(dir, src, 1)), "ours");
  const st = await fsp.stat(made ?? "", { bigint: true });
  assert.equal(st.mode & 0o7777n, 0o640n);
  assert.equal(st.mtimeNs / 1000n, 1_600_000_000_123_456n);
});

test("backupForeign() refuses bytes that do not hash to the version's hash, leaving every generation as it was", async () => {
  const { src, dir } = await setup();
  await fsp.writeFile(src, "ours");
  await backupFile(src, { directory: dir, generations: 3 });
  await assert.rejects(backupForeign(src, foreignFile("changed on the way\n", sha256("what was offered\n")), { directory: dir, generations: 3 }), BackupError);
  assert.equal(await contents(backupPathFor(dir, src)), "ours");
  assert.equal(await contents(backupPathFor(dir, src, 1)), undefined);
});

test("backupForeign() keeps a peer's symlink as a symlink, and starts at .1 where the name is a directory of backups", async () => {
  const { src, dir } = await setup();
  await fsp.mkdir(src);
  await fsp.writeFile(join(src, "x"), "below");
  await backupFile(join(src, "x"), { directory: dir, generations: 3 });
  const made = await backupForeign(src, { kind: "symlink", target: "../elsewhere", mtimeNs: 1_600_000_000_000_000_000n }, { directory: dir, generations: 3 });
  assert.equal(made, backupPathFor(dir, src, 1));
  assert.equal(await fsp.readlink(made ?? ""), "../elsewhere");
  assert.equal(await contents(join(backupPathFor(dir, src), "x")), "below");
});

// Names that are not UTF-8: paths here are name-codec escaped (a byte 0xE9 is "\uFFFDE9").
// Passed as raw strings, such a loser was replaced with no copy at all.
const LATIN1 = "caf\uFFFDE9";

test("backupFile() keeps a file whose name is not UTF-8 under its own bytes, rotating, and names the copy escaped", async () => {
  const { src, dir } = await setup();
  const source = join(src, "..", LATIN1);
  for (const v of ["v1", "v2"]) {
    await fsp.writeFile(fsPath(source), v);
    assert.equal(await backupFile(source, { directory: dir, generations: 3 }), backupPathFor(dir, source));
  }
  const copies = (await fsp.readdir(fsPath(backupPathFor(dir, join(src, ".."))), { encoding: "buffer" })).map((b) => b.toString("latin1")).sort();
  assert.deepEqual(copies, ["café", "café.1"], "the bytes of the name, and .1 after them");
  assert.equal(await contents(backupPathFor(dir, source)), undefined, "nothing under the escaped text itself");
  assert.equal(await fsp.readFile(fsPath(backupPathFor(dir, source)), "utf8"), "v2");
  assert.equal(await fsp.readFile(fsPath(backupPathFor(dir, source, 1)), "utf8"), "v1");
});

test("backupFile() and backupForeign() keep a symlink whose name is not UTF-8; a peer's file of that name too", async () => {
  const { src, dir } = await setup();
  const source = join(src, "..", LATIN1);
  await fsp.symlink("target here", fsPath(source));
  await backupFile(source, { directory: dir, generations: 3 });
  await backupForeign(source, foreignFile("the peer's\n"), { directory: dir, generations: 3 });
  assert.equal(await fsp.readFile(fsPath(backupPathFor(dir, source)), "utf8"), "the peer's\n");
  assert.equal(await fsp.readlink(fsPath(backupPathFor(dir, source, 1))), "target here");
});

test("backupFile() keeps a file below a directory whose name is not UTF-8, making that directory under its bytes", async () => {
  const { src, dir } = await setup();
  const below = join(src, "..", LATIN1, "x");
  await fsp.mkdir(fsPath(join(src, "..", LATIN1)));
  await fsp.writeFile(fsPath(below), "v1");
  assert.equal(await backupFile(below, { directory: dir, generations: 3 }), backupPathFor(dir, below));
  assert.equal(await fsp.readFile(fsPath(backupPathFor(dir, below)), "utf8"), "v1");
  const made = await fsp.readdir(fsPath(backupPathFor(dir, join(src, ".."))), { encoding: "buffer" });
  assert.deepEqual(made.map((b) => b.toString("latin1")), ["café"]);
  assert.equal((await fsp.stat(fsPath(backupPathFor(dir, join(src, "..", LATIN1))))).mode & 0o777, 0o700);
});

test("backupForeign() makes a peer's symlink with the target's bytes (the entry holds it escaped)", async () => {
  const { src, dir } = await setup();
  await backupForeign(src, { kind: "symlink", target: LATIN1, mtimeNs: 1_600_000_000_000_000_000n }, { directory: dir, generations: 3 });
  assert.equal((await fsp.readlink(backupPathFor(dir, src), { encoding: "buffer" })).toString("latin1"), "café");
});

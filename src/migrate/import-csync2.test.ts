// importCsync2() on hand-made csync2 databases (csync2.md §6.1 schema) over real temp trees:
// the rows csync2 itself never writes, or that the disk no longer backs, are reported and left
// out; nothing is recorded behind a symlinked directory; a dry run writes nothing.

import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { openIndex } from "../index/database.js";
import { EntryStore } from "../index/entries.js";
import { PendingStore } from "../index/pending.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../index/testing.js";
import { BASELINE, importCsync2 } from "./import-csync2.js";

const SCHEMA = [
  "CREATE TABLE file (filename, checktxt, UNIQUE (filename) ON CONFLICT REPLACE)",
  "CREATE TABLE dirty (filename, forced, myname, peername, UNIQUE (filename, peername) ON CONFLICT IGNORE)",
];

/** csync2's url_encode of a name or checktxt (csync2.md §5.2). */
function enc(bytes: Buffer | string): Buffer {
  const raw = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  const out: number[] = [];
  for (const b of raw) {
    if (b <= 0x20 || b === 0x7f || `"'%$:|\\`.includes(String.fromCharCode(b))) out.push(...Buffer.from(`%${b.toString(16).toUpperCase().padStart(2, "0")}`));
    else out.push(b);
  }
  return Buffer.from(out);
}

function checktxtOf(path: string | Buffer): string {
  const st = lstatSync(path);
  if (st.isDirectory()) return `v1:mode=${st.mode}:uid=${st.uid}:gid=${st.gid}:type=dir`;
  return `v1:mtime=${Math.floor(st.mtimeMs / 1000)}:mode=${st.mode}:uid=${st.uid}:gid=${st.gid}:type=reg:size=${st.size}`;
}

function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function setup() {
  const dir = tempDir("import");
  const root = join(dir, "tree");
  mkdirSync(join(root, "real"), { recursive: true });
  writeFileSync(join(root, "real/f"), "f\n");
  writeFileSync(join(root, "plain"), "p\n");
  writeFileSync(Buffer.from(`${root}/latin1-\xe9`, "latin1"), "l\n");
  symlinkSync("real", join(root, "link"));
  const cfg = writeTestConfig(join(dir, "etc"), { include: [root] });
  const config = loadTestConfig(cfg, join(dir, "state"));
  const csync2 = new Database(join(dir, "csync2.db3"));
  for (const s of SCHEMA) csync2.exec(s);
  const add = (name: Buffer | string, checktxt: string) =>
    csync2.prepare("INSERT INTO file (filename, checktxt) VALUES (?, ?)").run(enc(name), enc(checktxt)); // raw bytes, as csync2 writes them
  return { dir, root, config, csync2, add };
}

test("importCsync2() records what csync2 had in sync and reports the rest", async () => {
  const { dir, root, config, csync2, add } = setup();
  add(root, checktxtOf(root));
  add(`${root}/plain`, checktxtOf(join(root, "plain")));
  const latin1 = Buffer.from(`${root}/latin1-\xe9`, "latin1");
  add(latin1, checktxtOf(latin1));
  add(`${root}/link/f`, checktxtOf(join(root, "real/f"))); // behind a symlinked directory
  add(`${root}/gone`, "v1:mtime=1:mode=33188:uid=0:gid=0:type=reg:size=1");
  add(`${root}/pipe`, "v1:mode=4516:uid=0:gid=0:type=fifo");
  add(`${root}/garbage`, "v9:whatever");
  add("/elsewhere/x", "v1:mode=16877:uid=0:gid=0:type=dir");
  const db = openIndex(config.stateDir);
  try {
    const s = await importCsync2(db, csync2, config);
    assert.deepEqual([s.rows, s.notIncluded, s.missing, s.unsentDeletions], [8, 1, 1, 0]);
    assert.deepEqual(s.problems.map((p) => [p.path.slice(root.length), p.severity]).sort(), [
      ["/garbage", "error"], ["/link/f", "skipped"], ["/pipe", "skipped"],
    ]);
    const entries = new EntryStore(db);
    assert.deepEqual(entries.get("g", `${root}/plain`)?.vector, BASELINE);
    assert.equal(entries.get("g", `${root}/link/f`), undefined);
    // A name that is not UTF-8 comes back in the index's escaped form (fs/name-codec.ts).
    assert.deepEqual(entries.get("g", `${root}/latin1-\uFFFDE9`)?.vector, BASELINE);
    assert.equal(s.inSync, 3);
    assert.equal(new PendingStore(db).count(), 0);
  } finally {
    db.close();
    csync2.close();
    cleanup(dir);
  }
});

test("importCsync2() keeps csync2's dirty files and later edits pending; a dry run writes nothing", async () => {
  const { dir, root, config, csync2, add } = setup();
  add(`${root}/plain`, checktxtOf(join(root, "plain")));
  add(`${root}/real`, checktxtOf(join(root, "real")));
  add(`${root}/real/f`, checktxtOf(join(root, "real/f")).replace(/size=\d+/, "size=99"));
  csync2.prepare("INSERT INTO dirty VALUES (?, 0, 'a', 'b')").run(`${root}/plain`);
  csync2.prepare("INSERT INTO dirty VALUES (?, 0, 'a', 'b')").run(`${root}/deleted`);
  csync2.prepare("INSERT INTO dirty VALUES (?, 0, 'a', 'c')").run(`${root}/deleted`);
  csync2.prepare("INSERT INTO dirty VALUES (?, 0, 'a', 'b')").run("/elsewhere/deleted"); // no group of this node
  const db = openIndex(config.stateDir);
  try {
    // A directory digest an earlier check kept (index/dir-digests.ts): the rows imported did not come from it.
    const digests = db.prepare("SELECT count(*) FROM dir_digests").pluck();
    db.prepare("INSERT INTO dir_digests (grp, dir, digest, scanned) VALUES ('g', ?, 1, 1)").run(`${root}/`);
    const dry = await importCsync2(db, csync2, config, { dryRun: true });
    assert.deepEqual([dry.inSync, dry.pending, dry.unsentDeletions], [1, 2, 1]);
    assert.equal(new EntryStore(db).get("g", `${root}/plain`), undefined);
    assert.equal(digests.get(), 1);
    const s = await importCsync2(db, csync2, config);
    assert.equal(digests.get(), 0);
    assert.deepEqual([s.inSync, s.pending, s.unsentDeletions], [1, 2, 1]);
    assert.deepEqual(s.unsentDeletionPaths, [`${root}/deleted`]);
    const pending = new PendingStore(db).list().map((p) => [p.path.slice(root.length), p.peer]);
    assert.deepEqual(pending, [["/plain", "b"], ["/real/f", "b"]]);
    assert.deepEqual(new EntryStore(db).get("g", `${root}/plain`)?.vector, { a: 1, csync2: 1 });
  } finally {
    db.close();
    csync2.close();
    cleanup(dir);
  }
});

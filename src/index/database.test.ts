import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { asIndexFault, indexPath, openIndex } from "./database.js";
import { IndexError, StorageError } from "../errors.js";
import { EntryStore, type RecordInput } from "./entries.js";
import { recordedFingerprintHash } from "./entry-rows.js";
import { VersionStore } from "./versions.js";
import { tempDir } from "./testing.js";
import { bumpVector, EMPTY_VECTOR } from "../core/vector.js";

const dir = tempDir("database");

/** A recorded file of group "g"; each test varies path, group or ino. */
const FILE_RECORD: RecordInput = {
  group: "g", path: "/srv/x",
  state: { kind: "file", mode: 0o100644, uid: 0, gid: 0, userName: "root", groupName: "root", mtimeNs: 1_700_000_000_000_000_000n, size: 1, hash: "cd".repeat(32) },
  vector: bumpVector(EMPTY_VECTOR, "a"), ctimeNs: 1_700_000_000_000_000_001n, ino: 7n, dev: 1n,
};
after(() => rmSync(dir, { recursive: true, force: true }));

test("openIndex() gives an index made before entries.fp the column, filled from the recorded fingerprints", () => {
  const input: RecordInput = {
    group: "g", path: "/srv/a",
    state: { kind: "file", mode: 0o100644, uid: 1000, gid: 1000, userName: "u", groupName: "g", mtimeNs: 1_700_000_000_123_456_789n, size: 512, hash: "ab".repeat(32) },
    vector: bumpVector(EMPTY_VECTOR, "a"),
    ctimeNs: 1_700_000_001_987_654_321n, ino: 2n ** 63n + 5n, dev: 2049n,
  };
  let db = openIndex(dir);
  const entries = new EntryStore(db);
  const id = entries.record(input);
  entries.tombstone(entries.record({ ...input, path: "/srv/gone" }), input.vector, 5n);
  // What an index from before the column looks like: no fp (nor the later directory digests,
  // whose trigger names it), an older schema stamp.
  db.exec("DROP TRIGGER dir_digests_on_update");
  db.exec("DELETE FROM schema_migrations WHERE name = '70-dir-digests.sql'");
  db.exec("ALTER TABLE entries DROP COLUMN fp");
  db.pragma("user_version = 0");
  db.close();
  db = openIndex(dir);
  try {
    const fp = db.prepare("SELECT path, fp FROM entries ORDER BY path").raw().all();
    assert.deepEqual(fp, [["/srv/a", recordedFingerprintHash(input)], ["/srv/gone", 0]]);
    assert.notEqual(recordedFingerprintHash(input), 0);
    assert.equal(new EntryStore(db).fingerprintOf("g", "/srv/a")?.id, id);
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'dir_digests_on_update'").pluck().get(), 1);
  } finally {
    db.close();
  }
});

test("fingerprintsOf() answers as fingerprintOf() does for each path, in order, across query chunks", () => {
  const db = openIndex(tempDir("database-points"));
  try {
    const entries = new EntryStore(db);
    const paths: string[] = [];
    for (let i = 0; i < 150; i++) {
      const path = `/srv/f${i}`;
      paths.push(path, `/srv/missing${i}`);
      const id = entries.record({ ...FILE_RECORD, path, ino: BigInt(i + 1), state: { ...FILE_RECORD.state, size: i } as RecordInput["state"] });
      if (i % 7 === 0) entries.tombstone(id, FILE_RECORD.vector, 5n);
    }
    // Another group's row at the same path is not this group's; a name with a surrogate goes alone.
    entries.record({ ...FILE_RECORD, group: "other", path: "/srv/missing3" });
    const odd = "/srv/\ud800odd";
    entries.record({ ...FILE_RECORD, path: odd });
    paths.push(odd, "/srv/f1");
    const got = entries.fingerprintsOf("g", paths);
    assert.equal(got.length, paths.length);
    assert.deepEqual(got, paths.map((p) => entries.fingerprintOf("g", p)));
    assert.equal(got.filter((r) => r === undefined).length, 150);
    assert.equal(got.filter((r) => r?.deleted).length, 22);
    assert.ok(got.at(-2) !== undefined, "the surrogate path is found");
  } finally {
    db.close();
  }
});

test("getByIds() answers as getById() and VersionStore.get() do, across query chunks; ids without a row are left out", () => {
  const db = openIndex(tempDir("database-ids"));
  try {
    const entries = new EntryStore(db);
    const versions = new VersionStore(db);
    const ids: number[] = [];
    for (let i = 0; i < 140; i++) {
      const id = entries.record({ ...FILE_RECORD, path: `/srv/f${i}`, ino: BigInt(i + 1) });
      if (i % 3 === 0) versions.setVersion(id, `node${i}`, 1000 + i);
      if (i % 5 === 0) versions.setForced(id, true);
      if (i % 11 === 0) entries.tombstone(id, FILE_RECORD.vector, 5n);
      ids.push(id);
    }
    const asked = [...ids.slice(70), 999_999, ...ids.slice(0, 70)];
    const got = entries.getByIds(asked);
    assert.equal(got.size, 140);
    assert.equal(got.has(999_999), false);
    for (const id of ids) assert.deepEqual(got.get(id), { record: entries.getById(id), version: versions.get(id) });
    assert.ok([...got.values()].some((v) => v.version.forced) && [...got.values()].some((v) => v.version.modifiedBy === "node3"));
  } finally {
    db.close();
  }
});

test("getByPaths() answers as get() and VersionStore.get() do for each path of the group (surrogates alone, other groups and missing paths left out)", () => {
  const db = openIndex(tempDir("database-paths"));
  try {
    const entries = new EntryStore(db);
    const versions = new VersionStore(db);
    const paths: string[] = [];
    for (let i = 0; i < 100; i++) {
      const id = entries.record({ ...FILE_RECORD, path: `/srv/f${i}`, ino: BigInt(i + 1) });
      if (i % 9 === 0) entries.tombstone(id, FILE_RECORD.vector, 5n);
      if (i % 4 === 0) versions.setVersion(id, `node${i}`, 2000 + i);
      if (i % 7 === 0) versions.setForced(id, true);
      paths.push(`/srv/f${i}`, `/srv/none${i}`);
    }
    entries.record({ ...FILE_RECORD, group: "other", path: "/srv/none1" });
    const odd = "/srv/\udc80odd";
    versions.setVersion(entries.record({ ...FILE_RECORD, path: odd }), "odd", 3);
    paths.push(odd);
    const got = entries.getByPaths("g", paths);
    assert.equal(got.size, 101);
    for (const p of paths) {
      const record = entries.get("g", p);
      assert.deepEqual(got.get(p), record && { record, version: versions.get(record.id) }, p);
    }
    assert.equal(got.get(odd)?.version.modifiedBy, "odd");
  } finally {
    db.close();
  }
});

test("openIndex() names a damaged index file and says how to rebuild it, read-only too", () => {
  const damaged = tempDir("database-damaged");
  try {
    mkdirSync(damaged, { recursive: true });
    writeFileSync(indexPath(damaged), "garbage, not an SQLite file\n".repeat(200));
    for (const readonly of [false, true]) {
      assert.throws(() => openIndex(damaged, { readonly }), (err: unknown) => {
        assert.ok(err instanceof IndexError, String(err));
        assert.match(err.message, /^Cannot open index ".*index\.db": it is damaged \(file is not a database\)$/);
        assert.match(err.hint ?? "", /^move it aside \(mv .*index\.db .*index\.db\.damaged\) and run `peersync check` to rebuild it/);
        return true;
      });
    }
    assert.equal(readFileSync(indexPath(damaged), "utf8"), "garbage, not an SQLite file\n".repeat(200), "left as it was");
  } finally {
    rmSync(damaged, { recursive: true, force: true });
  }
});

const sqliteError = (code: string) => Object.assign(new Error("database disk image is malformed"), { code });
const damageCases: readonly { readonly name: string; readonly err: unknown; readonly damaged: boolean }[] = [
  { name: "SQLITE_CORRUPT from a query", err: sqliteError("SQLITE_CORRUPT"), damaged: true },
  { name: "SQLITE_NOTADB from a query", err: sqliteError("SQLITE_NOTADB"), damaged: true },
  { name: "SQLITE_BUSY (not damage)", err: sqliteError("SQLITE_BUSY"), damaged: false },
  { name: "an IndexError already named", err: new IndexError("Cannot open index: it is damaged"), damaged: false },
  { name: "a TypeError", err: new TypeError("x"), damaged: false },
];
for (const c of damageCases) {
  test(`asIndexFault() ${c.damaged ? "names the index for" : "passes on"} ${c.name}`, () => {
    const out = asIndexFault("/var/lib/peersync", c.err);
    if (!c.damaged) return assert.equal(out, c.err);
    assert.ok(out instanceof IndexError);
    assert.equal(out.message, 'Cannot use index "/var/lib/peersync/index.db": it is damaged (database disk image is malformed)');
    assert.match(out.hint ?? "", /^move it aside \(mv \/var\/lib\/peersync\/index\.db /);
  });
}

// A write the disk refused is not damage: the hint says to fix the disk and run again, never to
// move the index aside (which would throw away every version vector).
const storageCases: readonly { readonly name: string; readonly err: unknown; readonly reason: RegExp; readonly hint: RegExp }[] = [
  { name: "SQLITE_FULL from a query", err: Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }), reason: /the file system holding it is full \(SQLITE_FULL: database or disk is full\)$/, hint: /^free space on the file system of \/var\/lib\/peersync \(df -h/ },
  { name: "SQLITE_READONLY_DIRECTORY", err: Object.assign(new Error("attempt to write a readonly database"), { code: "SQLITE_READONLY_DIRECTORY" }), reason: /is read-only/, hint: /^remount the file system of \/var\/lib\/peersync read-write/ },
  { name: "SQLITE_IOERR_WRITE", err: Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR_WRITE" }), reason: /I\/O error/, hint: /dmesg/ },
  {
    name: "SQLITE_FULL wrapped by the schema update", reason: /is full/, hint: /^free space/,
    err: new IndexError("Cannot bring the index schema up to date: database or disk is full", { cause: Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }) }),
  },
];
for (const c of storageCases) {
  test(`asIndexFault() names the disk, not damage nor a bug, for ${c.name}`, () => {
    const out = asIndexFault("/var/lib/peersync", c.err);
    assert.ok(out instanceof StorageError, String(out));
    assert.equal(out.code, "STORAGE");
    assert.match(out.message, /^Cannot write the index "\/var\/lib\/peersync\/index\.db": /);
    assert.match(out.message, c.reason);
    assert.match(out.hint ?? "", c.hint);
    assert.doesNotMatch(out.hint ?? "", /move it aside/);
  });
}

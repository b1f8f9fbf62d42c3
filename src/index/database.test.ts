import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { openIndex } from "./database.js";
import { EntryStore, recordedFingerprintHash, type RecordInput } from "./entries.js";
import { tempDir } from "./testing.js";
import { bumpVector, EMPTY_VECTOR } from "../core/vector.js";

const dir = tempDir("database");
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
  // What an index from before the column looks like: no fp, an older schema stamp.
  db.exec("ALTER TABLE entries DROP COLUMN fp");
  db.pragma("user_version = 0");
  db.close();
  db = openIndex(dir);
  try {
    const fp = db.prepare("SELECT path, fp FROM entries ORDER BY path").raw().all();
    assert.deepEqual(fp, [["/srv/a", recordedFingerprintHash(input)], ["/srv/gone", 0]]);
    assert.notEqual(recordedFingerprintHash(input), 0);
    assert.equal(new EntryStore(db).fingerprintOf("g", "/srv/a")?.id, id);
  } finally {
    db.close();
  }
});

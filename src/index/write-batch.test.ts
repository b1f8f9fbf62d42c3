// A check's writes (write-batch.ts) commit some time after its walk looked the index up: a path
// found without a record may have one by then, written by another writer of the index (a
// sync's take-back re-checking a subtree while early push runs, or the daemon). That record
// stands; the check's commit must neither fail nor overwrite it.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { EntryStore } from "./entries.js";
import { PendingStore } from "./pending.js";
import { checkFixture } from "./testing.js";

test("a path recorded by another writer after the walk found it new keeps that record; the check goes on and the next one compares with it", async () => {
  const f = checkFixture("batch-recorded-meanwhile", { "d/a": "a", "d/b": "b", "e/c": "c" });
  const entries = new EntryStore(f.db);
  const b = join(f.root, "d/b");
  const writer = { modifiedBy: "z", changedAtMs: 5 };
  // The other writer records d/b (here: a deletion received for it) once the walk is past d/a.
  await f.check({
    onChange: (c) => {
      if (c.path === join(f.root, "d/a")) entries.insertTombstone("g", b, { z: 7 }, 5_000_000n, writer);
    },
  });
  const row = entries.get("g", b);
  assert.deepEqual(row?.vector, { z: 7 }, "the other writer's record stands");
  assert.notEqual(row?.deletedNs, undefined);
  assert.deepEqual(new PendingStore(f.db).peersOf(row!.id), [], "nothing pending from the check for it");
  assert.ok(entries.get("g", join(f.root, "e/c")) !== undefined, "the rest of the check was recorded");
  const digests = f.db.prepare("SELECT dir FROM dir_digests").pluck().all() as string[];
  assert.ok(!digests.includes(`${join(f.root, "d")}/`), "no digest for d: its rows are not all as this check found them");
  // The next check finds the file against that record: a new version after z's.
  const next = await f.check();
  assert.ok(next.changes.has("/d/b"));
  assert.deepEqual(entries.get("g", b)?.vector, { z: 7, a: 1 });
});

test("a recorded path another writer records again after the check read it keeps that record: the check's later commit does not put the older version back", async () => {
  const f = checkFixture("batch-updated-meanwhile", { "d/a": "a", "d/b": "b", "e/c": "c" });
  const entries = new EntryStore(f.db);
  const pending = new PendingStore(f.db);
  await f.check();
  const b = join(f.root, "d/b");
  const id = entries.get("g", b)!.id;
  pending.clearAll(id);
  writeFileSync(b, "an edit here");
  // The other writer (here: the daemon applying a deletion received from z that covers our
  // version) records d/b after the check read its row and queued the edit, before it commits.
  await f.check({
    onChange: (c) => {
      if (c.path === b) entries.tombstone(id, { a: 1, z: 7 }, 5_000_000n);
    },
  });
  const row = entries.get("g", b);
  assert.deepEqual(row?.vector, { a: 1, z: 7 }, "the other writer's record stands: z's version is not forgotten");
  assert.notEqual(row?.deletedNs, undefined);
  assert.deepEqual(pending.peersOf(id), [], "nothing pending from the check for it");
  const digests = f.db.prepare("SELECT dir FROM dir_digests").pluck().all() as string[];
  assert.ok(!digests.includes(`${join(f.root, "d")}/`), "no digest for d: its rows are not all as this check found them");
  // The next check finds the file against that record: a new version after z's.
  const next = await f.check();
  assert.equal(next.changes.get("/d/b"), "new");
  assert.deepEqual(entries.get("g", b)?.vector, { a: 2, z: 7 });
});

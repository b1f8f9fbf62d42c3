import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { bumpVector, EMPTY_VECTOR } from "../core/vector.js";
import { openIndex } from "../index/database.js";
import { EntryStore, type RecordInput } from "../index/entries.js";
import { PendingStore } from "../index/pending.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../index/testing.js";
import { silentLogger } from "../net/testing.js";
import { updateStep } from "./update-step.js";

const DAY_NS = 86_400_000_000_000n;

/** Node a of group g (peer b at a closed port, tombstones kept 7 days) with one deletion 10 days old. */
function fixture(label: string) {
  const dir = tempDir(label);
  const cfg = writeTestConfig(join(dir, "etc"), { include: [join(dir, "tree")], hosts: "a b@127.0.0.1:1", groupExtra: "tombstone-retention 7d;" });
  const config = loadTestConfig(cfg, join(dir, "state"));
  const db = openIndex(config.stateDir);
  const entries = new EntryStore(db);
  const input: RecordInput = {
    group: "g", path: join(dir, "tree", "gone"),
    state: { kind: "file", mode: 0o100644, uid: 0, gid: 0, userName: "root", groupName: "root", mtimeNs: 1n, size: 1, hash: "ab".repeat(32) },
    vector: bumpVector(EMPTY_VECTOR, "a"), ctimeNs: 1n, ino: 1n, dev: 1n,
  };
  const id = entries.record(input);
  entries.tombstone(id, bumpVector(input.vector, "a"), BigInt(Date.now()) * 1_000_000n - 10n * DAY_NS);
  const state = () => (entries.get("g", input.path) === undefined ? "forgotten" : "tombstone");
  return { config, db, id, state };
}

test("updateStep() with nothing pending only forgets old tombstones every peer acknowledged (not in a dry run)", async () => {
  const f = fixture("update-step-idle");
  const dry = await updateStep(f.db, f.config, { logger: silentLogger(), dryRun: true });
  assert.deepEqual(dry, { results: [], unreachable: [], safetyStops: [], conflicts: 0, problems: 0, actionsFailed: 0 });
  assert.equal(f.state(), "tombstone");
  await updateStep(f.db, f.config, { logger: silentLogger() });
  assert.equal(f.state(), "forgotten");
});

test("updateStep() with an entry pending pushes it (here: the peer cannot be reached, the tombstone stays)", async () => {
  const f = fixture("update-step-work");
  new PendingStore(f.db).mark(f.id, ["b"]);
  const summary = await updateStep(f.db, f.config, { logger: silentLogger() });
  assert.deepEqual(summary.unreachable.map((u) => u.peer), ["b"]);
  assert.equal(f.state(), "tombstone");
});

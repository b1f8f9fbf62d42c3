// A deletion offered for a path this node holds no live entry of (core/tombstone.ts
// passesDeletionOn): kept as a tombstone carrying the deleter's vector and writer, and pending
// for the group's other peers, unless this node holds it already or is receive-only.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import pino from "pino";
import { entryFromWire } from "../core/entry.js";
import type { LogicalPath } from "../core/path.js";
import { openIndex } from "../index/database.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../index/testing.js";
import { applyDepsFor } from "./deps.js";
import { Receiver } from "./receive.js";
import { SyncIndex } from "./sync-index.js";

function setUp(label: string, hosts: string) {
  const dir = tempDir(label);
  const root = join(dir, "root");
  mkdirSync(root, { recursive: true });
  const config = loadTestConfig(writeTestConfig(dir, { include: [root], hosts }), join(dir, "state"));
  const db = openIndex(config.stateDir);
  const index = new SyncIndex(db, config.localName);
  const receiver = new Receiver({ config: () => config, index, deps: applyDepsFor(db, () => config), logger: pino({ level: "silent" }) });
  const group = config.groups[0]!;
  const pusher = group.peers.find((h) => h.name === "b")!;
  const path = join(root, "gone") as LogicalPath;
  const offer = async (counter: number) => {
    const entry = entryFromWire({ kind: "deleted", vector: { b: counter }, modifiedBy: "b", changedAtMs: 1_700_000_000_000 + counter });
    await receiver.recheck(group, [path]);
    return (await receiver.offer(group, { path, entry, forced: false }, pusher, false)).answer.kind;
  };
  const held = () => {
    const local = index.get(group.name, path);
    return local && { kind: local.entry.kind, vector: local.entry.vector, by: local.entry.modifiedBy, pending: index.pending.peersOf(local.record.id) };
  };
  return { index, path, offer, held, close: () => db.close() };
}

test("Receiver.offer() keeps a deletion of a path it never had as a tombstone pending for its other peers", async () => {
  const t = setUp("receive-unseen-deletion", "a b c");
  assert.equal(await t.offer(2), "in-sync");
  assert.deepEqual(t.held(), { kind: "deleted", vector: { b: 2 }, by: "b", pending: ["c"] });
  t.close();
});

test("Receiver.offer() passes on a newer deletion over its tombstone, and not the one it holds or an older one", async () => {
  const t = setUp("receive-newer-deletion", "a b c");
  await t.offer(2);
  // c acknowledged it (beta's push reached it).
  t.index.pending.clearMany([t.index.entries.idOf("g", t.path)!], "c");
  assert.equal(await t.offer(2), "in-sync");
  assert.deepEqual(t.held(), { kind: "deleted", vector: { b: 2 }, by: "b", pending: [] });
  assert.equal(await t.offer(1), "in-sync");
  assert.deepEqual(t.held(), { kind: "deleted", vector: { b: 2 }, by: "b", pending: [] });
  assert.equal(await t.offer(4), "in-sync");
  assert.deepEqual(t.held(), { kind: "deleted", vector: { b: 4 }, by: "b", pending: ["c"] });
  t.close();
});

test("Receiver.offer() on a receive-only host keeps the tombstone and holds no relay rows", async () => {
  const t = setUp("receive-only-unseen-deletion", "(a) b c");
  assert.equal(await t.offer(2), "in-sync");
  assert.deepEqual(t.held(), { kind: "deleted", vector: { b: 2 }, by: "b", pending: [] });
  t.close();
});

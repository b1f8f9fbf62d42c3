// OfferLocals reads an offer's entries in windows, and never hands out one the index changed
// since: not after a write by this connection, not after a commit by another one.

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCheck } from "../index/check-run.js";
import { openIndex } from "../index/database.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../index/testing.js";
import { OfferLocals } from "./offer-locals.js";
import { SyncIndex, type LocalEntry } from "./sync-index.js";

async function setUp(label: string, files: number) {
  const dir = tempDir(label);
  const root = join(dir, "root");
  mkdirSync(root, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < files; i++) {
    const path = join(root, `f${String(i).padStart(3, "0")}`);
    writeFileSync(path, `version 1 of ${i}\n`);
    paths.push(path);
  }
  // One path the index has never seen: its entry is undefined, window or not.
  paths.splice(3, 0, join(root, "never-recorded"));
  const config = loadTestConfig(writeTestConfig(dir, { include: [root] }), join(dir, "state"));
  const db = openIndex(config.stateDir);
  await runCheck(db, config);
  const index = new SyncIndex(db, config.localName);
  return { config, db, index, paths, group: config.groups[0]!.name };
}

function sizeOf(local: LocalEntry | undefined): number | undefined {
  return local?.entry.kind === "file" ? local.entry.size : undefined;
}

test("OfferLocals gives every path of an offer the entry the index holds (windows of 64)", async () => {
  const t = await setUp("offer-locals-all", 150);
  const locals = new OfferLocals(t.index, t.group, t.paths);
  t.paths.forEach((path, i) => assert.deepEqual(locals.get(i), t.index.get(t.group, path), path));
  assert.equal(locals.get(3), undefined);
});

test("OfferLocals does not hand out an entry this connection changed after the window was read", async () => {
  const t = await setUp("offer-locals-own", 20);
  const locals = new OfferLocals(t.index, t.group, t.paths);
  const before = locals.get(0);
  assert.ok(before);
  writeFileSync(t.paths[5]!, "version 2, longer than the first\n");
  await runCheck(t.db, t.config, { paths: [t.paths[5]!] });
  for (let i = 1; i < t.paths.length; i++) assert.deepEqual(locals.get(i), t.index.get(t.group, t.paths[i]!), t.paths[i]);
  assert.equal(sizeOf(locals.get(5)), 33);
});

test("OfferLocals does not hand out an entry another connection changed after the window was read", async () => {
  const t = await setUp("offer-locals-other", 20);
  const locals = new OfferLocals(t.index, t.group, t.paths);
  assert.ok(locals.get(0));
  const other = openIndex(t.config.stateDir);
  try {
    writeFileSync(t.paths[7]!, "version 2 from elsewhere\n");
    await runCheck(other, t.config, { paths: [t.paths[7]!] });
  } finally {
    other.close();
  }
  const fresh = t.index.get(t.group, t.paths[7]!);
  assert.equal(sizeOf(fresh), 25);
  assert.deepEqual(locals.get(7), fresh);
});

// OfferLocals reads an offer's entries in windows and never hands out one this connection
// changed since; the receiver lets a window's entry decide only an answer "send", so a commit by
// another process after the window was read changes no other answer.

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCheck } from "../index/check-run.js";
import { openIndex } from "../index/database.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../index/testing.js";
import pino from "pino";
import { entryFromWire, entryToWire } from "../core/entry.js";
import type { LogicalPath } from "../core/path.js";
import { applyDepsFor } from "./deps.js";
import { OfferLocals } from "./offer-locals.js";
import { Receiver } from "./receive.js";
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

test("a window's entry decides only a \"send\": any other answer is decided on the index as it is now", async () => {
  // A stale window (another process recorded the directory after it was read) says nothing is
  // there; the index says the very directory offered is: the answer must be in-sync.
  const dir = tempDir("offer-locals-stale");
  const root = join(dir, "root");
  mkdirSync(join(root, "d"), { recursive: true });
  const config = loadTestConfig(writeTestConfig(dir, { include: [root] }), join(dir, "state"));
  const db = openIndex(config.stateDir);
  await runCheck(db, config);
  const index = new SyncIndex(db, config.localName);
  const group = config.groups[0]!;
  const receiver = new Receiver({ config: () => config, index, deps: applyDepsFor(db, () => config), logger: pino({ level: "silent" }) });
  const path = join(root, "d") as LogicalPath;
  const entry = entryFromWire(entryToWire(index.get(group.name, path)!.entry));
  const pusher = group.peers.find((h) => h.name === "b")!;
  const outcome = await receiver.offer(group, { path, entry, forced: false }, pusher, false, undefined, { local: undefined });
  assert.equal(outcome.answer.kind, "in-sync");
  assert.equal(outcome.changed, false);
});

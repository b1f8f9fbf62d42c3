// The durability order of a put-batch (fs/sync-fs.ts): the data of every temp file is made
// durable before any rename, every rename before its directory is synced, every directory
// before anything is recorded. A real receiver, index and disk; only the durability layer is
// wrapped, to look at the disk and the index at each step.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import pino from "pino";
import { entryFromWire } from "../core/entry.js";
import type { LogicalPath } from "../core/path.js";
import { openIndex } from "../index/database.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../index/testing.js";
import { batchDurability, type BatchDurability } from "../fs/sync-fs.js";
import { compareVectors } from "../core/vector.js";
import { runCheck } from "../index/check-run.js";
import type { OfferItem } from "../net/messages.js";
import { applyDepsFor } from "./deps.js";
import { observedAt } from "./apply.js";
import type { ExistingEntry } from "../core/entry.js";
import { receivePutBatch } from "./put-batch.js";
import { Receiver } from "./receive.js";
import { SyncIndex } from "./sync-index.js";
import { mkdirSync } from "node:fs";

function setUp(label: string) {
  const dir = tempDir(label);
  const root = join(dir, "root");
  mkdirSync(join(root, "d1"), { recursive: true });
  mkdirSync(join(root, "d2"), { recursive: true });
  const config = loadTestConfig(writeTestConfig(dir, { include: [root] }), join(dir, "state"));
  const db = openIndex(config.stateDir);
  const index = new SyncIndex(db, config.localName);
  const deps = applyDepsFor(db, () => config);
  const logger = pino({ level: "silent" });
  const receiver = new Receiver({ config: () => config, index, deps, logger });
  const group = config.groups[0]!;
  const pusher = group.peers.find((h) => h.name === "b")!;
  return { root, config, db, index, deps, receiver, group, pusher };
}

let clock = 0;
function item(path: string, content: Buffer): OfferItem {
  const entry = entryFromWire({
    kind: "file", vector: { b: 100 + ++clock }, modifiedBy: "b", changedAtMs: 1, mode: 0o100644, uid: process.getuid!(), gid: process.getgid!(),
    mtimeNs: "1700000000000000000", size: content.length, hash: createHash("sha256").update(content).digest("hex"),
  });
  return { path: path as LogicalPath, entry, forced: false };
}

const temps = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith(".peersync-tmp-"));

test("a put-batch syncs the temp files' data before any rename, each directory after its renames, and records only then", async () => {
  const t = setUp("put-batch-order");
  const files = { "d1/a": Buffer.from("alpha\n"), "d1/b": Buffer.from("beta\n"), "d2/c": Buffer.from("gamma\n") };
  const items = Object.entries(files).map(([rel, content]) => item(join(t.root, rel), content));
  const events: string[] = [];
  const recorded = (rel: string): boolean => t.index.get(t.group.name, join(t.root, rel)) !== undefined;
  const durability = (): BatchDurability => {
    const real = batchDurability();
    return {
      defersFileSync: real.defersFileSync,
      watch: (dir) => (events.push(`watch ${dir.slice(t.root.length)}`), real.watch(dir)),
      syncData: async () => {
        // Every temp file is complete, no target exists yet, nothing is recorded.
        assert.equal(temps(join(t.root, "d1")).length + temps(join(t.root, "d2")).length, 3);
        for (const rel of Object.keys(files)) {
          assert.equal(existsSync(join(t.root, rel)), false, `${rel} renamed before its data was synced`);
          assert.equal(recorded(rel), false);
        }
        events.push("syncData");
        await real.syncData();
      },
      syncDirectory: async (dir) => {
        const rels = Object.keys(files).filter((rel) => join(t.root, rel).startsWith(`${dir}/`));
        // The renames in this directory are done; none of the batch is recorded yet.
        for (const rel of rels) assert.equal(readFileSync(join(t.root, rel), "utf8"), files[rel as keyof typeof files].toString());
        for (const rel of Object.keys(files)) assert.equal(recorded(rel), false, `${rel} recorded before its directory was synced`);
        events.push(`syncDirectory ${dir.slice(t.root.length)}`);
        await real.syncDirectory(dir);
      },
      close: () => (events.push("close"), real.close()),
    };
  };
  const result = await receivePutBatch(
    { config: t.config, group: t.group, pusher: t.pusher, receiver: t.receiver, index: t.index, deps: t.deps(t.group), signal: new AbortController().signal, durability },
    items, [Buffer.concat(Object.values(files))],
  );
  assert.deepEqual(result.answers.map((a) => a.answer.kind), ["applied", "applied", "applied"]);
  for (const rel of Object.keys(files)) assert.equal(recorded(rel), true);
  assert.deepEqual(events, ["watch /d1", "watch /d1", "watch /d2", "syncData", "syncDirectory /d1", "syncDirectory /d2", "close"]);
  assert.deepEqual([...temps(join(t.root, "d1")), ...temps(join(t.root, "d2"))], []);
  t.db.close();
});

test("when the data sync fails, no file of the batch is renamed or recorded, and no temp file stays", async () => {
  const t = setUp("put-batch-syncfail");
  const items = [item(join(t.root, "d1/x"), Buffer.from("x\n")), item(join(t.root, "d2/y"), Buffer.from("yy\n"))];
  const durability = (): BatchDurability => {
    const real = batchDurability();
    return { ...real, syncData: () => Promise.reject(Object.assign(new Error("syncfs: Input/output error"), { code: "EIO" })) };
  };
  const result = await receivePutBatch(
    { config: t.config, group: t.group, pusher: t.pusher, receiver: t.receiver, index: t.index, deps: t.deps(t.group), signal: new AbortController().signal, durability },
    items, [Buffer.from("x\nyy\n")],
  );
  assert.deepEqual(result.answers.map((a) => a.answer.kind), ["refused", "refused"]);
  assert.deepEqual(result.changed, []);
  for (const rel of ["d1/x", "d2/y"]) {
    assert.equal(existsSync(join(t.root, rel)), false);
    assert.equal(t.index.get(t.group.name, join(t.root, rel)), undefined);
  }
  assert.deepEqual([...temps(join(t.root, "d1")), ...temps(join(t.root, "d2"))], []);
  t.db.close();
});

test("a put-batch whose request ends before the commit answers why (ABORTED), renames and records nothing, and leaves no temp file", async () => {
  const t = setUp("put-batch-aborted");
  const items = [item(join(t.root, "d1/x"), Buffer.from("x\n")), item(join(t.root, "d2/y"), Buffer.from("yy\n"))];
  const request = new AbortController();
  const durability = (): BatchDurability => {
    const real = batchDurability();
    // The pusher's session closes while the temp files' data is being synced.
    return { ...real, syncData: async () => (request.abort(new Error("read ECONNRESET")), real.syncData()) };
  };
  const result = await receivePutBatch(
    { config: t.config, group: t.group, pusher: t.pusher, receiver: t.receiver, index: t.index, deps: t.deps(t.group), signal: request.signal, durability },
    items, [Buffer.from("x\nyy\n")],
  );
  for (const { answer } of result.answers) {
    assert.equal(answer.kind, "refused");
    assert.equal(answer.kind === "refused" && answer.code, "ABORTED");
    assert.match(answer.kind === "refused" ? answer.message : "", /request ended before its files were committed \(read ECONNRESET\).*next sync/);
  }
  assert.deepEqual(result.changed, []);
  for (const rel of ["d1/x", "d2/y"]) {
    assert.equal(existsSync(join(t.root, rel)), false);
    assert.equal(t.index.get(t.group.name, join(t.root, rel)), undefined);
  }
  assert.deepEqual([...temps(join(t.root, "d1")), ...temps(join(t.root, "d2"))], []);
  t.db.close();
});

for (const [label, tempWriter] of [["the thread pool (native)", undefined], ["the main thread", null]] as const) {
  test(`a put-batch written on ${label}: every file lands with its bytes, mode and mtime; one with a wrong hash is refused alone, leaving no temp file`, async () => {
    const t = setUp(`put-batch-writer-${tempWriter === null ? "main" : "pool"}`);
    const good = Array.from({ length: 70 }, (_, i) => item(join(t.root, `d1/f${i}`), Buffer.from(`file ${i}\n`.repeat(i))));
    const bad = { ...item(join(t.root, "d2/bad"), Buffer.from("announced\n")) };
    const items = [...good.slice(0, 35), bad, ...good.slice(35)];
    const body = Buffer.concat([...good.slice(0, 35).map((_, i) => Buffer.from(`file ${i}\n`.repeat(i))), Buffer.from("ANNOUNCED\n"),
      ...good.slice(35).map((_, i) => Buffer.from(`file ${i + 35}\n`.repeat(i + 35)))]);
    const result = await receivePutBatch(
      { config: t.config, group: t.group, pusher: t.pusher, receiver: t.receiver, index: t.index, deps: t.deps(t.group), signal: new AbortController().signal, tempWriter },
      items, [body],
    );
    assert.deepEqual(result.answers.filter((a) => a.answer.kind !== "applied").map((a) => a.path), [bad.path]);
    assert.equal(existsSync(join(t.root, "d2/bad")), false);
    for (let i = 0; i < 70; i++) {
      const path = join(t.root, `d1/f${i}`);
      assert.equal(readFileSync(path, "utf8"), `file ${i}\n`.repeat(i));
      const st = lstatSync(path, { bigint: true });
      assert.equal(st.mode & 0o7777n, 0o644n);
      assert.equal(st.mtimeNs, 1700000000000000000n);
      assert.equal(t.index.get(t.group.name, path)?.entry.kind, "file");
    }
    assert.deepEqual([...temps(join(t.root, "d1")), ...temps(join(t.root, "d2"))], []);
    t.db.close();
  });
}

test("a put-batch over recorded files answers first and removes the versions it replaced right after", async () => {
  const t = setUp("put-batch-displaced");
  const run = (items: OfferItem[], body: Buffer) => receivePutBatch(
    { config: t.config, group: t.group, pusher: t.pusher, receiver: t.receiver, index: t.index, deps: t.deps(t.group), signal: new AbortController().signal },
    items, [body],
  );
  const names = Array.from({ length: 20 }, (_, i) => join(t.root, `d1/f${i}`));
  await run(names.map((p) => item(p, Buffer.from("first\n"))), Buffer.from("first\n".repeat(20)));
  const second = await run(names.map((p) => item(p, Buffer.from("second!\n"))), Buffer.from("second!\n".repeat(20)));
  assert.deepEqual(second.answers.map((a) => a.answer.kind), Array(20).fill("applied"));
  for (const p of names) assert.equal(readFileSync(p, "utf8"), "second!\n");
  // The old versions were handed over under their temp names and are being unlinked on the
  // thread pool: gone within moments, none of them left for the start-up sweep.
  for (let i = 0; i < 100 && temps(join(t.root, "d1")).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(temps(join(t.root, "d1")), []);
  t.db.close();
});

test("a received file removed here before it was looked at is recorded as received, and the next check sends its removal as this node's own version", async () => {
  const t = setUp("put-batch-removed-at-once");
  const path = join(t.root, "d1/short-lived");
  const sent = item(path, Buffer.from("from the peer\n"));
  await receivePutBatch(
    { config: t.config, group: t.group, pusher: t.pusher, receiver: t.receiver, index: t.index, deps: t.deps(t.group), signal: new AbortController().signal },
    [sent], [Buffer.from("from the peer\n")],
  );
  // What apply.ts records when a local `rm` lands between the rename and the look at what
  // landed (microseconds; no hook reaches that gap): the look finds nothing.
  const placed = lstatSync(path, { bigint: true });
  unlinkSync(path);
  const observed = observedAt(undefined, placed, sent.entry as ExistingEntry, t.deps(t.group).names);
  assert.notEqual(observed, undefined, "the version that landed is recorded, not a deletion with the peer's vector");
  t.receiver.record(t.group, path, sent.entry, observed, sent.entry.vector, t.pusher);
  await runCheck(t.db, t.config);
  const after = t.index.get(t.group.name, path)!;
  assert.equal(after.entry.kind, "deleted");
  assert.equal(compareVectors(after.entry.vector, sent.entry.vector), "dominates", "the removal is a version of this node's, newer than the one received");
  assert.deepEqual(t.index.pending.peersOf(after.record.id), [t.pusher.name], "and it is owed to the peer");
  t.db.close();
});

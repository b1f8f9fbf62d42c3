// put-batch on a real daemon (src/sync/README.md, protocol step 3b): many small files committed
// together, each answered as a single put would be; a body that does not hold exactly the
// announced bytes writes nothing and leaves no temp file; a bad item costs only itself.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { entryFromWire, type EntryState } from "../../src/core/entry.js";
import type { OfferItem } from "../../src/net/messages.js";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, speakAs, type Cluster } from "./sync-cluster.js";

let c: Cluster;
before(async () => {
  c = await makeCluster(["alpha", "beta"], { extra: ["exclude %data%/secret;"] });
});
after(async () => {
  await c.stop();
  cleanup(c.dir);
});

let clock = 0;
function fileEntry(content: Buffer, hash = createHash("sha256").update(content).digest("hex")): EntryState {
  return entryFromWire({
    kind: "file", vector: { alpha: 1000 + ++clock }, modifiedBy: "alpha", changedAtMs: 1, mode: 0o100644, uid: 0, gid: 0,
    mtimeNs: "1700000000000000000", size: content.length, hash,
  });
}

function item(path: string, content: Buffer, hash?: string): OfferItem {
  return { path: `%data%/${path}` as never, entry: fileEntry(content, hash), forced: false };
}

async function* body(...chunks: Buffer[]): AsyncIterable<Buffer> {
  yield* chunks;
}

function temps(root: string): string[] {
  return readdirSync(root).filter((n) => n.startsWith(".peersync-tmp-"));
}

test("a put-batch writes every good file, refuses only the bad ones, and answers in order", async () => {
  const beta = c.nodes.beta!;
  const files = [Buffer.from("one\n"), Buffer.from("two two\n"), Buffer.from("three\n")];
  const items = [item("b1", files[0]!), item("secret", files[1]!), item("b3", files[2]!, "00".repeat(32))];
  await speakAs(c, "alpha", async (session) => {
    const reply = await session.request({ type: "put-batch", items }, { body: body(Buffer.concat(files)) });
    assert.equal(reply.type, "put-batch-reply");
    if (reply.type !== "put-batch-reply") return;
    assert.deepEqual(reply.answers.map((a) => a.path), items.map((i) => i.path));
    assert.deepEqual(reply.answers.map((a) => (a.answer.kind === "refused" ? a.answer.code : a.answer.kind)), ["applied", "NOT_INCLUDED", "HASH_MISMATCH"]);
  });
  assert.equal(readFileSync(join(beta.root, "b1"), "utf8"), "one\n");
  assert.equal(existsSync(join(beta.root, "secret")), false);
  assert.equal(existsSync(join(beta.root, "b3")), false);
  assert.deepEqual(temps(beta.root), []);
  // beta recorded what it wrote: the next offer of the same version is in sync.
  await speakAs(c, "alpha", async (session) => {
    const offer = await session.request({ type: "offer", dryRun: false, entries: [items[0]!] });
    assert.equal(offer.type === "offer-reply" && offer.answers[0]!.answer.kind, "in-sync");
  });
});

for (const [name, chunks] of [
  ["fewer bytes than announced", [Buffer.from("abc")]],
  ["more bytes than announced", [Buffer.from("abcdef"), Buffer.from("ghijkl")]],
] as const) {
  test(`a put-batch body with ${name} writes nothing, leaves no temp file, and the session carries on`, async () => {
    const beta = c.nodes.beta!;
    const items = [item("short1", Buffer.from("abcd")), item("short2", Buffer.from("efgh"))];
    await speakAs(c, "alpha", async (session) => {
      await assert.rejects(session.request({ type: "put-batch", items }, { body: body(...chunks) }), /BAD_BODY|announced/);
      assert.equal((await session.request({ type: "ping" })).type, "pong");
    });
    assert.equal(existsSync(join(beta.root, "short1")), false);
    assert.equal(existsSync(join(beta.root, "short2")), false);
    assert.deepEqual(temps(beta.root), []);
  });
}

test("a sync of many small files goes in put-batches and converges", async () => {
  const { alpha, beta } = c.nodes;
  for (let i = 0; i < 150; i++) writeFileSync(join(alpha!.root, `many${i}`), `file ${i}\n`.repeat(i % 7));
  const mark = beta!.daemon!.mark();
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const mine = (m: unknown): boolean => typeof m === "string" && m.startsWith("received %data%/many");
  const batched = beta!.daemon!.logsSince(mark).filter((r) => mine(r.msg) && r.batch === true).length;
  // Every one travels batched, the empty ones too: small files made here skip the offer (push.ts).
  assert.equal(batched, 150);
  const pick = (s: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(s).filter(([k]) => k.startsWith("many")));
  assert.deepEqual(pick(snapshot(beta!.root)), pick(snapshot(alpha!.root)));
  assert.deepEqual(temps(beta!.root), []);
});

test("after mark -r, small files the peer already holds go in put-batches unasked, and the summary counts them in sync, not sent with content", async () => {
  const { alpha, beta } = c.nodes;
  mkdirSync(join(alpha!.root, "marked"));
  for (let i = 0; i < 12; i++) writeFileSync(join(alpha!.root, "marked", `m${i}`), `marked ${i}\n`);
  const first = await alpha!.run(["sync"]);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.match(first.stdout, /: 13 applied there, 12 sent with content, /, first.stdout);

  assert.equal((await alpha!.run(["mark", "-r", "%data%/marked"])).code, 0);
  const mark = beta!.daemon!.mark();
  const again = await alpha!.run(["sync"]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  // The directory is offered; the files (made here, small) travel with their bytes unasked.
  assert.match(again.stdout, /: 0 applied there, 0 sent with content, 0 taken back, 13 already in sync, /, again.stdout);
  assert.deepEqual(beta!.daemon!.logsSince(mark).filter((r) => typeof r.msg === "string" && r.msg.includes("%data%/marked/")).map((r) => r.msg), [], "beta wrote none of them");
});

test("a bad PEERSYNC_PUT_BATCH_FILES (or switch) stops the sync before it starts, names the variable, and sends nothing", async () => {
  const { alpha, beta } = c.nodes;
  writeFileSync(join(alpha!.root, "not-yet"), "waits for a good value\n");
  const run = await alpha!.run(["sync"], { PEERSYNC_PUT_BATCH_FILES: "lots" });
  assert.equal(run.code, 1, run.stderr + run.stdout);
  assert.match(run.stderr, /Cannot use PEERSYNC_PUT_BATCH_FILES=lots: expected a whole number of files from 1 to 256/);
  assert.match(run.stderr, /hint: set PEERSYNC_PUT_BATCH_FILES to/);
  // A switch takes its words only: "off" used to leave renameat2 on without a word.
  const off = await alpha!.run(["sync"], { PEERSYNC_RENAMEAT2: "off" });
  assert.equal(off.code, 1, off.stderr + off.stdout);
  assert.match(off.stderr, /Cannot use PEERSYNC_RENAMEAT2=off: expected 0 or 1/);
  assert.equal(existsSync(join(beta!.root, "not-yet")), false);
  const again = await alpha!.run(["sync"]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.equal(readFileSync(join(beta!.root, "not-yet"), "utf8"), "waits for a good value\n");
});

test("a put-batch file whose parent directories are missing here gets them back, as an offer of it would", async () => {
  const beta = c.nodes.beta!;
  const content = Buffer.from("deep and new\n");
  await speakAs(c, "alpha", async (session) => {
    const reply = await session.request({ type: "put-batch", items: [item("gone/deeper/file", content)] }, { body: body(content) });
    assert.equal(reply.type, "put-batch-reply");
    if (reply.type !== "put-batch-reply") return;
    assert.deepEqual(reply.answers.map((a) => a.answer.kind), ["applied"]);
  });
  assert.equal(readFileSync(join(beta.root, "gone/deeper/file"), "utf8"), "deep and new\n");
  assert.deepEqual(temps(beta.root), []);
  assert.deepEqual(temps(join(beta.root, "gone/deeper")), []);
});

test("a put-batch file where a directory holding unchecked entries stands is decided on that directory: it stays, nothing is written", async () => {
  const beta = c.nodes.beta!;
  mkdirSync(join(beta.root, "taken"));
  writeFileSync(join(beta.root, "taken/child"), "made here, never checked\n");
  const content = Buffer.from("a file where beta has a directory\n");
  await speakAs(c, "alpha", async (session) => {
    const reply = await session.request({ type: "put-batch", items: [item("taken", content)] }, { body: body(content) });
    assert.equal(reply.type, "put-batch-reply");
    if (reply.type !== "put-batch-reply") return;
    // Decided on the directory with its entry, which keeps it (keepsDirectory: the pusher takes
    // it back), not refused while trying to remove a directory that is not empty.
    const answer = reply.answers[0]!.answer;
    assert.equal(answer.kind, "theirs", answer.kind === "refused" ? answer.message : answer.kind);
    if (answer.kind === "theirs") assert.equal(answer.entry.kind, "dir");
  });
  assert.equal(readFileSync(join(beta.root, "taken/child"), "utf8"), "made here, never checked\n");
  assert.deepEqual(temps(beta.root), []);
});

test("a put-batch file where an empty directory stands is decided first: the directory goes only if the file wins", async () => {
  const beta = c.nodes.beta!;
  mkdirSync(join(beta.root, "hollow"));
  const content = Buffer.from("a file where beta has an empty directory\n");
  await speakAs(c, "alpha", async (session) => {
    const reply = await session.request({ type: "put-batch", items: [item("hollow", content), item("beside-hollow", content)] }, { body: body(content, content) });
    assert.equal(reply.type, "put-batch-reply");
    if (reply.type !== "put-batch-reply") return;
    // beta's directory is new to alpha: concurrent versions, and auto none here leaves both.
    assert.deepEqual(reply.answers.map((a) => a.answer.kind), ["conflict", "applied"]);
  });
  assert.ok(lstatSync(join(beta.root, "hollow")).isDirectory(), "the directory is not removed before the decision");
  assert.equal(readFileSync(join(beta.root, "beside-hollow"), "utf8"), "a file where beta has an empty directory\n");
  assert.deepEqual(temps(beta.root), []);
});

test("a put-batch file below a symlink here never writes through it: nothing lands outside the root", async () => {
  const beta = c.nodes.beta!;
  const outside = join(c.dir, "outside-beta");
  mkdirSync(outside, { recursive: true });
  symlinkSync(outside, join(beta.root, "linked"));
  const content = Buffer.from("must not leave the root\n");
  await speakAs(c, "alpha", async (session) => {
    const reply = await session.request({ type: "put-batch", items: [item("linked/file", content)] }, { body: body(content) });
    assert.equal(reply.type, "put-batch-reply");
    assert.equal((await session.request({ type: "ping" })).type, "pong", "the session carries on");
  });
  assert.deepEqual(readdirSync(outside), [], "nothing written through the symlink");
  assert.deepEqual(temps(beta.root), []);
  // The symlink gave way to the directory the file needs, kept as a symlink in the backup
  // directory (never followed: nothing landed outside).
  const backup = join(beta.state, "backup", beta.root, "linked");
  const logged = await beta.daemon!.waitForLog((r) => typeof r.msg === "string" && r.msg.startsWith("symlink replaced by a directory from alpha"), 5_000);
  assert.equal(logged.msg, `symlink replaced by a directory from alpha: %data%/linked backed up to ${backup}`);
  assert.equal(logged.level, "warn");
  assert.equal(readlinkSync(backup), outside);
});

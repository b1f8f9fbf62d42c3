import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { HashMismatchError } from "../fs/write-errors.js";
import { claim, expireIfStale, isPartialName, offsetFor, partialPath } from "./partial.js";

const dir = mkdtempSync(join(tmpdir(), "peersync-partial-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const sha = (s: string): string => createHash("sha256").update(s).digest("hex");

test("partialPath(): beside the target, named by the content hash; nothing for a hash that is not hex", () => {
  const h = sha("x");
  assert.equal(partialPath("/srv/a/file.bin", h), `/srv/a/.peersync-part-${h}`);
  assert.ok(isPartialName(`.peersync-part-${h}`));
  assert.equal(partialPath("/srv/a/file.bin", "../../etc/passwd"), undefined);
  assert.equal(partialPath("/srv/a/file.bin", "ABCDEF0123456789"), undefined);
  assert.ok(!isPartialName("file.bin") && !isPartialName(".peersync-part-zz"));
});

test("offsetFor(): none → 0, kept bytes → their count, in use → 0, expired → 0 and removed", async () => {
  const p = partialPath(join(dir, "t1"), sha("t1"))!;
  assert.equal(await offsetFor(p), 0);
  writeFileSync(p, "12345");
  assert.equal(await offsetFor(p), 5);
  const slot = claim(p)!;
  assert.equal(await offsetFor(p), 0, "being written by another put");
  assert.equal(claim(p), undefined, "one put at a time");
  slot.release();
  assert.equal(await offsetFor(p), 5);
  const old = Date.now() / 1000 - 3 * 24 * 3600;
  utimesSync(p, old, old);
  assert.equal(await expireIfStale(p, Date.now(), 3600_000), true);
  assert.ok(!existsSync(p));
  writeFileSync(p, "12345");
  utimesSync(p, old, old);
  assert.equal(await offsetFor(p, Date.now(), 3600_000), 0);
  assert.ok(!existsSync(p), "an expired partial is removed when asked about");
});

test("writeFileAtomic with resume: the kept prefix plus the rest make the file; the partial is gone", async () => {
  const target = join(dir, "t2");
  const p = partialPath(target, sha("hello world"))!;
  writeFileSync(p, "hello XXXX");
  await writeFileAtomic(target, "world", { resume: { path: p, offset: 6 }, expectedHash: { algorithm: "sha256", hex: sha("hello world") } });
  assert.equal(readFileSync(target, "utf8"), "hello world");
  assert.ok(!existsSync(p));
});

test("writeFileAtomic with resume: a broken transfer keeps what arrived; a wrong prefix fails the hash and is removed", async () => {
  const target = join(dir, "t3");
  const content = Buffer.alloc(300 * 1024, 7);
  content.write("the start", 0);
  const hex = createHash("sha256").update(content).digest("hex");
  const p = partialPath(target, hex)!;
  async function* broken(): AsyncIterable<Buffer> {
    yield content.subarray(0, 200 * 1024);
    throw new Error("connection dropped");
  }
  await assert.rejects(writeFileAtomic(target, broken(), { resume: { path: p, offset: 0 }, expectedHash: { algorithm: "sha256", hex } }), /connection dropped/);
  // Writes go out in 64 KiB pieces: all but the last unfinished piece is kept.
  const kept = readFileSync(p);
  assert.ok(kept.length >= 128 * 1024 && kept.length <= 200 * 1024, `kept ${kept.length} bytes for the next attempt`);
  assert.ok(kept.equals(content.subarray(0, kept.length)), "a prefix of the content");
  assert.ok(!existsSync(target));
  await writeFileAtomic(target, content.subarray(kept.length), { resume: { path: p, offset: kept.length }, expectedHash: { algorithm: "sha256", hex } });
  assert.ok(readFileSync(target).equals(content));
  assert.ok(!existsSync(p));
  writeFileSync(p, Buffer.alloc(kept.length, 9));
  await assert.rejects(writeFileAtomic(target, content.subarray(kept.length), { resume: { path: p, offset: kept.length }, expectedHash: { algorithm: "sha256", hex } }), HashMismatchError);
  assert.ok(!existsSync(p), "a partial that is not what it claims is removed");
  assert.ok(readFileSync(target).equals(content), "the target is untouched");
  await assert.rejects(writeFileAtomic(target, "def", { resume: { path: p, offset: 3 } }), /holds 0 bytes/);
});


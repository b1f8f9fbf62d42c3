import assert from "node:assert/strict";
import { test } from "node:test";
import { ContentCache, contentKey } from "./content-cache.js";

test("ContentCache reads a key once, forgets failed reads, and drops the oldest past its budget", async () => {
  const cache = new ContentCache(10);
  let reads = 0;
  const load = (text: string) => async () => (reads++, Buffer.from(text));
  assert.equal((await cache.get("a", 4, load("aaaa"))).toString(), "aaaa");
  assert.equal((await cache.get("a", 4, load("other"))).toString(), "aaaa");
  assert.equal(reads, 1);
  await assert.rejects(cache.get("bad", 1, () => Promise.reject(new Error("EACCES"))));
  await new Promise((r) => setImmediate(r));
  assert.equal((await cache.get("bad", 1, load("b"))).toString(), "b", "a failed read is tried again");
  await cache.get("c", 4, load("cccc"));
  await cache.get("d", 4, load("dddd")); // 4 + 1 + 4 + 4 > 10: "a" (the oldest) goes
  reads = 0;
  assert.equal((await cache.get("a", 4, load("aaa2"))).toString(), "aaa2");
  assert.equal(reads, 1);
  assert.ok(cache.size <= 3);
});

test("ContentCache keeps a check's bytes; readThrough uses and lets go of them and keeps nothing it reads", async () => {
  const cache = new ContentCache(10);
  const key = contentKey("g", "/a", "hash", 4);
  assert.equal(key, "g\0/a\0hash\x004");
  cache.keep(key, Buffer.from("aaaa"));
  cache.keep(key, Buffer.from("AAAA")); // the first read of a version stays
  cache.keep("huge", Buffer.alloc(11)); // over the whole budget: not kept
  assert.equal(cache.size, 1);
  const reads: string[] = [];
  const load = (text: string) => async () => (reads.push(text), Buffer.from(text));
  const shared = await cache.get(key, 4, load("disk"));
  assert.equal(shared.toString(), "aaaa");
  const once = cache.readThrough();
  assert.equal((await once.get(key, 4, load("disk"))).toString(), "aaaa");
  assert.deepEqual([cache.size, cache.bytes], [0, 0], "used once, let go");
  assert.equal((await once.get(key, 4, load("disk"))).toString(), "disk");
  assert.equal((await once.get("other", 5, load("other"))).toString(), "other");
  assert.deepEqual(reads, ["disk", "other"]);
  assert.equal(cache.size, 0, "a read-through read keeps nothing");
});

test("ContentCache.keep copies a slice of a bigger buffer, so the budget bounds the memory kept", async () => {
  const cache = new ContentCache();
  const batch = Buffer.alloc(12, "aaaabbbbcccc");
  cache.keep("b", batch.subarray(4, 8));
  const kept = await cache.get("b", 4, () => Promise.reject(new Error("kept, not read")));
  assert.equal(kept.toString(), "bbbb");
  assert.equal(kept.buffer.byteLength, 4, "a buffer of its own, not a view of the batch");
  batch.fill(0);
  assert.equal(kept.toString(), "bbbb");
});

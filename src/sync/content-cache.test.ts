import assert from "node:assert/strict";
import { test } from "node:test";
import { ContentCache } from "./content-cache.js";

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

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { chunksOf, readChunks, readChunksReusing } from "./read-chunks.js";

const dir = mkdtempSync(join(tmpdir(), "peersync-chunks-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("readChunks(): the bytes from an offset to the end", async () => {
  const f = join(dir, "t4");
  writeFileSync(f, "0123456789");
  const h = await fsp.open(f);
  const parts: Buffer[] = [];
  for await (const b of readChunks(h, 4, 3)) parts.push(b);
  await h.close();
  assert.equal(Buffer.concat(parts).toString(), "456789");
});

test("readChunksReusing(): a range, read into two buffers in turn", async () => {
  const f = join(dir, "range");
  writeFileSync(f, "0123456789");
  const h = await fsp.open(f);
  const text: string[] = [];
  const buffers = new Set<ArrayBufferLike>();
  for await (const b of readChunksReusing(h, 2, 9, 3)) {
    text.push(b.toString());
    buffers.add(b.buffer);
  }
  await h.close();
  assert.deepEqual(text, ["234", "567", "8"]);
  assert.equal(buffers.size, 2);
});

test("chunksOf(): bytes in memory as chunks of at most `size`", () => {
  assert.deepEqual(chunksOf(Buffer.from("abcdefg"), 3).map(String), ["abc", "def", "g"]);
  assert.deepEqual(chunksOf(Buffer.alloc(0), 3), []);
});

// The receiver keeps the librsync signature of a large file it received (src/sync/
// signature-cache.ts) and answers the next delta's signature request from it: real daemons,
// real files. What must hold: the cached signature is used, the result is byte-identical, and
// a damaged cache file, or a signature that does not describe the basis, costs time, never a
// wrong file.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { signature } from "../../src/delta/rsync.js";
import { syncSignatureOptions } from "../../src/sync/sync-signature.js";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster } from "./sync-cluster.js";

let c: Cluster;
before(async () => {
  c = await makeCluster(["alpha", "beta"], { daemonEnv: { PEERSYNC_SIG_CACHE_MIN_BYTES: String(512 * 1024) } });
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});

const cacheDir = (): string => join(c.nodes.beta!.state, "signatures");
const cached = (): string[] => (existsSync(cacheDir()) ? readdirSync(cacheDir()).filter((n) => n.endsWith(".sig")).sort() : []);

/** The receiver makes the signature after its reply: wait until `count` are there. */
async function cachedSoon(count: number): Promise<string[]> {
  for (let i = 0; i < 200 && cached().length < count; i++) await sleep(50);
  return cached();
}

async function syncAndCompare(): Promise<void> {
  const run = await c.nodes.alpha!.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.deepEqual(snapshot(c.nodes.beta!.root), snapshot(c.nodes.alpha!.root));
}

function editMiddle(path: string, text: string): void {
  const bytes = readFileSync(path);
  bytes.write(text, bytes.length >> 1);
  writeFileSync(path, bytes);
}

test("a large received file's signature is kept, and the next delta uses it", async () => {
  const big = join(c.nodes.alpha!.root, "big.bin");
  writeFileSync(big, randomBytes(2 << 20));
  writeFileSync(join(c.nodes.alpha!.root, "small.txt"), "below the cache's size\n");
  await syncAndCompare();
  const [first, ...more] = await cachedSoon(1);
  assert.ok(first, "beta cached the signature of the big file it received");
  assert.deepEqual(more, [], "nothing for the small file");
  // A hit touches the cache file (least recently used goes first): set it far in the past.
  utimesSync(join(cacheDir(), first), 1_000_000_000, 1_000_000_000);
  editMiddle(big, "an edit in the middle");
  await syncAndCompare();
  assert.ok(statSync(join(cacheDir(), first)).mtimeMs > 1_000_000_000_000, "the delta's signature came from the cache");
  assert.equal((await cachedSoon(2)).length, 2, "and the new version's signature is kept too");
});

test("a damaged cache file is dropped and the signature made afresh: the file still arrives intact", async () => {
  const big = join(c.nodes.alpha!.root, "big.bin");
  for (const name of cached()) {
    const path = join(cacheDir(), name);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 2] = bytes[bytes.length >> 2]! ^ 0x5a;
    writeFileSync(path, bytes);
  }
  editMiddle(big, "another edit, against a damaged cache");
  await syncAndCompare();
});

test("a signature of other bytes (block sums that match what the basis does not hold) costs a whole-file send, never a wrong file", async () => {
  const big = join(c.nodes.alpha!.root, "big.bin");
  editMiddle(big, "an edit sent against a signature of other bytes");
  // Each cache file now holds a well-formed signature, checksum and all, of the version being
  // sent, not of beta's basis: the delta made against it copies every block from the basis,
  // which holds other bytes there (an edit). Only the content hash can tell.
  const planted = await cachedSoon(1);
  assert.ok(planted.length > 0, "beta has cached signatures to plant");
  const sending = readFileSync(big);
  for (const name of planted) {
    const parts: Buffer[] = [];
    for await (const b of signature([sending], syncSignatureOptions(Number(name.split("-")[1])))) parts.push(Buffer.from(b));
    const sig = Buffer.concat(parts);
    writeFileSync(join(cacheDir(), name), Buffer.concat([sig, createHash("sha256").update(sig).digest()]));
    utimesSync(join(cacheDir(), name), 1_000_000_000, 1_000_000_000);
  }
  await syncAndCompare();
  assert.ok(planted.some((name) => statSync(join(cacheDir(), name)).mtimeMs > 1_000_000_000_000), "the delta was made against a planted signature");
});

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { signature } from "../delta/rsync.js";
import { UsageError } from "../errors.js";
import { keyOf, SignatureCache, signatureCacheFromEnv, type FileIdentity } from "./signature-cache.js";
import { syncSignatureOptions } from "./sync-signature.js";

let base = "";
before(async () => {
  base = await fsp.mkdtemp(join(tmpdir(), "peersync-sigcache-"));
});
after(async () => {
  await fsp.rm(base, { recursive: true, force: true });
});

let n = 0;
/** A file of `size` random bytes, its hash and identity, and a cache directory of its own. */
async function setup(size = 300_000): Promise<{ file: string; dir: string; hash: string; identity: FileIdentity; bytes: Buffer }> {
  const at = join(base, `case-${n++}`);
  await fsp.mkdir(at);
  const file = join(at, "big.bin");
  const bytes = randomBytes(size);
  await fsp.writeFile(file, bytes);
  const st = await fsp.stat(file, { bigint: true });
  return { file, dir: join(at, "signatures"), hash: createHash("sha256").update(bytes).digest("hex"), identity: { ino: st.ino, dev: st.dev, ctimeNs: st.ctimeNs }, bytes };
}

async function signatureOf(bytes: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of signature([bytes], syncSignatureOptions(bytes.length))) parts.push(Buffer.from(b));
  return Buffer.concat(parts);
}

test("fill() then get(): the bytes signature() makes of that file", async () => {
  const { file, dir, hash, identity, bytes } = await setup();
  const cache = new SignatureCache({ dir, minFileBytes: 1 });
  assert.equal(await cache.get(hash, bytes.length), undefined);
  await cache.fill(file, hash, bytes.length, identity);
  assert.deepEqual(await cache.get(hash, bytes.length), await signatureOf(bytes));
  // Another size is another key: never the signature of other content.
  assert.equal(await cache.get(hash, bytes.length + 1), undefined);
});

test("get() waits for the same signature being made instead of missing it", async () => {
  const { file, dir, hash, identity, bytes } = await setup();
  const cache = new SignatureCache({ dir, minFileBytes: 1 });
  void cache.fill(file, hash, bytes.length, identity);
  assert.deepEqual(await cache.get(hash, bytes.length), await signatureOf(bytes));
});

test("fill() keeps nothing when the file is no longer the one that was written", async () => {
  const { file, dir, hash, identity, bytes } = await setup();
  const cache = new SignatureCache({ dir, minFileBytes: 1 });
  await fsp.appendFile(file, "edited after it landed");
  await cache.fill(file, hash, bytes.length, identity);
  assert.equal(await cache.get(hash, bytes.length), undefined);
  await cache.fill(join(dir, "..", "no-such-file"), hash, bytes.length, identity); // never throws
});

test("a damaged cache file is dropped, not sent", async () => {
  const { file, dir, hash, identity, bytes } = await setup();
  const cache = new SignatureCache({ dir, minFileBytes: 1 });
  await cache.fill(file, hash, bytes.length, identity);
  const path = join(dir, keyOf(hash, bytes.length));
  const stored = await fsp.readFile(path);
  stored[stored.length >> 1] = stored[stored.length >> 1]! ^ 0xff;
  await fsp.writeFile(path, stored);
  assert.equal(await cache.get(hash, bytes.length), undefined);
  await assert.rejects(fsp.stat(path), { code: "ENOENT" });
  await fsp.writeFile(path, "short"); // shorter than its checksum
  assert.equal(await new SignatureCache({ dir, minFileBytes: 1 }).get(hash, bytes.length), undefined);
});

test("small files and a size bound of 0 are not cached", async () => {
  const { file, dir, hash, identity, bytes } = await setup();
  for (const cache of [new SignatureCache({ dir, minFileBytes: bytes.length + 1 }), new SignatureCache({ dir, minFileBytes: 1, maxBytes: 0 })]) {
    assert.equal(cache.wants(bytes.length), false);
    await cache.fill(file, hash, bytes.length, identity);
    assert.equal(await cache.get(hash, bytes.length), undefined);
  }
  await assert.rejects(fsp.readdir(dir), { code: "ENOENT" });
});

test("the least recently used signatures go when the cache outgrows its bound", async () => {
  const files = [await setup(), await setup(), await setup()];
  const dir = join(base, "shared-signatures");
  const one = (await signatureOf(files[0]!.bytes)).length + 32;
  const cache = new SignatureCache({ dir, minFileBytes: 1, maxBytes: 2 * one });
  await cache.fill(files[0]!.file, files[0]!.hash, files[0]!.bytes.length, files[0]!.identity);
  await cache.fill(files[1]!.file, files[1]!.hash, files[1]!.bytes.length, files[1]!.identity);
  // A hit makes the first the most recently used; the second is the oldest when the third comes.
  await fsp.utimes(join(dir, keyOf(files[1]!.hash, files[1]!.bytes.length)), 1_000_000, 1_000_000);
  assert.ok(await cache.get(files[0]!.hash, files[0]!.bytes.length));
  await cache.fill(files[2]!.file, files[2]!.hash, files[2]!.bytes.length, files[2]!.identity);
  const left = (await fsp.readdir(dir)).sort();
  assert.deepEqual(left, [keyOf(files[0]!.hash, files[0]!.bytes.length), keyOf(files[2]!.hash, files[2]!.bytes.length)].sort());
});

test("keyOf() takes hex content hashes only (a peer's hash names a file here)", () => {
  assert.match(keyOf("ab".repeat(32), 1 << 20), /^(ab){32}-1048576-md4-\d+-\d+\.sig$/);
  for (const bad of ["../../etc/passwd", "AB".repeat(32), "", "ab/cd".repeat(8), "ab".repeat(65)]) assert.throws(() => keyOf(bad, 1 << 20), RangeError);
});

test("signatureCacheFromEnv() reads both bounds and refuses nonsense", () => {
  const dir = join(base, "env");
  assert.equal(signatureCacheFromEnv(dir, undefined, { PEERSYNC_SIG_CACHE_MIN_BYTES: "10" }).wants(10), true);
  assert.equal(signatureCacheFromEnv(dir, undefined, {}).wants(1 << 20), false);
  assert.equal(signatureCacheFromEnv(dir, undefined, {}).wants(8 << 20), true);
  assert.equal(signatureCacheFromEnv(dir, undefined, { PEERSYNC_SIG_CACHE_MAX_BYTES: "0" }).wants(1 << 30), false);
  for (const raw of ["-1", "1.5", "lots"]) {
    assert.throws(() => signatureCacheFromEnv(dir, undefined, { PEERSYNC_SIG_CACHE_MAX_BYTES: raw }), (err: unknown) => err instanceof UsageError && /PEERSYNC_SIG_CACHE_MAX_BYTES/.test(err.message) && /number of bytes/.test(err.hint ?? ""));
  }
});

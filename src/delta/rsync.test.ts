import assert from "node:assert/strict";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { delta, patch, signature, signatureParams, type SignatureOptions } from "./rsync.js";
import { CHUNK_SIZES, chunked, collect, edited, randomFile, repeatedBlocks, worthChunking } from "./stream-testing.js";

const BASIS = randomFile(40_000, "basis");
const NEW = edited(BASIS, "new");

let dir = "";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "peersync-rsync-"));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sigOf(data: Buffer, options: SignatureOptions = {}): Promise<Buffer> {
  return collect(signature([data], { basisSize: data.length, ...options }));
}

describe("signature(), delta() and patch() round trip", () => {
  const files = [
    { name: "40 KB file with edits", basis: BASIS, next: NEW },
    { name: "empty file to 1 byte", basis: Buffer.alloc(0), next: Buffer.from("x") },
    { name: "file to empty file", basis: randomFile(3000, "gone"), next: Buffer.alloc(0) },
    { name: "repeated blocks with edits", basis: repeatedBlocks(512, 40), next: edited(repeatedBlocks(512, 40), "r") },
  ];
  for (const f of files) {
    for (const n of CHUNK_SIZES.filter((n) => worthChunking(Math.max(f.basis.length, f.next.length), n))) {
      test(`patch() rebuilds the ${f.name} in ${n}-byte chunks`, async () => {
        await writeFile(join(dir, "rt"), f.basis);
        const handle = await open(join(dir, "rt"));
        try {
          const sig = await collect(signature(chunked(f.basis, n), { blockLength: 256 }));
          const d = await collect(delta(chunked(sig, n), chunked(f.next, n)));
          assert.ok((await collect(patch(handle, chunked(d, n)))).equals(f.next));
        } finally {
          await handle.close();
        }
      });
    }
  }

  for (const outputSize of [1, 7]) {
    test(`every stream is correct with ${outputSize}-byte output buffers`, async () => {
      const small = BASIS.subarray(0, 3000);
      const next = edited(small, "o");
      const sig = await collect(signature([small], { blockLength: 256, outputSize }));
      assert.ok(sig.equals(await sigOf(small, { blockLength: 256 })));
      const d = await collect(delta([sig], [next], { outputSize }));
      await writeFile(join(dir, "small"), small);
      const handle = await open(join(dir, "small"));
      try {
        assert.ok((await collect(patch(handle, [d], { outputSize }))).equals(next));
      } finally {
        await handle.close();
      }
    });
  }
});

describe("Node streams", () => {
  test("signature(), delta() and patch() compose with stream.pipeline()", async () => {
    const at = (name: string) => join(dir, name);
    await writeFile(at("p-basis"), BASIS);
    await writeFile(at("p-new"), NEW);
    await pipeline(createReadStream(at("p-basis")), (src) => signature(src, { basisSize: BASIS.length }), createWriteStream(at("p-sig")));
    await pipeline(createReadStream(at("p-new")), (src) => delta(createReadStream(at("p-sig")), src), createWriteStream(at("p-delta")));
    const handle = await open(at("p-basis"));
    try {
      await pipeline(createReadStream(at("p-delta")), (src) => patch(handle, src), createWriteStream(at("p-out")));
    } finally {
      await handle.close();
    }
    assert.ok((await readFile(at("p-out"))).equals(NEW));
  });
});

describe("signatureParams()", () => {
  const cases = [
    { name: "picks 2048-byte blocks when the size is unknown", options: {}, want: { format: "rk-blake2", blockLength: 2048, strongLength: 32 } },
    { name: "picks 256-byte blocks for a small basis", options: { basisSize: 1000 }, want: { format: "rk-blake2", blockLength: 256, strongLength: 32 } },
    { name: "picks sqrt(size) blocks for a large basis", options: { basisSize: 1 << 30 }, want: { format: "rk-blake2", blockLength: 32768, strongLength: 32 } },
    { name: "uses md4's 16-byte maximum", options: { format: "md4" }, want: { format: "md4", blockLength: 2048, strongLength: 16 } },
    { name: "keeps explicit values", options: { format: "rk-md4", blockLength: 100, strongLength: 8 }, want: { format: "rk-md4", blockLength: 100, strongLength: 8 } },
  ] as const;
  for (const c of cases) {
    test(`signatureParams() ${c.name}`, () => assert.deepEqual(signatureParams(c.options), c.want));
  }

  const bad = [
    { name: "an unknown format", options: { format: "sha1" }, message: /format "sha1" is not one of rk-blake2, rk-md4, blake2, md4/ },
    { name: "a negative block length", options: { blockLength: -5 }, message: /blockLength -5/ },
    { name: "a fractional block length", options: { blockLength: 1.5 }, message: /blockLength 1.5/ },
    { name: "a 33-byte strong sum", options: { strongLength: 33 }, message: /strongLength 33/ },
    { name: "a 20-byte md4 sum", options: { format: "md4", strongLength: 20 }, message: /md4 signature/ },
    { name: "a zero output size", options: { outputSize: 0 }, message: /outputSize 0/ },
  ];
  for (const c of bad) {
    test(`signature() rejects ${c.name} with a RangeError`, async () => {
      await assert.rejects(collect(signature([BASIS], c.options as SignatureOptions)), (err: unknown) => {
        assert.ok(err instanceof RangeError);
        assert.match(err.message, c.message);
        return true;
      });
    });
  }
});

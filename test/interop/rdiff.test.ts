// Debian's rdiff is the oracle: our signatures must be byte-identical to its own, and each tool
// must apply the other's deltas. Every stream path also runs with 1, 2, 7, 4096 and 1 MiB input
// chunks (tiny chunks on small files only; see worthChunking).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { parallelDelta } from "../../src/delta/parallel-delta.js";
import { delta, patch, signature, type SignatureOptions } from "../../src/delta/rsync.js";
import { CHUNK_SIZES, chunked, collect, edited, randomFile, repeatedBlocks, worthChunking } from "../../src/delta/stream-testing.js";

const run = promisify(execFile);

const FILES: readonly { readonly name: string; readonly data: Buffer }[] = [
  { name: "empty file", data: Buffer.alloc(0) },
  { name: "1-byte file", data: randomFile(1, "1") },
  { name: "255-byte file", data: randomFile(255, "255") },
  { name: "256-byte file", data: randomFile(256, "256") },
  { name: "257-byte file", data: randomFile(257, "257") },
  { name: "100 KB random file", data: randomFile(100_000, "100k") },
  { name: "10 MB random file", data: randomFile(10 << 20, "10M") },
  { name: "file of repeated blocks", data: repeatedBlocks(2048, 150) },
];

const SIGNATURE_CASES: readonly { readonly flags: readonly string[]; readonly options: SignatureOptions }[] = [
  { flags: [], options: {} },
  { flags: ["-b", "64"], options: { blockLength: 64 } },
  { flags: ["-b", "1000", "-S", "8"], options: { blockLength: 1000, strongLength: 8 } },
  { flags: ["-S", "-1"], options: { strongLength: -1 } },
  { flags: ["-H", "blake2"], options: { format: "rk-blake2" } },
  { flags: ["-H", "md4"], options: { format: "rk-md4" } },
  { flags: ["-H", "md4", "-b", "300", "-S", "-1"], options: { format: "rk-md4", blockLength: 300, strongLength: -1 } },
  { flags: ["-R", "rollsum", "-H", "md4"], options: { format: "md4" } },
  { flags: ["-R", "rollsum", "-H", "blake2", "-b", "128"], options: { format: "blake2", blockLength: 128 } },
];

let dir = "";
const paths = (name: string) => join(dir, name.replaceAll(" ", "-"));

async function rdiff(...args: string[]): Promise<void> {
  await run("rdiff", ["-f", ...args]);
}

async function rdiffSignature(file: string, flags: readonly string[]): Promise<Buffer> {
  await rdiff(...flags, "signature", paths(file), paths(`${file}.sig`));
  return readFile(paths(`${file}.sig`));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "peersync-rdiff-"));
  for (const f of FILES) {
    await writeFile(paths(f.name), f.data);
    await writeFile(paths(`${f.name}.new`), edited(f.data, f.name));
  }
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("signature()", () => {
  test("writes rdiff 2.3.2's default format, RabinKarp + BLAKE2 (magic rs\\x01G)", async () => {
    const ours = await collect(signature([Buffer.from("x")], { basisSize: 1 }));
    assert.equal(ours.readUInt32BE(0), 0x72730147);
    assert.deepEqual(ours.subarray(0, 12), (await rdiffSignature("1-byte file", [])).subarray(0, 12));
  });

  for (const f of FILES.filter((f) => f.data.length > 10_000)) {
    test(`signature() without basisSize matches rdiff reading a pipe for ${f.name}`, async () => {
      // Through a pipe rdiff cannot know the size, so both fall back to 2048-byte blocks.
      await run("sh", ["-c", 'cat "$1" | rdiff -f signature - "$2"', "sh", paths(f.name), paths(`${f.name}.pipe.sig`)]);
      const ours = await collect(signature(chunked(f.data, 1 << 20)));
      assert.ok(ours.equals(await readFile(paths(`${f.name}.pipe.sig`))));
    });
  }

  for (const f of FILES) {
    for (const c of SIGNATURE_CASES) {
      const flags = c.flags.length === 0 ? "default options" : c.flags.join(" ");
      test(`signature() matches rdiff for ${f.name} with ${flags}`, async () => {
        const want = await rdiffSignature(f.name, c.flags);
        const ours = await collect(signature(chunked(f.data, 4096), { ...c.options, basisSize: f.data.length }));
        assert.ok(ours.equals(want), `signature differs: ${ours.length} bytes vs rdiff's ${want.length}`);
      });
    }
    for (const n of CHUNK_SIZES.filter((n) => worthChunking(f.data.length, n))) {
      test(`signature() matches rdiff for ${f.name} in ${n}-byte chunks`, async () => {
        const want = await rdiffSignature(f.name, ["-b", "256"]);
        const ours = await collect(signature(chunked(f.data, n), { blockLength: 256, basisSize: f.data.length }));
        assert.ok(ours.equals(want));
      });
    }
  }
});

describe("delta() and patch()", () => {
  for (const f of FILES) {
    const newData = edited(f.data, f.name);
    const largest = Math.max(f.data.length, newData.length);
    for (const n of CHUNK_SIZES.filter((n) => worthChunking(largest, n))) {
      test(`rdiff patch applies delta() for ${f.name} in ${n}-byte chunks`, async () => {
        const sig = await rdiffSignature(f.name, ["-b", "256"]);
        const ours = await collect(delta(chunked(sig, n), chunked(newData, n)));
        await writeFile(paths(`${f.name}.delta`), ours);
        await rdiff("patch", paths(f.name), paths(`${f.name}.delta`), paths(`${f.name}.out`));
        assert.ok((await readFile(paths(`${f.name}.out`))).equals(newData));
        // Against an empty signature librsync emits one literal per input buffer, so only there
        // may the encoding differ from rdiff's (which reads 64 KiB at a time).
        if (f.data.length === 0) return;
        await rdiff("delta", paths(`${f.name}.sig`), paths(`${f.name}.new`), paths(`${f.name}.rdelta`));
        assert.ok(ours.equals(await readFile(paths(`${f.name}.rdelta`))), "delta differs from rdiff's");
      });
    }
    test(`patch() applies rdiff's delta for ${f.name} in every chunk size`, async () => {
      await rdiffSignature(f.name, ["-H", "md4", "-b", "128"]);
      await rdiff("delta", paths(`${f.name}.sig`), paths(`${f.name}.new`), paths(`${f.name}.rdelta`));
      const rdelta = await readFile(paths(`${f.name}.rdelta`));
      const basis = await open(paths(f.name));
      try {
        for (const n of CHUNK_SIZES.filter((n) => worthChunking(rdelta.length, n))) {
          const out = await collect(patch(basis, chunked(rdelta, n)));
          assert.ok(out.equals(newData), `wrong output with ${n}-byte chunks`);
        }
      } finally {
        await basis.close();
      }
    });
  }
});

describe("parallelDelta()", () => {
  // Each range's librsync delta, spliced into one stream (src/delta/parallel-delta.ts): rdiff's
  // own patch must take it as it takes any delta.
  for (const f of FILES.filter((f) => f.data.length >= 100_000)) {
    for (const parts of [2, 4]) {
      test(`rdiff patch applies parallelDelta() from ${parts} jobs for ${f.name}`, async () => {
        const newData = edited(f.data, f.name);
        const sig = await rdiffSignature(f.name, []);
        const read = (start: number, end: number) => chunked(newData.subarray(start, Math.min(end, newData.length)), 64 << 10);
        const ours = await collect(parallelDelta(sig, newData.length, { parts, minPartBytes: 16 << 10, read }));
        await writeFile(paths(`${f.name}.pdelta`), ours);
        await rdiff("patch", paths(f.name), paths(`${f.name}.pdelta`), paths(`${f.name}.pout`));
        assert.ok((await readFile(paths(`${f.name}.pout`))).equals(newData));
      });
    }
  }
});

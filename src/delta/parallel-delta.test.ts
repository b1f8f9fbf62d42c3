import assert from "node:assert/strict";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { availableParallelism } from "node:os";
import { RsyncError, UsageError } from "../errors.js";
import { cutPoints, deltaJobs, parallelDelta, signatureBlockLength, spliced } from "./parallel-delta.js";
import { delta, patch, signature } from "./rsync.js";
import { chunked, collect, edited, randomFile, repeatedBlocks } from "./stream-testing.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "peersync-pdelta-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cuts: { size: number; block: number; parts: number; min: number; want: number[] }[] = [
  { size: 100, block: 10, parts: 4, min: 1000, want: [0] }, // too small for a second job
  { size: 4000, block: 256, parts: 2, min: 1000, want: [0, 1792] }, // cut on a block boundary
  { size: 4000, block: 256, parts: 4, min: 1000, want: [0, 768, 1792, 2816] },
  { size: 4000, block: 256, parts: 8, min: 1000, want: [0, 768, 1792, 2816] }, // no more parts than min allows
  { size: 5000, block: 2048, parts: 3, min: 1000, want: [0, 2048] }, // a cut that rounds down to 0 is dropped
  { size: 0, block: 2048, parts: 4, min: 1, want: [0] },
];
for (const c of cuts) {
  test(`cutPoints(${c.size}, block ${c.block}, ${c.parts} parts, min ${c.min}) = ${c.want.join(",")}`, () => {
    assert.deepEqual(cutPoints(c.size, c.block, c.parts, c.min), c.want);
  });
}

/** A signature of `basis` (small blocks, so small files have many), its delta spliced from `parts` jobs, and the patch. */
async function roundTrip(name: string, basis: Buffer, next: Buffer, parts: number): Promise<{ patched: Buffer; spliced: Buffer; plain: Buffer }> {
  const sig = await collect(signature([basis], { blockLength: 256 }));
  const path = join(dir, name);
  await writeFile(path, basis);
  const read = (start: number, end: number) => chunked(next.subarray(start, Math.min(end, next.length)), 1000);
  const d = await collect(parallelDelta(sig, next.length, { parts, minPartBytes: 1024, read }));
  const plain = await collect(delta([sig], [next]));
  const handle = await open(path);
  try {
    return { patched: await collect(patch(handle, [d])), spliced: d, plain };
  } finally {
    await handle.close();
  }
}

describe("parallelDelta(): one delta stream that patch() applies unchanged", () => {
  const basis = randomFile(50_000, "pbasis");
  const files = [
    { name: "edits, a deletion and an insertion", next: edited(basis, "p") },
    { name: "the same file", next: basis },
    { name: "a wholly different file", next: randomFile(50_000, "other") },
    { name: "a longer file (appended)", next: Buffer.concat([basis, randomFile(9_000, "tail")]) },
    { name: "a shorter file (truncated)", next: basis.subarray(0, 20_000) },
    { name: "repeated blocks", next: repeatedBlocks(256, 200) },
  ];
  for (const f of files) {
    for (const parts of [2, 3, 4]) {
      test(`${f.name}, ${parts} jobs`, async () => {
        const r = await roundTrip(`${parts}-${f.name.replaceAll(" ", "-")}`, basis, f.next, parts);
        assert.ok(r.patched.equals(f.next));
        // A cut loses at most the match of one block (and one END/magic pair is dropped).
        assert.ok(r.spliced.length <= r.plain.length + parts * (256 + 8), `${r.spliced.length} vs ${r.plain.length}`);
      });
    }
  }

  test("one job below the size for two: the plain delta, byte for byte", async () => {
    const next = edited(basis, "one");
    const sig = await collect(signature([basis], { blockLength: 256 }));
    const d = await collect(parallelDelta(sig, next.length, { parts: 4, read: () => [next] }));
    assert.ok(d.equals(await collect(delta([sig], [next]))));
    assert.equal(signatureBlockLength(sig), 256);
  });

  test("a consumer that stops early leaves no job running", async () => {
    const next = randomFile(200_000, "stop");
    const sig = await collect(signature([basis], { blockLength: 256 }));
    const read = (start: number, end: number) => chunked(next.subarray(start, Math.min(end, next.length)), 100);
    for await (const chunk of parallelDelta(sig, next.length, { parts: 4, minPartBytes: 1024, maxBuffered: 1024, read })) {
      assert.ok(chunk.length > 0);
      break;
    }
  });

  test("a job that fails fails the delta", async () => {
    const sig = await collect(signature([basis], { blockLength: 256 }));
    const read = (start: number): Iterable<Uint8Array> => (start === 0 ? [basis.subarray(0, 30_000)] : [1 as unknown as Uint8Array]);
    await assert.rejects(collect(parallelDelta(sig, basis.length, { parts: 2, minPartBytes: 1024, read })), TypeError);
  });
});

describe("spliced(): a range's delta without its magic and END, both checked", () => {
  const MAGIC = Buffer.from([0x72, 0x73, 0x02, 0x36]);
  const cases: { name: string; chunks: number[][]; dropMagic: boolean; dropEnd: boolean; want?: number[]; error?: RegExp }[] = [
    { name: "both kept", chunks: [[...MAGIC, 0x41, 1, 0x61, 0]], dropMagic: false, dropEnd: false, want: [...MAGIC, 0x41, 1, 0x61, 0] },
    { name: "both dropped", chunks: [[...MAGIC, 0x41, 1, 0x61, 0]], dropMagic: true, dropEnd: true, want: [0x41, 1, 0x61] },
    { name: "magic and END split over chunks", chunks: [[0x72, 0x73], [0x02], [0x36, 0x41], [1, 0x61], [0]], dropMagic: true, dropEnd: true, want: [0x41, 1, 0x61] },
    { name: "no magic", chunks: [[1, 2, 3, 4, 0]], dropMagic: true, dropEnd: false, error: /magic/ },
    { name: "no END", chunks: [[...MAGIC, 0x41, 1, 0x61]], dropMagic: true, dropEnd: true, error: /END/ },
    { name: "ends inside the magic", chunks: [[0x72, 0x73]], dropMagic: true, dropEnd: false, error: /inside its magic/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const out = collect(spliced((async function* () {
        for (const ch of c.chunks) yield Buffer.from(ch);
      })(), c.dropMagic, c.dropEnd));
      if (c.error) await assert.rejects(out, c.error);
      else assert.deepEqual([...(await out)], c.want);
    });
  }
});

const jobs: { env: Record<string, string>; want: number | "refused" }[] = [
  { env: {}, want: Math.min(availableParallelism(), 4) },
  { env: { PEERSYNC_DELTA_JOBS: "" }, want: Math.min(availableParallelism(), 4) },
  { env: { PEERSYNC_DELTA_JOBS: "1" }, want: 1 },
  { env: { PEERSYNC_DELTA_JOBS: "16" }, want: 16 },
  { env: { PEERSYNC_DELTA_JOBS: "0" }, want: "refused" },
  { env: { PEERSYNC_DELTA_JOBS: "17" }, want: "refused" },
  { env: { PEERSYNC_DELTA_JOBS: "1.5" }, want: "refused" },
  { env: { PEERSYNC_DELTA_JOBS: "many" }, want: "refused" },
];
for (const j of jobs) {
  test(`deltaJobs(${JSON.stringify(j.env)}) = ${j.want}`, () => {
    if (j.want !== "refused") assert.equal(deltaJobs(j.env), j.want);
    else assert.throws(() => deltaJobs(j.env), (err: unknown) => err instanceof UsageError && /PEERSYNC_DELTA_JOBS/.test(err.message) && err.hint !== undefined);
  });
}

describe("a peer's signature that is not one: an error, never a hang or a crash", () => {
  const next = randomFile(100_000, "hostile");
  const read = (start: number, end: number) => chunked(next.subarray(start, Math.min(end, next.length)), 4096);
  const cases: { name: string; sig: Buffer }[] = [
    { name: "shorter than its header", sig: Buffer.from([0x72, 0x73, 0x01]) },
    { name: "block length 0", sig: Buffer.from([0x72, 0x73, 0x01, 0x47, 0, 0, 0, 0, 0, 0, 0, 32]) },
    { name: "block length 2^32-1", sig: Buffer.from([0x72, 0x73, 0x01, 0x47, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 32]) },
    { name: "wrong magic", sig: Buffer.from([1, 2, 3, 4, 0, 0, 8, 0, 0, 0, 0, 32]) },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      await assert.rejects(collect(parallelDelta(c.sig, next.length, { parts: 4, minPartBytes: 1024, read })), RsyncError);
    });
  }
});

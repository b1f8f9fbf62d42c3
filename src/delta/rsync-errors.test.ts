// Damaged input must end in one RsyncError with a stable code: never a crash, a hang or
// another error class.
import assert from "node:assert/strict";
import { mkdtemp, open, rm, writeFile, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { RsyncError } from "../errors.js";
import { delta, patch, signature } from "./rsync.js";
import { collect, edited, randomFile } from "./stream-testing.js";

const BASIS = randomFile(40_000, "basis");
const NEW = edited(BASIS, "new");

let dir = "";
let basis: FileHandle;
let sig: Buffer;
let goodDelta: Buffer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "peersync-rsync-errors-"));
  await writeFile(join(dir, "basis"), BASIS);
  basis = await open(join(dir, "basis"));
  sig = await collect(signature([BASIS], { blockLength: 256, basisSize: BASIS.length }));
  goodDelta = await collect(delta([sig], [NEW]));
});

after(async () => {
  await basis.close();
  await rm(dir, { recursive: true, force: true });
});

async function rejectsWith(promise: Promise<unknown>, rsCode: string): Promise<RsyncError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof RsyncError, `expected RsyncError, got ${String(caught)}`);
  assert.equal(caught.rsCode, rsCode);
  assert.equal(caught.code, "RSYNC");
  assert.ok(caught.hint !== undefined && caught.hint.length > 0);
  return caught;
}

function withBytes(data: Buffer, at: number, bytes: readonly number[]): Buffer {
  const copy = Buffer.from(data);
  Buffer.from(bytes).copy(copy, at);
  return copy;
}

// magic, COPY_N4_N4 (0x4f) from offset 0x7fffffff for 100 bytes, END.
const COPY_BEYOND_BASIS = Buffer.from([0x72, 0x73, 0x02, 0x36, 0x4f, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 100, 0]);

const DAMAGED_DELTAS = [
  { name: "an empty delta", delta: () => Buffer.alloc(0), rsCode: "RS_INPUT_ENDED" },
  { name: "a delta cut after its magic", delta: () => goodDelta.subarray(0, 4), rsCode: "RS_INPUT_ENDED" },
  { name: "a delta cut in half", delta: () => goodDelta.subarray(0, goodDelta.length >> 1), rsCode: "RS_INPUT_ENDED" },
  { name: "a delta without its end command", delta: () => goodDelta.subarray(0, -1), rsCode: "RS_INPUT_ENDED" },
  { name: "a signature's magic", delta: () => withBytes(goodDelta, 0, [0x72, 0x73, 0x01, 0x47]), rsCode: "RS_BAD_MAGIC" },
  { name: "a flipped magic bit", delta: () => withBytes(goodDelta, 3, [0x36 ^ 0x01]), rsCode: "RS_BAD_MAGIC" },
  { name: "a flipped high bit in the first command", delta: () => withBytes(goodDelta, 4, [(goodDelta[4] ?? 0) ^ 0x80]), rsCode: "RS_CORRUPT" },
  { name: "a copy from beyond the end of the basis", delta: () => COPY_BEYOND_BASIS, rsCode: "RS_CORRUPT" },
] as const;

describe("patch() with a damaged delta", () => {
  for (const c of DAMAGED_DELTAS) {
    test(`patch() fails with ${c.rsCode} for ${c.name}`, async () => {
      await rejectsWith(collect(patch(basis, [c.delta()], { name: "a.txt" })), c.rsCode);
    });
  }

  test("patch() names the file, the state and the code in its message", async () => {
    const err = await rejectsWith(collect(patch(basis, [COPY_BEYOND_BASIS], { name: "a.txt" })), "RS_CORRUPT");
    assert.equal(err.message, 'Cannot patch "a.txt": delta is corrupt (RS_CORRUPT)');
    assert.match(String((err.cause as Error).message), /beyond the end of the basis/);
  });

  test("patch() fails typed or succeeds for 300 random bit flips, and never hangs", async () => {
    let failures = 0;
    for (let i = 0; i < 300; i++) {
      const at = (i * 7919) % goodDelta.length;
      const flipped = withBytes(goodDelta, at, [(goodDelta[at] ?? 0) ^ (1 << i % 8)]);
      try {
        await collect(patch(basis, [flipped]));
      } catch (err) {
        assert.ok(err instanceof RsyncError, `flip at ${at}: ${String(err)}`);
        failures++;
      }
    }
    assert.ok(failures > 0);
  });
});

describe("delta() with a damaged signature", () => {
  const cases = [
    { name: "an empty signature", sig: () => Buffer.alloc(0), rsCode: "RS_INPUT_ENDED" },
    { name: "a signature cut in its header", sig: () => sig.subarray(0, 7), rsCode: "RS_INPUT_ENDED" },
    { name: "a delta's magic", sig: () => withBytes(sig, 0, [0x72, 0x73, 0x02, 0x36]), rsCode: "RS_BAD_MAGIC" },
    { name: "a zero block length", sig: () => withBytes(sig, 4, [0, 0, 0, 0]), rsCode: "RS_CORRUPT" },
    { name: "a 200-byte strong sum", sig: () => withBytes(sig, 8, [0, 0, 0, 200]), rsCode: "RS_CORRUPT" },
  ] as const;
  for (const c of cases) {
    test(`delta() fails with ${c.rsCode} for ${c.name}`, async () => {
      const err = await rejectsWith(collect(delta([c.sig()], [NEW], { name: "b.txt" })), c.rsCode);
      assert.match(err.message, /^Cannot compute delta of "b\.txt": signature /);
    });
  }
});

describe("streams and the event loop", () => {
  test("patch() refuses a closed basis handle", async () => {
    const handle = await open(join(dir, "basis"));
    await handle.close();
    await assert.rejects(collect(patch(handle, [goodDelta])), TypeError);
  });

  test("signature() rejects chunks that are not bytes with a TypeError", async () => {
    const strings = ["not", "bytes"] as unknown as Iterable<Uint8Array>;
    await assert.rejects(collect(signature(strings)), /basis chunks must be Uint8Arrays, got string/);
  });

  test("signature() leaves the event loop free while it hashes 8 MB", async () => {
    const big = randomFile(8 << 20, "loop");
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await collect(signature([big], { blockLength: 64, format: "md4" }));
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 2, `only ${ticks} timer ticks ran during the signature`);
  });

  test("a consumer may stop reading a patch() early, then patch again", async () => {
    for await (const chunk of patch(basis, [goodDelta], { outputSize: 1024 })) {
      assert.ok(chunk.length > 0);
      break;
    }
    assert.ok((await collect(patch(basis, [goodDelta]))).equals(NEW));
  });

  test("eight patch() streams run at once on one basis", async () => {
    const outs = await Promise.all(Array.from({ length: 8 }, () => collect(patch(basis, [goodDelta], { outputSize: 4096 }))));
    for (const out of outs) assert.ok(out.equals(NEW));
  });
});

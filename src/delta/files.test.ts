import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { RsyncError } from "../errors.js";
import { deltaFile, patchFile, signatureFile } from "./files.js";
import { edited, randomFile } from "./stream-testing.js";

const BASIS = randomFile(3 << 20, "files-basis");
const NEW = edited(BASIS, "files-new");

let dir = "";
const at = (name: string) => join(dir, name);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "peersync-files-"));
  await writeFile(at("basis"), BASIS);
  await writeFile(at("new"), NEW);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("signatureFile(), deltaFile() and patchFile()", () => {
  for (const inputSize of [4096, 1 << 20]) {
    test(`patchFile() rebuilds a 3 MB file when read ${inputSize} bytes at a time`, async () => {
      await signatureFile({ basis: at("basis"), out: at("sig") }, { inputSize });
      await deltaFile({ signature: at("sig"), newFile: at("new"), out: at("delta") }, { inputSize });
      await patchFile({ basis: at("basis"), delta: at("delta"), out: at("out") }, { inputSize });
      assert.ok((await readFile(at("out"))).equals(NEW));
    });
  }

  const damage = [
    { name: "truncated", rsCode: "RS_INPUT_ENDED", state: "delta is truncated", apply: (d: Buffer) => d.subarray(0, d.length - 1) },
    { name: "bit-flipped", rsCode: "RS_CORRUPT", state: "delta is corrupt", apply: (d: Buffer) => flip(d, 4, 0x80) },
    { name: "wrong-magic", rsCode: "RS_BAD_MAGIC", state: "delta does not start with a librsync delta magic number", apply: (d: Buffer) => flip(d, 2, 0x03) },
  ];
  for (const c of damage) {
    test(`patchFile() fails with ${c.rsCode} for a ${c.name} delta and leaves no output file`, async () => {
      await signatureFile({ basis: at("basis"), out: at("sig") });
      await deltaFile({ signature: at("sig"), newFile: at("new"), out: at("delta") });
      await writeFile(at("damaged"), c.apply(await readFile(at("delta"))));
      const before = (await readdir(dir)).sort();
      await assert.rejects(patchFile({ basis: at("basis"), delta: at("damaged"), out: at("never") }), (err: unknown) => {
        assert.ok(err instanceof RsyncError);
        assert.equal(err.rsCode, c.rsCode);
        assert.equal(err.message, `Cannot patch "${at("never")}": ${c.state} (${c.rsCode})`);
        return true;
      });
      assert.deepEqual((await readdir(dir)).sort(), before);
    });
  }

  test("patchFile() keeps the old output when the new one cannot be made", async () => {
    await writeFile(at("kept"), "old contents");
    await writeFile(at("bad-delta"), "not a delta at all");
    await assert.rejects(patchFile({ basis: at("basis"), delta: at("bad-delta"), out: at("kept") }), RsyncError);
    assert.equal(await readFile(at("kept"), "utf8"), "old contents");
  });
});

function flip(data: Buffer, at: number, bits: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] = (copy[at] ?? 0) ^ bits;
  return copy;
}

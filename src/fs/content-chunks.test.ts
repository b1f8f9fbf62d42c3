import assert from "node:assert/strict";
import { test } from "node:test";
import { coalesce } from "./content-chunks.js";

async function collect(source: Iterable<Uint8Array>, target: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of coalesce(source, target)) out.push(chunk);
  return out;
}

const piece = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

const cases: { name: string; sizes: number[]; target: number; want: number[] }[] = [
  { name: "small pieces are joined up to the target", sizes: [3, 3, 3, 3], target: 6, want: [6, 6] },
  { name: "a short tail is handed on at the end", sizes: [3, 3, 3], target: 6, want: [6, 3] },
  { name: "a big chunk after small pieces goes on alone, after them", sizes: [2, 10, 2], target: 6, want: [2, 10, 2] },
  { name: "big chunks in a row stay apart", sizes: [8, 8], target: 6, want: [8, 8] },
  { name: "nothing in, nothing out", sizes: [], target: 6, want: [] },
];

for (const c of cases) {
  test(`coalesce: ${c.name}`, async () => {
    const input = c.sizes.map((n, i) => piece(n, i + 1));
    const out = await collect(input, c.target);
    assert.deepEqual(out.map((b) => b.length), c.want);
    assert.deepEqual(Buffer.concat(out), Buffer.concat(input), "the bytes and their order are kept");
  });
}

test("coalesce: a chunk of at least the target passes through uncopied, even after small pieces", async () => {
  const big = piece(10, 7);
  const out = await collect([piece(2, 1), big, piece(2, 2)], 6);
  assert.equal(out[1], big);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { KEY_LENGTH, KEY_PATTERN, makeKey } from "./keygen.js";

const known: readonly { readonly name: string; readonly bytes: Uint8Array; readonly want: string }[] = [
  { name: "all zero bits", bytes: new Uint8Array(48), want: "A".repeat(64) },
  { name: "all one bits", bytes: new Uint8Array(48).fill(0xff), want: "_".repeat(64) },
  // 0x00 0x10 0x83 = 000000 000001 000010 000011 → symbols 0, 1, 2, 3.
  { name: "six-bit groups, most significant first", bytes: repeat([0x00, 0x10, 0x83]), want: "ABCD".repeat(16) },
  // 0xfb 0xef 0xbe = 111110 111110 111110 111110 → symbol 62, the ".".
  { name: "symbol 62 is the dot", bytes: repeat([0xfb, 0xef, 0xbe]), want: ".".repeat(64) },
];

for (const c of known) {
  test(`makeKey() maps ${c.name}`, () => assert.equal(makeKey(c.bytes), c.want));
}

test("makeKey() draws csync2-valid keys of 64 characters", () => {
  for (let i = 0; i < 200; i++) {
    const key = makeKey();
    assert.equal(key.length, KEY_LENGTH);
    assert.match(key, KEY_PATTERN);
  }
});

test("makeKey() uses all 64 symbols", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) for (const ch of makeKey()) seen.add(ch);
  assert.equal(seen.size, 64);
});

test("makeKey() refuses a wrong number of bytes", () => {
  assert.throws(() => makeKey(new Uint8Array(47)), RangeError);
});

const patterns: readonly (readonly [string, boolean])[] = [
  ["oYg7c52d93GbmWFo6UrDyaDz_q8WrB0YRU_OqgA_.ABdoDyXDr1hP.ML4Nsoyd1h", true], // made by csync2 -k
  ["a".repeat(32), true],
  ["a".repeat(31), false],
  ["a".repeat(40) + "-", false],
  ["a".repeat(40) + " ", false],
];
for (const [key, ok] of patterns) {
  test(`KEY_PATTERN ${ok ? "accepts" : "refuses"} ${JSON.stringify(key)}`, () => assert.equal(KEY_PATTERN.test(key), ok));
}

function repeat(triple: readonly number[]): Uint8Array {
  return Uint8Array.from({ length: 48 }, (_, i) => triple[i % 3] as number);
}

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { compareUtf8, decodeName, directoryOf, encodeName, fsPath, joinFsPath, needsEscaping } from "./name-codec.js";

const cases: readonly { name: string; raw: number[]; text: string }[] = [
  { name: "ASCII", raw: [...Buffer.from("a b.txt")], text: "a b.txt" },
  { name: "newline", raw: [...Buffer.from("a\nb")], text: "a\nb" },
  { name: "valid UTF-8", raw: [...Buffer.from("héllo ☃ 𝄞")], text: "héllo ☃ 𝄞" },
  { name: "a lone 0xFF", raw: [0x61, 0xff, 0x62], text: "a\uFFFDFFb" },
  { name: "latin-1 é", raw: [0xe9], text: "\uFFFDE9" },
  { name: "truncated sequence", raw: [0xe2, 0x98], text: "\uFFFDE2\uFFFD98" },
  { name: "overlong slash", raw: [0xc0, 0xaf], text: "\uFFFDC0\uFFFDAF" },
  { name: "UTF-16 surrogate encoded", raw: [0xed, 0xa0, 0x80], text: "\uFFFDED\uFFFDA0\uFFFD80" },
  { name: "literal U+FFFD is escaped too", raw: [0xef, 0xbf, 0xbd], text: "\uFFFDEF\uFFFDBF\uFFFDBD" },
];
for (const c of cases) {
  test(`decodeName() ${c.name}`, () => {
    assert.equal(decodeName(Uint8Array.from(c.raw)), c.text);
    assert.deepEqual([...encodeName(c.text)], c.raw);
  });
}

test("decodeName() ∘ encodeName() is the identity on every byte string", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (raw) => {
      assert.deepEqual([...encodeName(decodeName(raw))], [...raw]);
    }),
    { numRuns: 2000 },
  );
});

test("decodeName() is injective: escaped names of different byte strings differ", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 }), (a, b) => {
      if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) assert.notEqual(decodeName(a), decodeName(b));
    }),
    { numRuns: 2000 },
  );
});

test("compareUtf8() orders like the UTF-8 bytes (SQLite BINARY)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
      const want = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.equal(Math.sign(compareUtf8(a, b)), want);
    }),
    { numRuns: 5000 },
  );
});

test("fsPath() keeps plain strings and turns escapes into bytes", () => {
  assert.equal(fsPath("/a/b"), "/a/b");
  assert.deepEqual(fsPath("/a/\uFFFDFF"), Buffer.from([0x2f, 0x61, 0x2f, 0xff]));
  assert.equal(needsEscaping("x\uFFFD"), true);
  assert.equal(needsEscaping("x"), false);
});

test("joinFsPath() joins strings, and bytes once an escape appears", () => {
  assert.equal(joinFsPath("/a", "b"), "/a/b");
  assert.equal(joinFsPath("/", "b"), "/b");
  assert.deepEqual(joinFsPath("/a", "\uFFFDFF"), Buffer.from([0x2f, 0x61, 0x2f, 0xff]));
  assert.deepEqual(joinFsPath(Buffer.from([0x2f, 0xff]), "c"), Buffer.from([0x2f, 0xff, 0x2f, 0x63]));
});

test("directoryOf() names the directory part as a string, or as its bytes when it is not UTF-8", () => {
  const bytes = (...parts: (string | number)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.of(p))));
  const cases: [string | Buffer, string | Buffer][] = [
    ["/srv/www/index.html", "/srv/www"],
    ["/srv/caf\uFFFD", "/srv"],
    [bytes("/srv/caf", 0xe9), "/srv"],
    [bytes("/", 0xff), "/"],
    [bytes("name", 0xff), "."],
    [bytes("/srv/caf", 0xe9, "/x"), bytes("/srv/caf", 0xe9)],
    [bytes("/srv/\u00e9t\u00e9/x"), "/srv/\u00e9t\u00e9"],
  ];
  for (const [path, want] of cases) assert.deepEqual(directoryOf(path), want, String(path));
});

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { shownName, unshownName } from "./shown-name.js";

const cases: readonly { name: string; input: string; want: string }[] = [
  { name: "a plain name is unchanged", input: "%data%/www/index.html", want: "%data%/www/index.html" },
  { name: "spaces, quotes and UTF-8 are unchanged", input: "/srv/a b/'q\"/été/日本", want: "/srv/a b/'q\"/été/日本" },
  { name: "a newline", input: "/s/new\nline", want: "/s/new\\#012line" },
  { name: "a tab", input: "/s/tab\there", want: "/s/tab\\#011here" },
  { name: "a carriage return", input: "/s/a\rb", want: "/s/a\\#015b" },
  { name: "escape and bell", input: "/s/\u001b[31m\u0007", want: "/s/\\#033[31m\\#007" },
  { name: "NUL and unit separator", input: "\u0000\u001f", want: "\\#000\\#037" },
  { name: "DEL", input: "/s/\u007f", want: "/s/\\#177" },
  { name: "a C1 control, byte by byte", input: "/s/\u0085", want: "/s/\\#302\\#205" },
  { name: "line and paragraph separators", input: "a\u2028b\u2029c", want: "a\\#342\\#200\\#250b\\#342\\#200\\#251c" },
  { name: "a name that fakes an output line", input: "/s/x\nERROR: fake", want: "/s/x\\#012ERROR: fake" },
  { name: "a lone backslash stays", input: "C:\\dir\\#x", want: "C:\\dir\\#x" },
  { name: "a backslash that would read as an escape is escaped", input: "/s/\\#012", want: "/s/\\#134#012" },
  { name: "backslash-hash before non-octal digits stays", input: "/s/\\#089", want: "/s/\\#089" },
  { name: "a non-UTF-8 byte keeps the index's form", input: "/s/lat\uFFFDE9in", want: "/s/lat\uFFFDE9in" },
];

for (const c of cases) test(`shownName() ${c.name}`, () => assert.equal(shownName(c.input), c.want));

/** The reading a script would do: every `\#ooo` back to its byte. */
function unshow(text: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(text, "utf8");
  for (let i = 0; i < raw.length; i++) {
    const m = /^\\#([0-7]{3})/.exec(raw.subarray(i, i + 5).toString("latin1"));
    if (m) {
      bytes.push(parseInt(m[1]!, 8));
      i += 4;
    } else bytes.push(raw[i]!);
  }
  return Buffer.from(bytes).toString("utf8");
}

test("shownName() is one-to-one: reading every \\#ooo back gives the name", () => {
  for (const c of cases) assert.equal(unshow(shownName(c.input)), c.input, c.name);
  for (const name of ["\\#134", "\\\\#000\n", "\\#0123", "#012\\"]) assert.equal(unshow(shownName(name)), name);
});

test("shownName() never leaves a character that ends a line or a column", () => {
  let all = "";
  for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c);
  assert.doesNotMatch(shownName(all), /[\n\r\t\v\f\u0085\u2028\u2029]/);
});

const unshown: readonly { name: string; input: string; want: string }[] = [
  { name: "a name with no escape is itself", input: "/srv/www/a b/été", want: "/srv/www/a b/été" },
  { name: "a newline", input: "/s/new\\#012line", want: "/s/new\nline" },
  { name: "a run of escapes that spells one character", input: "a\\#342\\#200\\#250b", want: "a\u2028b" },
  { name: "escapes of two characters side by side", input: "\\#012\\#011", want: "\n\t" },
  { name: "an escaped backslash, then what it protected", input: "/s/\\#134#012", want: "/s/\\#012" },
  { name: "an ordinary backslash stays", input: "C:\\dir\\#x\\", want: "C:\\dir\\#x\\" },
  { name: "a backslash before an escape stays", input: "a\\\\#012", want: "a\\\n" },
  { name: "digits that are no byte stay", input: "/s/\\#777 \\#089 \\#01", want: "/s/\\#777 \\#089 \\#01" },
  { name: "bytes that are no UTF-8 stay", input: "/s/\\#377 \\#302x", want: "/s/\\#377 \\#302x" },
  { name: "an escaped ordinary character, which a person may type", input: "\\#101", want: "A" },
  { name: "a byte form of the index is left to it", input: "/s/lat\uFFFDE9in\\#012", want: "/s/lat\uFFFDE9in\n" },
  { name: "a byte order mark is kept", input: "\\#357\\#273\\#277x", want: "\uFEFFx" },
];

for (const c of unshown) test(`unshownName() ${c.name}`, () => assert.equal(unshownName(c.input), c.want));

test("unshownName() gives back every name shownName() shows, alone and around backslashes", () => {
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const ch = String.fromCharCode(c);
    for (const name of [ch, `\\${ch}`, `${ch}\\#012`, `\\#${ch}12`, `\\#01${ch}`]) assert.equal(unshownName(shownName(name)), name, JSON.stringify(name));
  }
});

test("unshownName(shownName(name)) is name for any name built of the characters that matter", () => {
  const unit = fc.constantFrom("\\", "#", "0", "1", "3", "4", "7", "8", "\n", "\t", "\u0085", "\u2028", "\u007f", "\uFFFD", "E", "a", "é", "/");
  fc.assert(fc.property(fc.string({ unit, maxLength: 24 }), (name) => unshownName(shownName(name)) === name), { numRuns: 5000 });
  fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 16 }), (name) => unshownName(shownName(name)) === name), { numRuns: 2000 });
});

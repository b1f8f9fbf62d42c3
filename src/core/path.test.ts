import assert from "node:assert/strict";
import { test } from "node:test";
import { baseName, childOf, isWithin, logicalPathProblem, parentOf, prefixOf, toLogicalPath, type LogicalPath } from "./path.js";

const valid = ["/", "/etc/hosts", "%www%", "%www%/index.html", "%a_b.c-d%/x y/z\nw", "/a/b c/ä"];
for (const text of valid) {
  test(`toLogicalPath() accepts ${JSON.stringify(text)}`, () => assert.equal(toLogicalPath(text), text));
}

const invalid: [string, RegExp][] = [
  ["", /empty/],
  ["etc/hosts", /absolute/],
  ["../etc/passwd", /absolute/],
  ["/etc/../passwd", /"\.\." segment/],
  ["%www%/../../etc/passwd", /"\.\." segment/],
  ["/etc/./hosts", /"\." segment/],
  ["/etc//hosts", /empty segment/],
  ["/etc/hosts/", /end with/],
  ["/etc/ho\0sts", /NUL/],
  ["%www", /absolute/],
  ["%w/w%/x", /absolute/],
  [`/${"a".repeat(256)}`, /segment is longer/],
  [`/${"a/".repeat(2100)}a`, /longer than 4096/],
];
for (const [text, why] of invalid) {
  test(`toLogicalPath() rejects ${JSON.stringify(text.slice(0, 40))}`, () => {
    assert.throws(() => toLogicalPath(text), why);
    assert.match(logicalPathProblem(text) ?? "", why);
  });
}

test("prefixOf() names the prefix of an encoded path", () => {
  assert.equal(prefixOf(toLogicalPath("%www%/x")), "www");
  assert.equal(prefixOf(toLogicalPath("/x")), undefined);
});

test("parentOf() walks up to the root", () => {
  const p = (s: string) => s as LogicalPath;
  assert.equal(parentOf(p("/a/b")), "/a");
  assert.equal(parentOf(p("/a")), "/");
  assert.equal(parentOf(p("/")), undefined);
  assert.equal(parentOf(p("%w%/a")), "%w%");
  assert.equal(parentOf(p("%w%")), undefined);
});

test("childOf() and baseName() round-trip and reject bad names", () => {
  const root = toLogicalPath("/");
  assert.equal(childOf(root, "etc"), "/etc");
  assert.equal(baseName(childOf(toLogicalPath("%w%"), "x")), "x");
  assert.throws(() => childOf(root, ".."));
  assert.throws(() => childOf(root, "a/b/"));
});

test("isWithin() respects segment boundaries", () => {
  const p = (s: string) => s as LogicalPath;
  assert.equal(isWithin(p("/etc/apache/x"), p("/etc/apache")), true);
  assert.equal(isWithin(p("/etc/apache2"), p("/etc/apache")), false);
  assert.equal(isWithin(p("/etc"), p("/")), true);
  assert.equal(isWithin(p("%w%/a"), p("%w%")), true);
});

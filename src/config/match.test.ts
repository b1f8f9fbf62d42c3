import assert from "node:assert/strict";
import { test } from "node:test";
import { compileMatcher, matchingPattern, parentOf, rootOf, rootsOf, stripTrailingSlashes, type PatternSpec } from "./match.js";
import type { MatchResult } from "./types.js";

const inc = (pattern: string): PatternSpec => ({ pattern, include: true, compare: false });
const exc = (pattern: string): PatternSpec => ({ pattern, include: false, compare: false });
const cmp = (pattern: string): PatternSpec => ({ pattern, include: true, compare: true });

// csync2.md §2.4, groups.c: match_pattern_list / csync_step_into / csync_match_file.
const CASES: readonly { name: string; specs: PatternSpec[]; path: string; want: MatchResult; compareMode?: boolean }[] = [
  { name: "a literal include matches itself", specs: [inc("/etc/hosts")], path: "/etc/hosts", want: "match" },
  { name: "FNM_LEADING_DIR: an include covers everything below it", specs: [inc("/etc/apache")], path: "/etc/apache/x/y", want: "match" },
  { name: "an include does not cover a sibling with the same prefix", specs: [inc("/etc/apache")], path: "/etc/apache2", want: "ignore" },
  { name: "a leading directory of an include is descended", specs: [inc("/etc/nginx/*.conf")], path: "/etc/nginx", want: "descend" },
  { name: "the root of every walk is descended", specs: [inc("/etc/hosts")], path: "/", want: "descend" },
  { name: "an unrelated directory is ignored", specs: [inc("/etc/hosts")], path: "/var", want: "ignore" },
  { name: "FNM_PATHNAME: * stops at /", specs: [inc("/etc/nginx/*.conf")], path: "/etc/nginx/sub/a.conf", want: "ignore" },
  { name: "* matches one level", specs: [inc("/etc/nginx/*.conf")], path: "/etc/nginx/a.conf", want: "match" },
  { name: "** makes every * cross /", specs: [inc("/srv"), exc("/srv/**.conf")], path: "/srv/a/b/c.conf", want: "ignore" },
  { name: "** alone does not walk into directories no include line names (csync2's step into)", specs: [inc("/srv/**.conf")], path: "/srv/a/b/c.conf", want: "ignore" },
  { name: "** matches a file at the top of its literal root", specs: [inc("/srv/**.conf")], path: "/srv/c.conf", want: "match" },
  { name: "** also makes a single * cross / elsewhere in the pattern", specs: [inc("/srv/*/x/**")], path: "/srv/a/b/x/y", want: "match" },
  { name: "* matches a leading dot (no FNM_PERIOD)", specs: [inc("/etc/*")], path: "/etc/.hidden", want: "match" },
  { name: "a later exclude wins over an include", specs: [inc("/etc"), exc("/etc/ssl")], path: "/etc/ssl/key.pem", want: "ignore" },
  { name: "a later include wins over an exclude", specs: [exc("/etc/ssl"), inc("/etc")], path: "/etc/ssl/key.pem", want: "match" },
  { name: "an exclude covers the subtree through FNM_LEADING_DIR", specs: [inc("/etc"), exc("/etc/ssl")], path: "/etc/ssl", want: "ignore" },
  { name: "an excluded leading directory is still descended (step into ignores excludes)", specs: [inc("/etc/a/b"), exc("/etc/a")], path: "/etc/a", want: "descend" },
  { name: "a basename exclude drops editor backups", specs: [inc("/etc"), exc("*~")], path: "/etc/hosts~", want: "ignore" },
  { name: "a basename exclude of dotfiles", specs: [inc("/etc"), exc(".*")], path: "/etc/x/.git", want: "ignore" },
  { name: "below a directory a basename exclude drops, nothing is included", specs: [inc("/etc"), exc(".*")], path: "/etc/.d/file", want: "ignore" },
  { name: "below an excluded directory, deeper too", specs: [inc("/www"), exc(".git")], path: "/www/site/.git/refs/heads/main", want: "ignore" },
  { name: "a basename exclude matching a file does not touch its siblings", specs: [inc("/www"), exc(".git")], path: "/www/site/.gitignore", want: "match" },
  { name: "below an excluded prefix-encoded directory", specs: [inc("%www%"), exc("*.cache")], path: "%www%/img.cache/a.png", want: "ignore" },
  { name: "below a directory that is only descended, its own verdict holds", specs: [inc("/etc/nginx/*.conf")], path: "/etc/nginx/a.conf", want: "match" },
  { name: "a later include under an excluded path directory is reached through step into", specs: [inc("/etc"), exc("/etc/ssl"), inc("/etc/ssl/certs")], path: "/etc/ssl/certs/a.pem", want: "match" },
  { name: "a later basename include cannot reach into a directory a basename exclude drops", specs: [inc("/etc"), exc("*.d"), inc("keep")], path: "/etc/x.d/keep", want: "ignore" },
  { name: "compare mode judges directories the same way", specs: [cmp("/var"), exc(".git")], path: "/var/.git/config", want: "ignore", compareMode: true },
  { name: "basename patterns are checked separately: a later basename include wins", specs: [inc("/etc"), exc("*.bak"), inc("keep.bak")], path: "/etc/keep.bak", want: "match" },
  { name: "a basename include alone selects nothing (paths default to excluded)", specs: [inc("*.conf")], path: "/etc/a.conf", want: "ignore" },
  { name: "a basename exclude does not undo a path exclude", specs: [inc("/etc"), exc("/etc/x"), inc("x")], path: "/etc/x", want: "ignore" },
  { name: "a prefix-encoded include matches the prefix root", specs: [inc("%www%")], path: "%www%", want: "match" },
  { name: "a prefix-encoded include covers its subtree", specs: [inc("%www%")], path: "%www%/a/index.html", want: "match" },
  { name: "a prefix root is descended for a deeper include", specs: [inc("%www%/*.html")], path: "%www%", want: "descend" },
  { name: "another prefix is ignored", specs: [inc("%www%")], path: "%logs%/x", want: "ignore" },
  { name: "a compare pattern is inactive outside compare mode", specs: [inc("/etc"), cmp("/var/x")], path: "/var/x", want: "ignore" },
  { name: "a compare pattern includes in compare mode", specs: [inc("/etc"), cmp("/var/x")], path: "/var/x", want: "match", compareMode: true },
  { name: "a compare pattern's leading dirs are descended in compare mode", specs: [cmp("/var/x/y")], path: "/var/x", want: "descend", compareMode: true },
  { name: "include / matches only / itself (glibc FNM_LEADING_DIR)", specs: [inc("/")], path: "/", want: "match" },
  { name: "include / does not cover /etc (glibc FNM_LEADING_DIR)", specs: [inc("/")], path: "/etc", want: "ignore" },
  { name: "include /* covers everything", specs: [inc("/*")], path: "/etc/hosts", want: "match" },
  { name: "a bracket expression in a path", specs: [inc("/etc/[ab]*")], path: "/etc/apache2/x", want: "match" },
  { name: "a negated bracket expression", specs: [inc("/etc/[!ab]*")], path: "/etc/apache2", want: "ignore" },
  { name: "a glob directory is descended when it matches a leading part", specs: [inc("/home/*/public")], path: "/home/bob", want: "descend" },
  { name: "no patterns: nothing matches", specs: [], path: "/etc", want: "ignore" },
];

for (const c of CASES) {
  test(`match() ${c.name}: ${c.path} → ${c.want}`, () => {
    assert.equal(compileMatcher(c.specs)(c.path, { compareMode: c.compareMode === true }), c.want);
  });
}

const ROOTS: readonly [pattern: string, root: string][] = [
  ["/etc/nginx/*.conf", "/etc/nginx"],
  ["/etc/hosts", "/etc/hosts"],
  ["%www%", "%www%"],
  ["%www%/*.html", "%www%"],
  ["/*", "/"],
  ["/srv/**/x", "/srv"],
  ["/etc/[ab]/x", "/etc"],
  ["/etc/a\\*b/c", "/etc"],
];
for (const [pattern, root] of ROOTS) {
  test(`rootOf() gives ${root} for ${pattern}`, () => assert.equal(rootOf(pattern), root));
}

test("rootsOf() drops basename patterns, duplicates and roots inside other roots", () => {
  assert.deepEqual(rootsOf(["/etc", "/etc/nginx/*.conf", "*.conf", "/var/www", "/var/www", "%p%/x"]), ["/etc", "/var/www", "%p%/x"]);
  assert.deepEqual(rootsOf(["/*", "/etc"]), ["/"]);
});

test("stripTrailingSlashes() keeps a lone / as csync2 does", () => {
  assert.equal(stripTrailingSlashes("/etc//"), "/etc");
  assert.equal(stripTrailingSlashes("/"), "/");
  assert.equal(stripTrailingSlashes("//"), "/");
});

const MATCHING: readonly { name: string; patterns: string[]; path: string; want: string | undefined }[] = [
  { name: "a path pattern covers what lies below it", patterns: ["/srv/www/tmp"], path: "/srv/www/tmp/a", want: "/srv/www/tmp" },
  { name: "a basename pattern tests the last segment only", patterns: ["*.tmp"], path: "/srv/www/a.tmp", want: "*.tmp" },
  { name: "a basename pattern does not test a directory above", patterns: ["*.tmp"], path: "/srv/www/a.tmp/b", want: undefined },
  { name: "the last that matches wins", patterns: ["*.tmp", "%www%/cache", "a.*"], path: "%www%/cache/a.tmp", want: "a.*" },
  { name: "none matches", patterns: ["/etc", "*.bak"], path: "/srv/www/a", want: undefined },
  { name: "FNM_PATHNAME: * stops at /", patterns: ["/srv/*.log"], path: "/srv/d/x.log", want: undefined },
];
test("match() remembers directory verdicts without mixing them up between calls", () => {
  const match = compileMatcher([inc("/www"), exc(".git")]);
  for (let i = 0; i < 3; i++) {
    assert.equal(match("/www/a/.git/x"), "ignore");
    assert.equal(match("/www/a/b/x"), "match");
    assert.equal(match("/www/a/.git"), "ignore");
    assert.equal(match("/www/a"), "match");
  }
  // Far more directories than it keeps: verdicts stay right after it forgets.
  for (let i = 0; i < 10_000; i++) assert.equal(match(`/www/d${i}/${i % 2 === 0 ? ".git/" : ""}f`), i % 2 === 0 ? "ignore" : "match");
});

test("parentOf(): the directory a walk passes through, none for / or a prefix root", () => {
  assert.equal(parentOf("/etc/hosts"), "/etc");
  assert.equal(parentOf("/etc"), undefined);
  assert.equal(parentOf("/"), undefined);
  assert.equal(parentOf("%www%"), undefined);
  assert.equal(parentOf("%www%/a"), "%www%");
});

for (const c of MATCHING) test(`matchingPattern(): ${c.name}`, () => assert.equal(matchingPattern(c.patterns, c.path), c.want));

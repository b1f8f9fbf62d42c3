import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../errors.js";
import { scan, tokenize, type Source } from "./lexer.js";

/** Tokens as compact strings: k:keyword, w:bare word, q:quoted, p:punct, i:include. */
function lex(text: string): string[] {
  return scan({ file: "t.cfg", text }).map((t) => {
    if (t.type === "word") return `${t.quoted ? "q" : "w"}:${t.text}`;
    if (t.type === "keyword") return `k:${t.text}`;
    if (t.type === "include") return `i:${t.text}`;
    return `p:${t.text}`;
  });
}

// Each row reproduces a rule of csync2's cfgfile_scanner.l (csync2.md §2.1).
const CASES: readonly [name: string, text: string, want: string[]][] = [
  ["splits punctuation", "group g { host a; }", ["k:group", "w:g", "p:{", "k:host", "w:a", "p:;", "p:}"]],
  ["keeps { glued to a word as part of it", "group g {host", ["k:group", "w:g", "w:{host"]],
  ["keeps } glued to a word as part of it", "include /a}", ["k:include", "w:/a}"]],
  ["reads a keyword only when the whole word spells it", "hosts host hostname", ["w:hosts", "k:host", "w:hostname"]],
  ["reads do-local-only as one keyword", "do-local-only do-local", ["k:do-local-only", "k:do-local"]],
  ["lets a word contain a colon", "on h1:/x;", ["k:on", "w:h1:/x", "p:;"]],
  ["never ends a word with a colon", "on *: /x;", ["k:on", "w:*", "p::", "w:/x", "p:;"]],
  ["splits a::", "a::", ["w:a", "p::", "p::"]],
  ["splits at @", "b@10.0.0.2:30866", ["w:b", "p:@", "w:10.0.0.2:30866"]],
  ["splits at parentheses", "(c d)", ["p:(", "w:c", "w:d", "p:)"]],
  ["drops comments to the end of the line", "a # b c\nd", ["w:a", "w:d"]],
  ["ends a bare word at #", "/a#x\n;", ["w:/a", "p:;"]],
  ["reads a quoted string with spaces and no escapes", 'exec "a \\"', ["k:exec", 'q:a \\']],
  ["reads a quoted reserved word as a string", '"on" "key"', ["q:on", "q:key"]],
  ["lets a quoted string span lines", '"a\nb" c', ["q:a\nb", "w:c"]],
  ["yields nothing for an empty quoted string", 'include "";', ["k:include", "p:;"]],
  ["treats an unterminated quote as running to the end", 'x "abc', ["w:x", "q:abc"]],
  ["treats a quote as a word boundary", 'a"b"c', ["w:a", "q:b", "w:c"]],
  ["accepts CR LF line ends", "a;\r\nb;", ["w:a", "p:;", "w:b", "p:;"]],
  ["reads config names up to ; as includes", "config a.cfg b.cfg; x", ["i:a.cfg", "i:b.cfg", "w:x"]],
  ["reads # and quotes in an include name literally", 'config a#"b;', ['i:a#"b']],
  ["reads config; as no include", "config ; x", ["w:x"]],
  ["reads configx as a plain word", "configx", ["w:configx"]],
  ["reads a quoted config as a string", '"config" a', ["q:config", "w:a"]],
];

for (const [name, text, want] of CASES) {
  test(`scan() ${name}`, () => assert.deepEqual(lex(text), want));
}

test("scan() reports 1-based line and column, also after a multi-line string", () => {
  const tokens = scan({ file: "t.cfg", text: 'a\n  "x\ny" b\n\tc' });
  assert.deepEqual(tokens.map((t) => [t.text, t.at.line, t.at.column]), [["a", 1, 1], ["x\ny", 2, 3], ["b", 3, 4], ["c", 4, 2]]);
});

const files: Record<string, string> = {
  "/main.cfg": "a config part.cfg; d",
  "/part.cfg": "b c",
  "/loop.cfg": "config loop.cfg;",
};
const read = (name: string): Source => {
  const path = `/${name}`;
  const text = files[path];
  if (text === undefined) throw new ConfigError(`Cannot read included config file "${path}": no such file`);
  return { file: path, text };
};

test("tokenize() splices an included file where config stood, with its own file name", () => {
  const { tokens, errors } = tokenize({ file: "/main.cfg", text: files["/main.cfg"] as string }, read);
  assert.deepEqual(errors, []);
  assert.deepEqual(tokens.map((t) => `${t.at.file}:${t.text}`), ["/main.cfg:a", "/part.cfg:b", "/part.cfg:c", "/main.cfg:d"]);
});

test("tokenize() reports a missing include and goes on", () => {
  const { tokens, errors } = tokenize({ file: "/m.cfg", text: "a config nope.cfg; b" }, read);
  assert.deepEqual(tokens.map((t) => t.text), ["a", "b"]);
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? "", /nope\.cfg/);
});

test("tokenize() stops a self-include after 10 levels, as csync2 does", () => {
  const { errors } = tokenize({ file: "/loop.cfg", text: files["/loop.cfg"] as string }, read);
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? "", /nested too deeply/);
  assert.equal(errors[0]?.hint, "check for a file that includes itself");
});

test("tokenize() refuses a word with a byte that is not UTF-8 (U+FFFD once read), at its place; a comment may hold any", () => {
  const latin1 = Buffer.from("# r\xe9glages\ngroup g {\n  exclude %www%/caf\xe9*;\n  include \"/srv/d\xe9j\xe0\";\n}\n", "latin1").toString("utf8");
  const { tokens, errors } = tokenize({ file: "/l.cfg", text: latin1 }, read);
  assert.equal(tokens.length, 10, "the words still go on to the parser");
  assert.deepEqual(errors.map((e) => [e.location?.line, e.location?.column]), [[3, 11], [4, 11]]);
  assert.match(errors[0]?.message ?? "", /^\/l\.cfg:3:11: Cannot read "%www%\/caf\uFFFD\*": it holds a byte that is not UTF-8/);
  assert.match(errors[0]?.hint ?? "", /iconv -f LATIN1 -t UTF-8/);
});

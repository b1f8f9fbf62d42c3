// `prefix NAME { on HOSTPATTERN: PATH; ... }` blocks. csync2 needs a space after the colon
// (`on h1:/x` is one word); the error says so. Pure.

import type { PrefixEntry, PrefixNode, Word } from "./ast.js";
import { suggest } from "./hints.js";
import type { Token } from "./lexer.js";
import { describe, type TokenCursor } from "./token-cursor.js";

// prefix NAME { (on HOSTPATTERN : PATH ;)* }
export function parsePrefix(c: TokenCursor): PrefixNode | undefined {
  const head = c.next() as Token;
  const n = c.peek();
  if (n?.type !== "word") {
    c.fail(`Cannot parse "prefix": expected a name but found ${describe(n)}`, c.at(n), "write prefix NAME { on HOST: PATH; }");
    c.skipStatement();
    return undefined;
  }
  c.advance();
  const name: Word = { text: n.text, quoted: n.quoted, at: n.at };
  if (!c.expectPunct("{", `prefix "${n.text}"`)) {
    c.skipStatement();
    return undefined;
  }
  const entries: PrefixEntry[] = [];
  while (!c.isPunct(c.peek(), "}")) {
    const entry = prefixEntry(c, n.text);
    if (entry === "eof") {
      c.fail(`Cannot parse prefix "${n.text}": missing "}" at end of file`, head.at, "close the prefix block with }");
      return undefined;
    }
    if (entry !== undefined) entries.push(entry);
  }
  c.advance();
  return { kind: "prefix", name, entries, at: head.at };
}

function prefixEntry(c: TokenCursor, prefix: string): PrefixEntry | undefined | "eof" {
  const on = c.peek();
  if (on === undefined) return "eof";
  const what = `prefix "${prefix}"`;
  if (on.type !== "keyword" || on.text !== "on") {
    const hint = on.type === "word" ? suggest(on.text, ["on"]) : "write on HOST: PATH;";
    c.fail(`Cannot parse ${what}: expected "on" but found ${describe(on)}`, on.at, hint);
    c.skipStatement();
    return undefined;
  }
  c.advance();
  const pattern = c.peek();
  if (pattern?.type !== "word") {
    c.fail(`Cannot parse ${what}: expected a host pattern after "on" but found ${describe(pattern)}`, c.at(pattern), "write on HOST: PATH; (quote * if needed)");
    c.skipStatement();
    return undefined;
  }
  c.advance();
  if (!pattern.quoted && pattern.text.includes(":") && !c.isPunct(c.peek(), ":")) {
    const [host, ...path] = pattern.text.split(":");
    c.fail(`Cannot parse ${what}: "${pattern.text}" is one word`, pattern.at, `put a space after the colon: on ${host}: ${path.join(":")};`);
    c.skipStatement();
    return undefined;
  }
  if (!c.expectPunct(":", what)) {
    c.skipStatement();
    return undefined;
  }
  const path = c.peek();
  if (path?.type !== "word") {
    c.fail(`Cannot parse ${what}: expected a path after ":" but found ${describe(path)}`, c.at(path), "write on HOST: PATH;");
    c.skipStatement();
    return undefined;
  }
  c.advance();
  if (!c.expectPunct(";", what)) {
    c.skipStatement();
    return undefined;
  }
  return {
    hostPattern: { text: pattern.text, quoted: pattern.quoted, at: pattern.at },
    path: { text: path.text, quoted: path.quoted, at: path.at },
    at: on.at,
  };
}

// The config pipeline is pure except for load.ts (the I/O edge): lexer, parser, resolver and
// matcher take text and callbacks and return data, so the tables above cover them fully.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../../../src/config/", import.meta.url));
const IMPURE = new Set(["load.ts"]);
const FORBIDDEN = [
  /from\s+["']node:(fs|fs\/promises|net|tls|child_process|os|http|https)["']/,
  /\bDate\.now\(|\bnew Date\(\)|performance\.now\(/,
  /\bprocess\./,
];

const sources = readdirSync(DIR).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "testing.ts" && !IMPURE.has(f));

test("src/config has pure modules to guard", () => assert.ok(sources.length >= 10));

for (const file of sources) {
  test(`src/config/${file} is pure (no I/O, clock or process)`, () => {
    const text = readFileSync(`${DIR}${file}`, "utf8").replace(/^\s*\/\/.*$/gm, "");
    for (const rule of FORBIDDEN) assert.doesNotMatch(text, rule, `${file} must get I/O passed in`);
  });
}

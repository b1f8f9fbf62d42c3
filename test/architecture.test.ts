// Enforces DESIGN.md's one structural rule: modules in src/core/ are pure. They take data and
// return data; anything that touches disk, network, clock or processes is passed in. This
// keeps every decision worth a test coverable by tables, without fakes.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PURE_DIRS = ["src/core"];

const FORBIDDEN: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: "a node: I/O module", pattern: /from\s+["']node:(fs|fs\/promises|net|tls|dgram|child_process|os|http|https|worker_threads)["']/ },
  { what: "a bare I/O module", pattern: /from\s+["'](fs|net|tls|child_process|os)["']/ },
  { what: "better-sqlite3", pattern: /from\s+["']better-sqlite3["']/ },
  { what: "the clock", pattern: /\bDate\.now\(|\bnew Date\(\)|performance\.now\(/ },
  { what: "the process", pattern: /\bprocess\./ },
];

function sources(dir: string): string[] {
  return readdirSync(join(REPO, dir))
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
    .map((name) => join(dir, name));
}

for (const dir of PURE_DIRS) {
  for (const file of sources(dir)) {
    test(`${file} is pure (no I/O, clock or process)`, () => {
      const text = readFileSync(join(REPO, file), "utf8").replace(/^\s*\/\/.*$/gm, "");
      for (const rule of FORBIDDEN) {
        assert.doesNotMatch(text, rule.pattern, `${file} uses ${rule.what}; pass it in instead (DESIGN.md §2)`);
      }
    });
  }
}

test("architecture test finds the pure modules it guards", () => {
  assert.ok(sources("src/core").length > 0, "src/core/ has no sources: has the layout changed?");
});

// man/peersync.cfg.5 renders with `man -l` without groff warnings, and documents every
// keyword the parser knows.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { RESERVED } from "../../src/config/lexer.js";
import { ACTION_STATEMENTS, GROUP_STATEMENTS, TOP_STATEMENTS } from "../../src/config/parser.js";

const PAGE = fileURLToPath(new URL("../../../man/peersync.cfg.5", import.meta.url));

test("man -l renders man/peersync.cfg.5 without warnings", () => {
  const r = spawnSync("man", ["--warnings", "-l", PAGE], { encoding: "utf8", env: { ...process.env, MANWIDTH: "80", MANPAGER: "cat", PAGER: "cat" } });
  assert.equal(r.error, undefined, "man is installed by make test's setup (man-db)");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), "");
  for (const section of ["LEXICAL STRUCTURE", "GROUPS", "PATTERNS", "ACTIONS", "PREFIXES", "EXTENSIONS", "STRICTER THAN CSYNC2", "FILES"]) {
    assert.match(r.stdout, new RegExp(`^${section}$`, "m"));
  }
});

test("man/peersync.cfg.5 mentions every keyword", () => {
  const text = readFileSync(PAGE, "utf8").replaceAll("\\-", "-");
  const words = new Set([...RESERVED, ...Object.keys(TOP_STATEMENTS), ...Object.keys(GROUP_STATEMENTS), ...Object.keys(ACTION_STATEMENTS), "config"]);
  for (const w of words) assert.ok(text.includes(w), `${w} is not documented`);
});

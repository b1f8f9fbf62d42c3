// man/peersync.1 and the program agree: every subcommand of the command table has an entry
// under COMMANDS and every entry is a subcommand; each entry names the command's options and
// says "Not implemented yet" exactly when IMPLEMENTED does; every global option, exit code and
// PEERSYNC_* environment variable the sources read is documented; and `peersync help CMD`
// prints each command's summary and options.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { COMMANDS } from "../../src/cli/command-table.js";
import { ExitCode } from "../../src/cli/exit-codes.js";
import { IMPLEMENTED } from "../../src/cli/program.js";
import { DEFAULT_LIMITS } from "../../src/net/limits.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const PAGE = readFileSync(join(REPO, "man/peersync.1"), "utf8");
const BIN = join(REPO, "bin/peersync");

/** The roff source of one .SH section, with \- read as -. */
function section(name: string): string {
  const start = PAGE.indexOf(`\n.SH ${name}\n`);
  assert.notEqual(start, -1, `man/peersync.1 has no ${name} section`);
  const end = PAGE.indexOf("\n.SH ", start + 1);
  return PAGE.slice(start, end === -1 ? undefined : end).replaceAll("\\-", "-");
}

/** COMMANDS entries: name → roff text, from each .TP whose tag line starts with the name. */
function commandEntries(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const chunk of section("COMMANDS").split("\n.TP\n").slice(1)) {
    const m = /^\.B[IR]? "?([a-z][a-z0-9-]*)/.exec(chunk);
    assert.ok(m, `a .TP entry under COMMANDS without a command name: ${chunk.slice(0, 60)}`);
    entries.set(m[1]!, chunk);
  }
  return entries;
}

test("every subcommand of the command table has an entry in man/peersync.1, and vice versa", () => {
  assert.deepEqual([...commandEntries().keys()].sort(), COMMANDS.map((c) => c.name).sort());
});

for (const spec of COMMANDS) {
  test(`man/peersync.1: ${spec.name} names its options and is marked as IMPLEMENTED says`, () => {
    const entry = commandEntries().get(spec.name) ?? "";
    for (const [flags] of spec.options) {
      const long = /--[a-z-]+/.exec(flags)![0];
      assert.ok(entry.includes(long), `${spec.name} ${long} is not documented`);
    }
    const marked = /^\.I Not implemented yet\.$/m.test(entry);
    assert.equal(marked, IMPLEMENTED[spec.name] !== true, `${spec.name}: IMPLEMENTED is ${IMPLEMENTED[spec.name]}`);
  });
}

test("every global option is under GLOBAL OPTIONS", () => {
  const text = section("GLOBAL OPTIONS");
  const r = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
  const globals = [...r.stdout.split("Commands:")[0]!.matchAll(/^\s+(?:-[A-Za-z], )?(--[a-z-]+)/gm)].map((m) => m[1]!);
  assert.ok(globals.length > 8, r.stdout);
  for (const flag of globals) assert.ok(text.includes(flag), `${flag} is not documented`);
});

test("every exit code is under EXIT STATUS", () => {
  const text = section("EXIT STATUS");
  for (const [name, code] of Object.entries(ExitCode)) assert.match(text, new RegExp(`^\\.B ${code}$`, "m"), name);
});

/** PEERSYNC_* names read anywhere in src/ (tests excluded) plus the transport limits. */
function environmentNames(): string[] {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.startsWith("testing")) {
        for (const m of readFileSync(path, "utf8").matchAll(/PEERSYNC_[A-Z][A-Z0-9_]*[A-Z0-9]/g)) names.add(m[0]);
      }
    }
  };
  walk(join(REPO, "src"));
  for (const limit of Object.keys(DEFAULT_LIMITS)) names.add(`PEERSYNC_${limit.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`);
  return [...names].sort();
}

test("every PEERSYNC_* environment variable is under ENVIRONMENT", () => {
  const text = section("ENVIRONMENT");
  const names = environmentNames();
  assert.ok(names.includes("PEERSYNC_IDLE_TIMEOUT_MS"));
  const missing = names.filter((n) => !text.includes(n));
  assert.deepEqual(missing, [], "undocumented environment variables");
});

test("`peersync help CMD` prints each command's summary and options", () => {
  for (const spec of COMMANDS) {
    const r = spawnSync(process.execPath, [BIN, "help", spec.name], { encoding: "utf8" });
    assert.equal(r.status, 0, `${spec.name}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: peersync ${spec.name}\\b`, "m"));
    assert.ok(r.stdout.replace(/\s+/g, " ").includes(spec.summary), spec.name);
    for (const [flags] of spec.options) assert.ok(r.stdout.includes(/--[a-z-]+/.exec(flags)![0]), `${spec.name} ${flags}`);
  }
});

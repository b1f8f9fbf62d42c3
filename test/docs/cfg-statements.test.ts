// The EVERY STATEMENT section of man/peersync.cfg.5 shows every statement the parser knows,
// and is itself a config that loads through the real loadConfig (its key pointed at a fixture).

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/load.js";
import { ACTION_STATEMENTS, GROUP_STATEMENTS, TOP_STATEMENTS } from "../../src/config/parser.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "peersync-cfg-statements-"));
after(() => rmSync(work, { recursive: true, force: true }));

function exampleText(): string {
  const page = readFileSync(join(REPO, "man/peersync.cfg.5"), "utf8");
  const m = /\n\.SH EVERY STATEMENT\n[\s\S]*?\n\.EX\n([\s\S]*?)\n\.EE\n/.exec(page);
  assert.ok(m, "man/peersync.cfg.5 has an EVERY STATEMENT section with an .EX block");
  return m[1]!.replaceAll("\\-", "-");
}

test("man/peersync.cfg.5 EVERY STATEMENT shows every statement", () => {
  const text = exampleText();
  const words = new Set([...Object.keys(TOP_STATEMENTS), ...Object.keys(GROUP_STATEMENTS), ...Object.keys(ACTION_STATEMENTS),
    "group", "host", "prefix", "on", "action", "config"]);
  for (const w of words) assert.match(text, new RegExp(`^\\s*(# )?${w}\\b`, "m"), `${w} has no example line`);
});

test("man/peersync.cfg.5 EVERY STATEMENT is a config peersync accepts", () => {
  const file = join(work, "every.cfg");
  writeFileSync(file, exampleText().replaceAll("/etc/peersync.key", join(REPO, "test/fixtures/config/keys/good.key")));
  const c = loadConfig({ configFile: file, nodeName: "node1", stateDir: join(work, "state") });
  const g = c.groups[0]!;
  assert.deepEqual([g.name, g.peers.map((p) => p.name), g.actions.length], ["web", ["node2", "node3", "web1", "web2"], 2]);
  assert.equal(c.prefixes.get("www"), "/var/www");
});

// etc/examples/<scenario>.cfg (one per scenario of DESIGN.md §1) load through the real
// loadConfig on every host they name, and mean what their comments say. The key path
// /etc/peersync.key is pointed at a fixture key in a temp copy; nothing else is changed.

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/types.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const EXAMPLES = join(REPO, "etc/examples");
const KEY = join(REPO, "test/fixtures/config/keys/good.key");
const SCENARIOS = ["app-journal", "config-fleet", "drift", "ha-pair", "upload-farm"];

const work = mkdtempSync(join(tmpdir(), "peersync-examples-"));
after(() => rmSync(work, { recursive: true, force: true }));

function load(scenario: string, node: string): Config {
  const text = readFileSync(join(EXAMPLES, `${scenario}.cfg`), "utf8");
  assert.match(text, /key \/etc\/peersync\.key;/);
  const file = join(work, `${scenario}.cfg`);
  writeFileSync(file, text.replaceAll("/etc/peersync.key", KEY));
  return loadConfig({ configFile: file, nodeName: node, stateDir: join(work, "state") });
}

/** Every host name the file declares (names before @, parentheses removed). */
function hostsOf(scenario: string): string[] {
  const text = readFileSync(join(EXAMPLES, `${scenario}.cfg`), "utf8").replace(/#.*$/gm, "");
  const names = new Set<string>();
  for (const m of text.matchAll(/^\s*host ([^;]+);/gm)) {
    for (const word of m[1]!.replace(/[()]/g, " ").split(/\s+/).filter(Boolean)) names.add(word.split("@")[0]!);
  }
  return [...names];
}

test("etc/examples holds one config per DESIGN.md scenario", () => {
  assert.deepEqual(readdirSync(EXAMPLES).filter((f) => f.endsWith(".cfg")).sort(), SCENARIOS.map((s) => `${s}.cfg`));
});

for (const scenario of SCENARIOS) {
  test(`etc/examples/${scenario}.cfg loads on every host it names`, () => {
    const hosts = hostsOf(scenario);
    assert.ok(hosts.length >= 2, "a cluster has at least two hosts");
    for (const host of hosts) assert.ok(load(scenario, host).groups.length > 0, host);
  });
}

test("config-fleet: seven nodes in all, lb only on three, nginx reloaded once per batch", () => {
  const node1 = load("config-fleet", "node1");
  assert.deepEqual(node1.groups.map((g) => g.name), ["all", "lb"]);
  assert.equal(node1.groups[0]!.peers.length, 6);
  const lb = node1.groups[1]!;
  assert.equal(lb.match("/etc/nginx/sites/default"), "match");
  assert.equal(lb.actions.length, 1);
  assert.deepEqual(load("config-fleet", "node5").groups.map((g) => g.name), ["all"]);
});

test("upload-farm: web nodes are receive-only and the group is watched", () => {
  const up = load("upload-farm", "upload1").groups[0]!;
  assert.deepEqual(up.peers.map((p) => [p.name, p.receiveOnly]), [["web1", true], ["web2", true], ["web3", true], ["web4", true]]);
  assert.equal(up.watch, true);
  assert.equal(up.debounceMs, 200);
  assert.equal(load("upload-farm", "web3").groups[0]!.local.receiveOnly, true);
  assert.equal(up.match("/srv/uploads/tmp/x"), "ignore");
  assert.equal(up.match("/srv/uploads/a/b.jpg.part"), "ignore");
});

test("ha-pair: two writable peers, auto younger with backups and a delete limit", () => {
  const g = load("ha-pair", "ha2").groups[0]!;
  assert.deepEqual([g.peers.map((p) => p.name), g.auto, g.backupGenerations, g.maxDelete], [["ha1"], "younger", 5, 200]);
  assert.equal(g.local.receiveOnly, false);
});

test("drift: app nodes receive only; an excluded subtree is out of the group", () => {
  const g = load("drift", "app2").groups[0]!;
  assert.equal(g.local.receiveOnly, true);
  assert.equal(g.backupDirectory, "/var/backups/peersync-drift");
  assert.equal(g.match("/etc/app/local.d/override.conf"), "ignore");
  assert.equal(g.match("/etc/app/app.conf"), "match");
});

test("app-journal: hints drive it (no watcher), conflicts wait for an operator", () => {
  const g = load("app-journal", "j1").groups[0]!;
  assert.deepEqual([g.watch, g.auto], [false, "none"]);
  assert.equal(g.match("/var/lib/app/journal/2026/11/23/0001.json"), "match");
  assert.equal(g.match("/var/lib/app/journal/2026/11/23/0002.json.tmp"), "ignore");
});

// Scenario (DESIGN.md §1, etc/examples/config-fleet.cfg): seven servers share hosts-like files
// (group `all`); three of them (group `lb`) also share an nginx-like tree whose action reloads
// "nginx" (appends a line to a per-node log). An edit on any node, then `peersync sync` there:
// every member converges, the action runs exactly once per lb node for the batch, and hosts
// outside a group never receive its files. Cron-driven (`watch no`), so runs are the only pushes.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { cleanup, freePort, runCli, tempDir, writeKey, type DaemonProcess } from "../helpers/daemon.js";
import { FAST_ENV, snapshot } from "../integration/sync-cluster.js";
import { startAll } from "./cluster.js";

const NAMES = ["node1", "node2", "node3", "node4", "node5", "node6", "node7"] as const;
const LB = ["node1", "node2", "node3"];

let dir: string;
let configFile: string;
const daemons: DaemonProcess[] = [];
const root = (n: string): string => join(dir, n, "tree");
const actionLog = (n: string): string => join(dir, n, "nginx-reloads.log");
const run = (n: string, args: readonly string[]) =>
  runCli(["-N", n, "--config", configFile, "--state-dir", join(dir, n, "state"), ...args], FAST_ENV);

before(async () => {
  dir = tempDir("fleet");
  const key = writeKey(dir, "fleet.key", "config-fleet");
  const ports = await Promise.all(NAMES.map(() => freePort()));
  const host = (n: string): string => `${n}@127.0.0.1:${ports[NAMES.indexOf(n as (typeof NAMES)[number])]}`;
  for (const n of NAMES) mkdirSync(root(n), { recursive: true });
  // The "reload": one line per run on the node it runs on, naming the files of the batch.
  const script = join(dir, "reload-nginx.sh");
  writeFileSync(script, 'node_dir=${1%/tree/*}\necho "reload $*" >> "$node_dir/nginx-reloads.log"\n');
  configFile = join(dir, "peersync.cfg");
  writeFileSync(configFile, [
    `prefix etc { ${NAMES.map((n) => `on ${n}: ${root(n)};`).join(" ")} }`,
    "group all {",
    `  host ${NAMES.map(host).join(" ")};`,
    `  key ${key};`,
    "  include %etc%/hosts %etc%/resolv.conf;",
    "  auto younger;",
    "  watch no;",
    "}",
    "group lb {",
    `  host ${LB.map(host).join(" ")};`,
    `  key ${key};`,
    "  include %etc%/nginx;",
    "  exclude *~;",
    "  auto younger;",
    "  watch no;",
    `  action { pattern %etc%/nginx/*; exec "sh ${script} %%"; do-local; }`,
    "}",
    "",
  ].join("\n"));
  daemons.push(...await startAll(NAMES.map((n) => ({ name: n, configFile, stateDir: join(dir, n, "state"), env: FAST_ENV }))));
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  if (dir) cleanup(dir);
});

function reloads(n: string): string[] {
  return existsSync(actionLog(n)) ? readFileSync(actionLog(n), "utf8").split("\n").filter(Boolean) : [];
}

/** Receivers may still be running their action when the pusher's run ends: wait for the count. */
async function waitForReloads(n: string, count: number, timeoutMs = 20_000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  while (reloads(n).length < count && Date.now() < until) await sleep(100);
  return reloads(n);
}

test("an edit of a shared file on a non-lb node reaches all seven, and reloads nothing", async () => {
  writeFileSync(join(root("node5"), "hosts"), "127.0.0.1 localhost\n10.0.0.5 node5\n");
  const r = await run("node5", ["sync"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const n of NAMES) assert.equal(readFileSync(join(root(n), "hosts"), "utf8"), "127.0.0.1 localhost\n10.0.0.5 node5\n", n);
  for (const n of LB) assert.deepEqual(reloads(n), [], `${n}: hosts is not an nginx file`);
});

test("an nginx edit on an lb node reaches the lb nodes only; each reloads exactly once for the batch", async () => {
  mkdirSync(join(root("node2"), "nginx/sites"), { recursive: true });
  writeFileSync(join(root("node2"), "nginx/nginx.conf"), "worker_processes 4;\n");
  writeFileSync(join(root("node2"), "nginx/sites/default"), "server { listen 80; }\n");
  writeFileSync(join(root("node2"), "resolv.conf"), "nameserver 10.0.0.53\n");
  const r = await run("node2", ["sync"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const n of LB) {
    assert.deepEqual(snapshot(join(root(n), "nginx")), snapshot(join(root("node2"), "nginx")), n);
    const lines = await waitForReloads(n, 1);
    assert.equal(lines.length, 1, `${n} reloaded once: ${lines.join(" | ")}`);
    assert.match(lines[0]!, /nginx\.conf/);
    assert.match(lines[0]!, /sites\/default/);
  }
  for (const n of NAMES) assert.equal(readFileSync(join(root(n), "resolv.conf"), "utf8"), "nameserver 10.0.0.53\n", n);
  for (const n of NAMES.filter((x) => !LB.includes(x))) assert.ok(!existsSync(join(root(n), "nginx")), `${n} is not in lb`);
  // Nothing more happens later (no second batch anywhere).
  await sleep(1000);
  for (const n of LB) assert.equal(reloads(n).length, 1, n);
  const t = await run("node2", ["test"]);
  assert.equal(t.code, 2, t.stdout + t.stderr);
});

test("a later edit from another lb node converges the lb group and reloads once more each", async () => {
  writeFileSync(join(root("node3"), "nginx/nginx.conf"), "worker_processes 8;\n");
  const r = await run("node3", ["sync"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const n of LB) {
    assert.equal(readFileSync(join(root(n), "nginx/nginx.conf"), "utf8"), "worker_processes 8;\n", n);
    const lines = await waitForReloads(n, 2);
    assert.equal(lines.length, 2, `${n}: ${lines.join(" | ")}`);
    assert.doesNotMatch(lines[1]!, /sites\/default/, "only the changed file is in the batch");
  }
});

test("an nginx tree on a host outside lb goes nowhere", async () => {
  mkdirSync(join(root("node6"), "nginx"), { recursive: true });
  writeFileSync(join(root("node6"), "nginx/nginx.conf"), "# node6's own, not shared\n");
  const r = await run("node6", ["sync"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const n of LB) assert.equal(readFileSync(join(root(n), "nginx/nginx.conf"), "utf8"), "worker_processes 8;\n", n);
  for (const n of ["node4", "node5", "node7"]) assert.ok(!existsSync(join(root(n), "nginx")), n);
  const pending = await run("node6", ["list-pending"]);
  assert.equal(pending.code, 2, pending.stdout);
});

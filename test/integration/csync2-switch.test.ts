// A whole cluster switches from csync2 to peersync: three Debian csync2 daemons (`-ii`, each on
// its own loopback address 127.2.1.N, csync2 binds the node's own address) sync a tree with
// `csync2 -x` until nothing is dirty; csync2 stops; every node imports its own csync2 database;
// then peersync's first check finds nothing new, the first sync on every node offers nothing,
// and a later edit travels as usual.
//
// csync2 names the nodes by address (its HELLO must resolve to the socket's address, and
// 127.2.1.N resolves without /etc/hosts); peersync's config names them node1..node3. Both
// configs map the same %data% prefix, the name both indexes store.

import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { cleanup, freePort } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster } from "./sync-cluster.js";

const NAMES = ["node1", "node2", "node3"] as const;
const ADDRESS: Record<string, string> = { node1: "127.2.1.1", node2: "127.2.1.2", node3: "127.2.1.3" };
const T0 = 1_700_000_000; // whole seconds: csync2 sets mtimes to the second on the receivers

let c: Cluster;
let sys: string;
let port: number;
const daemons: ChildProcess[] = [];

function csync2Args(node: string, args: readonly string[]): string[] {
  return ["-C", "t", "-N", ADDRESS[node]!, "-D", join(sys, `db-${node}`), "-p", String(port), ...args];
}

function csync2(node: string, args: readonly string[]): { code: number | null; out: string } {
  const r = spawnSync("csync2", csync2Args(node, args), { cwd: sys, encoding: "utf8", env: { ...process.env, CSYNC2_SYSTEM_DIR: sys } });
  return { code: r.status, out: r.stdout + r.stderr };
}

async function stopCsync2(): Promise<void> {
  for (const d of daemons.splice(0)) {
    if (d.exitCode !== null || d.signalCode !== null) continue;
    const exited = new Promise((res) => d.once("exit", res));
    d.kill("SIGTERM");
    await exited;
  }
}

before(async () => {
  c = await makeCluster([...NAMES], { start: false });
  sys = join(c.dir, "csync2");
  mkdirSync(sys);
  port = await freePort();
  const key = /key (\S+);/.exec(readFileSync(c.configFile, "utf8"))![1]!;
  writeFileSync(join(sys, "csync2_t.cfg"), [
    "nossl * *;", // loopback only; csync2 would otherwise need its own certificates
    `prefix data { ${NAMES.map((n) => `on ${ADDRESS[n]}: ${c.nodes[n]!.root};`).join(" ")} }`,
    `group g { host ${NAMES.map((n) => ADDRESS[n]).join(" ")}; key ${key}; include %data%; auto younger; }`,
    "",
  ].join("\n"));
  for (const n of NAMES) {
    mkdirSync(join(sys, `db-${n}`));
    const d = spawn("csync2", csync2Args(n, ["-ii"]), { cwd: sys, env: { ...process.env, CSYNC2_SYSTEM_DIR: sys }, stdio: "ignore" });
    daemons.push(d);
  }
  await sleep(500);
});
after(async () => {
  await stopCsync2();
  await c?.stop();
  if (c) cleanup(c.dir);
});

function write(node: string, rel: string, text: string): void {
  const path = join(c.nodes[node]!.root, rel);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  utimesSync(path, T0, T0);
}

test("csync2 syncs the cluster first", () => {
  write("node1", "etc/hosts", "127.0.0.1 localhost\n");
  write("node1", "etc/nginx/nginx.conf", "worker_processes 4;\n");
  write("node2", "www/index.html", "<h1>hello</h1>\n");
  write("node3", "www/odd name:%.txt", "odd\n");
  for (let round = 0; round < 2; round++) {
    for (const n of NAMES) {
      const r = csync2(n, ["-x"]);
      assert.equal(r.code, 0, `csync2 -x on ${n}: ${r.out}`);
    }
  }
  for (const n of NAMES) assert.equal(csync2(n, ["-M"]).code, 2, `${n} has nothing dirty`);
  const want = snapshot(c.nodes.node1!.root);
  assert.ok(want["/www/odd name:%.txt"]);
  for (const n of NAMES) assert.deepEqual(snapshot(c.nodes[n]!.root), want, n);
});

test("after the switch, every node imports its csync2 database and the first sync sends nothing", async () => {
  await stopCsync2();
  for (const n of NAMES) {
    const node = c.nodes[n]!;
    const db = join(sys, `db-${n}`, `${ADDRESS[n]}_t.db3`);
    const r = await node.run(["import-csync2", "--db", db, "--json"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const s = JSON.parse(r.stdout);
    assert.deepEqual([s.inSync, s.pending, s.missing, s.problems.length], [s.rows, 0, 0, 0], `${n}: ${r.stdout}`);
  }
  await Promise.all(NAMES.map((n) => c.nodes[n]!.start()));
  for (const n of NAMES) {
    const r = await c.nodes[n]!.run(["sync", "--json"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(JSON.parse(r.stdout).offered, 0, `${n} offers nothing`);
  }
});

test("after the switch, an edit travels with peersync", async () => {
  write("node3", "etc/hosts", "127.0.0.1 localhost\n10.0.0.9 db\n");
  const r = await c.nodes.node3!.run(["sync", "--json"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const want = snapshot(c.nodes.node3!.root);
  for (const n of NAMES) assert.deepEqual(snapshot(c.nodes[n]!.root), want, n);
  assert.equal(readFileSync(join(c.nodes.node1!.root, "etc/hosts"), "utf8"), "127.0.0.1 localhost\n10.0.0.9 db\n");
});

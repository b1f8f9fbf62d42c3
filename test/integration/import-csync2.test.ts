// Switching a two-node cluster from csync2 to peersync: Debian's csync2 records the trees first
// (`csync2 -cIr`, as a cluster csync2 had in sync), each node runs `peersync import-csync2` on its
// own csync2 database, and then peersync's first check finds nothing new or modified, list-db
// prints what csync2 -L prints, and the first sync sends only what changed after csync2's last
// run (a file csync2 marked dirty, a file edited without csync2 -c).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster } from "./sync-cluster.js";

let c: Cluster;
let sys: string;
const T0 = 1_700_000_000;

before(async () => {
  c = await makeCluster(["node1", "node2"]);
  sys = join(c.dir, "csync2");
  mkdirSync(sys);
  const key = /key (\S+);/.exec(spawnSync("cat", [c.configFile], { encoding: "utf8" }).stdout)![1]!;
  // The same cluster described for csync2: the prefix maps each node's root, as peersync's does.
  writeFileSync(join(sys, "csync2_t.cfg"), [
    `prefix data { on node1: ${c.nodes.node1!.root}; on node2: ${c.nodes.node2!.root}; }`,
    `group g { host node1 node2; key ${key}; include %data%; }`,
    "",
  ].join("\n"));
  for (const n of Object.values(c.nodes)) {
    const r = n.root;
    mkdirSync(join(r, "etc/nginx"), { recursive: true });
    writeFileSync(join(r, "etc/hosts"), "127.0.0.1 localhost\n");
    writeFileSync(join(r, "etc/nginx/nginx.conf"), "worker_processes 4;\n");
    writeFileSync(join(r, "etc/odd name:%.txt"), "odd\n");
    writeFileSync(join(r, "dirty-in-csync2"), "v1\n");
    writeFileSync(join(r, "edited-later"), "v1\n");
    writeFileSync(join(r, "deleted-later"), "v1\n");
    for (const f of ["etc/hosts", "etc/nginx/nginx.conf", "etc/odd name:%.txt", "dirty-in-csync2", "edited-later", "deleted-later"]) {
      utimesSync(join(r, f), T0, T0);
    }
    csync2(n.name, ["-cIr", r]);
  }
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});

function csync2(node: string, args: string[]): string {
  mkdirSync(join(sys, `db-${node}`), { recursive: true });
  const r = spawnSync("csync2", ["-C", "t", "-N", node, "-D", join(sys, `db-${node}`), ...args], {
    cwd: sys, encoding: "utf8", env: { ...process.env, CSYNC2_SYSTEM_DIR: sys },
  });
  assert.ok(r.status === 0 || r.status === 2, `csync2 ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function dbOf(node: string): string {
  return join(sys, `db-${node}`, `${node}_t.db3`);
}

test("import-csync2 seeds the index so the first check finds nothing new, and list-db agrees with csync2 -L", async () => {
  const n = c.nodes.node2!;
  const r = await n.run(["import-csync2", "--db", dbOf("node2"), "--json"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const s = JSON.parse(r.stdout);
  // root, etc, etc/nginx and six files.
  assert.deepEqual([s.rows, s.inSync, s.pending, s.missing, s.notIncluded, s.problems.length], [9, 9, 0, 0, 0, 0]);
  const check = await n.run(["check", "--json"]);
  assert.equal(check.code, 0, check.stderr);
  const summary = JSON.parse(check.stdout);
  assert.deepEqual([summary.new, summary.modified, summary.deleted], [0, 0, 0]);
  const listed = await n.run(["list-db"]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, csync2("node2", ["-L"]));
  assert.equal((await n.run(["list-pending"])).code, 2, "nothing pending");
  const db = JSON.parse((await n.run(["list-db", "--json"])).stdout) as { vector: unknown }[];
  for (const e of db) assert.deepEqual(e.vector, { csync2: 1 });
});

test("a second import leaves the index alone", async () => {
  const r = await c.nodes.node2!.run(["import-csync2", "--db", dbOf("node2"), "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).alreadyIndexed, 9);
});

test("changes made after csync2's last sync stay pending and the first sync sends only those", async () => {
  const n = c.nodes.node1!;
  // csync2 saw this change (dirty rows for node2) but never sent it.
  writeFileSync(join(n.root, "dirty-in-csync2"), "v2 from node1\n");
  csync2("node1", ["-cr", join(n.root, "dirty-in-csync2")]);
  // These happened after csync2's last run.
  writeFileSync(join(n.root, "edited-later"), "v2, edited later\n");
  rmSync(join(n.root, "deleted-later"));
  const r = await n.run(["import-csync2", "--db", dbOf("node1"), "--json"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const s = JSON.parse(r.stdout);
  assert.deepEqual([s.rows, s.inSync, s.pending, s.missing], [9, 6, 2, 1]);
  const check = JSON.parse((await n.run(["check", "--json"])).stdout);
  assert.deepEqual([check.new, check.modified, check.deleted], [0, 0, 0]);
  const pending = await n.run(["list-pending"]);
  assert.equal(pending.code, 0);
  assert.deepEqual(pending.stdout.trim().split("\n").map((l) => l.replace(/^.*\t/, "").replace(/.*%data%/, "%data%")).sort(),
    ["%data%/dirty-in-csync2", "%data%/edited-later"]);
  const sync = await n.run(["sync", "--json"]);
  assert.equal(sync.code, 0, sync.stderr + sync.stdout);
  assert.equal(JSON.parse(sync.stdout).offered, 2, "only the two changes travel");
  // The deletion csync2 never saw is not replayed (man peersync(1), import-csync2): node2 keeps it.
  const want = snapshot(n.root);
  const got = snapshot(c.nodes.node2!.root);
  assert.ok(got["/deleted-later"]);
  delete got["/deleted-later"];
  assert.deepEqual(got, want);
});

test("import-csync2 without a database says where it looked", async () => {
  const r = await c.nodes.node1!.run(["import-csync2"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no csync2 database at "\/var\/lib\/csync2\/node1\.db3"/);
});

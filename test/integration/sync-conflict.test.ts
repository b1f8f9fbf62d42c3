// Concurrent edits between real daemons: `auto younger` converges both nodes on the younger
// version and keeps the loser in the losing node's backup directory; `auto none` leaves both
// versions, exits 3 and keeps the entry pending until `peersync force` picks a side; a delete
// concurrent with an edit is decided by the policy (younger: the edit survives).

import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster } from "./sync-cluster.js";

let younger: Cluster;
let none: Cluster;
before(async () => {
  [younger, none] = await Promise.all([makeCluster(["alpha", "beta", "gamma"], { extra: ["auto younger;"] }), makeCluster(["alpha", "beta"], { extra: ["auto none;"] })]);
});
after(async () => {
  for (const c of [younger, none]) {
    await c?.stop();
    if (c) cleanup(c.dir);
  }
});

function write(root: string, name: string, text: string, mtimeS?: number): void {
  writeFileSync(join(root, name), text);
  if (mtimeS !== undefined) utimesSync(join(root, name), mtimeS, mtimeS);
}

test("auto younger: one run converges all three nodes on the younger edit, the loser is in the losing node's backup dir", async () => {
  const { alpha, beta, gamma } = younger.nodes;
  write(alpha!.root, "conf", "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  write(alpha!.root, "conf", "alpha's edit (older)\n", 1_700_000_000);
  write(beta!.root, "conf", "beta's edit (younger)\n", 1_700_000_100);
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.equal(readFileSync(join(alpha!.root, "conf"), "utf8"), "beta's edit (younger)\n");
  assert.deepEqual(snapshot(alpha!.root), snapshot(beta!.root));
  assert.deepEqual(snapshot(gamma!.root), snapshot(beta!.root), "the third node gets the winner in the same run");
  const backup = join(alpha!.state, "backup", alpha!.root, "conf");
  assert.equal(readFileSync(backup, "utf8"), "alpha's edit (older)\n");
  assert.equal(existsSync(join(beta!.state, "backup", beta!.root, "conf")), false, "the winner keeps no backup");
});

test("auto younger: a delete concurrent with an edit loses to the edit", async () => {
  const { alpha, beta, gamma } = younger.nodes;
  write(alpha!.root, "shared", "first\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  rmSync(join(alpha!.root, "shared"));
  write(beta!.root, "shared", "edited on beta\n");
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.equal(readFileSync(join(alpha!.root, "shared"), "utf8"), "edited on beta\n");
  assert.deepEqual(snapshot(alpha!.root), snapshot(beta!.root));
  assert.deepEqual(snapshot(gamma!.root), snapshot(beta!.root));
});

test("auto none: both versions stay, exit 3, the entry stays pending; force on one side makes it win", async () => {
  const { alpha, beta } = none.nodes;
  write(alpha!.root, "conf", "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  write(alpha!.root, "conf", "alpha's\n");
  write(beta!.root, "conf", "beta's\n");
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 3, run.stderr + run.stdout);
  assert.match(run.stderr, /conflict: beta: %data%\/conf/);
  assert.equal(readFileSync(join(alpha!.root, "conf"), "utf8"), "alpha's\n");
  assert.equal(readFileSync(join(beta!.root, "conf"), "utf8"), "beta's\n");
  const listed = await alpha!.run(["list-pending"]);
  assert.match(listed.stdout, /alpha\tbeta\t%data%\/conf/);
  assert.equal((await alpha!.run(["sync"])).code, 3, "still a conflict on the next run");

  const forced = await alpha!.run(["force", join(alpha!.root, "conf")]);
  assert.equal(forced.code, 0, forced.stderr);
  const again = await alpha!.run(["sync"]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.equal(readFileSync(join(beta!.root, "conf"), "utf8"), "alpha's\n");
  assert.equal(readFileSync(join(beta!.state, "backup", beta!.root, "conf"), "utf8"), "beta's\n");
  assert.deepEqual(snapshot(alpha!.root), snapshot(beta!.root));
});

// Scenario (DESIGN.md §1): a sysadmin edits a file on a receive-only node. `peersync test`
// shows it, `peersync status` counts it as drift, and the group's next version backs it up
// before replacing it. Later, a path an `exclude` now covers is deleted on a writable node:
// the deletion goes nowhere.

import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { snapshot, type Cluster } from "../integration/sync-cluster.js";
import { makeScenarioCluster } from "./cluster.js";

let c: Cluster;
let backups: string;
before(async () => {
  const { tempDir } = await import("../helpers/daemon.js");
  backups = tempDir("drift-backups");
  c = await makeScenarioCluster(["main", "ro"], { receiveOnly: ["ro"], extra: [`backup-directory ${backups};`, "backup-generations 2;"] });
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir, backups);
});

const LOGICAL = "%data%/etc/app.conf";

test("a receive-only node's local edit: test shows it, status counts it, the next version backs it up", async () => {
  const main = c.nodes.main!;
  const ro = c.nodes.ro!;
  mkdirSync(join(main.root, "etc"));
  writeFileSync(join(main.root, "etc/app.conf"), "listen 80\n");
  writeFileSync(join(main.root, "etc/keep.conf"), "keep me\n");
  const first = await main.run(["sync"]);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.deepEqual(snapshot(ro.root), snapshot(main.root));

  const inSync = await main.run(["test"]);
  assert.equal(inSync.code, 2, `in sync: exit 2\n${inSync.stdout}${inSync.stderr}`);
  assert.equal(inSync.stdout, "");

  writeFileSync(join(ro.root, "etc/app.conf"), "listen 8080 # hand edit\n");
  const drift = await main.run(["test", "--diff"]);
  assert.equal(drift.code, 0, `differences: exit 0\n${drift.stdout}${drift.stderr}`);
  const lines = drift.stdout.split("\n");
  assert.equal(lines[0], `X\tmain\tro\t${LOGICAL}`);
  assert.ok(lines.includes(`--- ro:${LOGICAL}`) && lines.includes(`+++ main:${LOGICAL}`), drift.stdout);
  assert.ok(lines.includes("-listen 8080 # hand edit") && lines.includes("+listen 80"), drift.stdout);
  // The same from the receive-only side, csync2 style (MYNAME PEER), and for one path only.
  const fromRo = await ro.run(["-T", "ro", "main"]);
  assert.equal(fromRo.code, 0, fromRo.stderr);
  assert.equal(fromRo.stdout.trim(), `X\tro\tmain\t${LOGICAL}`);
  const onePath = await main.run(["test", "ro", join(main.root, "etc/keep.conf")]);
  assert.equal(onePath.code, 2, onePath.stdout + onePath.stderr);

  const status = await ro.run(["status"]);
  assert.match(status.stdout, /receive-only\): pending 0, conflicts \S+, drift 1/, status.stdout + status.stderr);

  writeFileSync(join(main.root, "etc/app.conf"), "listen 80\nworkers 4\n");
  const push = await main.run(["sync"]);
  assert.equal(push.code, 0, push.stderr + push.stdout);
  assert.equal(readFileSync(join(ro.root, "etc/app.conf"), "utf8"), "listen 80\nworkers 4\n");
  const backup = join(backups, ro.root, "etc/app.conf");
  assert.equal(readFileSync(backup, "utf8"), "listen 8080 # hand edit\n", "the hand edit was backed up first");
  const after = await main.run(["test"]);
  assert.equal(after.code, 2, after.stdout + after.stderr);
});

test("deleting a file an exclude now covers deletes nothing on peers", async () => {
  const main = c.nodes.main!;
  const ro = c.nodes.ro!;
  const text = readFileSync(c.configFile, "utf8");
  writeFileSync(c.configFile, text.replace("  include %data%;\n", "  include %data%;\n  exclude %data%/etc/keep.conf;\n"));
  await Promise.all([main.stop(), ro.stop()]);
  await Promise.all([main.start(), ro.start()]);
  rmSync(join(main.root, "etc/keep.conf"));
  const run = await main.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.ok(existsSync(join(ro.root, "etc/keep.conf")), "the excluded file stays on the peer");
  assert.equal(readFileSync(join(ro.root, "etc/keep.conf"), "utf8"), "keep me\n");
  const pending = await main.run(["list-pending"]);
  assert.equal(pending.code, 2, pending.stdout);
  const t = await main.run(["test"]);
  assert.equal(t.code, 2, `excluded paths are not compared\n${t.stdout}${t.stderr}`);
});

// Growing and shrinking a group driven by cron (`watch no`, csync2's way): a host added to the
// config gets the whole tree from the next `peersync sync` of a node that has it, not only the
// files that change afterwards; a host removed from it stops being owed anything.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster } from "./sync-cluster.js";

let c: Cluster;
let full: string;
before(async () => {
  c = await makeCluster(["alpha", "beta", "gamma"]);
  full = readFileSync(c.configFile, "utf8");
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});

/** The cluster's config with gamma's host word left out of the group (its prefix line stays). */
function withoutGamma(): string {
  return full.replace(/ gamma@\S+?(?=[ ;])/, "");
}

test("a host added to a watch-no group gets the whole tree on the next sync", async () => {
  const a = c.nodes.alpha!;
  writeFileSync(c.configFile, withoutGamma());
  mkdirSync(join(a.root, "etc"));
  writeFileSync(join(a.root, "etc/app.conf"), "conf\n");
  writeFileSync(join(a.root, "index.html"), "hello\n");
  const first = await a.run(["sync"]);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.deepEqual(snapshot(c.nodes.beta!.root), snapshot(a.root));

  writeFileSync(c.configFile, full); // gamma joins the group
  const second = await a.run(["sync", "--json"]);
  assert.equal(second.code, 0, second.stderr + second.stdout);
  assert.deepEqual(snapshot(c.nodes.gamma!.root), snapshot(a.root), "gamma got the files that did not change since it joined");
  const again = await a.run(["sync", "--json"]);
  assert.equal(JSON.parse(again.stdout).offered, 0, "and only once");
});

test("a host removed from the group loses its pending entries at the next sync", async () => {
  const a = c.nodes.alpha!;
  await c.nodes.gamma!.stop();
  writeFileSync(join(a.root, "late.txt"), "late\n");
  const down = await a.run(["sync"]);
  assert.equal(down.code, 4, "gamma is down: its entry stays pending");
  writeFileSync(c.configFile, withoutGamma());
  const run = await a.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const pending = await a.run(["list-pending"]);
  assert.equal(pending.code, 2, `nothing pending for the removed host: ${pending.stdout}`);
});

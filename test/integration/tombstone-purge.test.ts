// Tombstones are forgotten only when every peer acknowledged the deletion AND the retention
// passed (DESIGN.md §4, issue 7 item 3). The clock is injected (runUpdate's `now`), never slept
// on: a node that was away longer than the retention still learns of the deletion instead of
// resurrecting the file, and once everyone knows, the tombstone goes.

import assert from "node:assert/strict";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster, type ClusterNode } from "./sync-cluster.js";
import { tombstoneOf, updateLater } from "./tombstone-clock.js";

let c: Cluster | undefined;
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});


test("a deletion is remembered past the retention while a peer has not acknowledged it; forgotten once all did and the retention passed", async () => {
  c = await makeCluster(["alpha", "beta", "gamma"], { extra: ["tombstone-retention 7d;"] });
  const { alpha, beta, gamma } = c.nodes;
  writeFileSync(join(alpha!.root, "gone"), "deleted while gamma is away\n");
  // Not the root's only file: a check stops at a root it finds empty (an unmounted disk?).
  writeFileSync(join(alpha!.root, "stays"), "kept\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  await gamma!.stop();
  rmSync(join(alpha!.root, "gone"));
  assert.equal((await alpha!.run(["sync"])).code, 4, "gamma is unreachable");

  // A month later (4 × the retention) gamma still has not acknowledged: the tombstone stays.
  await updateLater(alpha!, c.configFile, 30);
  assert.equal(tombstoneOf(alpha!, "gone"), "tombstone");
  // Not yet past the retention on beta, which every peer of its own acknowledged: kept too.
  await updateLater(beta!, c.configFile, 6);
  assert.equal(tombstoneOf(beta!, "gone"), "tombstone");

  // gamma returns with the file: it is deleted there, not resurrected anywhere.
  await gamma!.start();
  for (const node of [gamma!, alpha!, beta!, gamma!]) {
    const r = await node.run(["sync"]);
    assert.equal(r.code, 0, `${node.name}: ${r.stderr}${r.stdout}`);
  }
  for (const node of [alpha!, beta!, gamma!]) assert.equal(existsSync(join(node.root, "gone")), false, `${node.name} has no "gone"`);
  assert.deepEqual(snapshot(gamma!.root), snapshot(alpha!.root));

  // Everyone acknowledged: within the retention it is kept, after it it is forgotten.
  await updateLater(alpha!, c.configFile, 6);
  assert.equal(tombstoneOf(alpha!, "gone"), "tombstone");
  await updateLater(alpha!, c.configFile, 8);
  assert.equal(tombstoneOf(alpha!, "gone"), "forgotten");
});

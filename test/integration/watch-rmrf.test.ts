// Continuous mode on both nodes: `rm -rf` of a nested tree reaches the peer as a deletion of
// the whole tree. The watcher reports it as several paths; a check of the vanished top
// directory alone once recorded its deletion while its children stayed live, the push offered
// the directory's deletion first, the peer kept the directory (it still held entries) and
// that came back, empty, to every node (exploratory run: 4 of 4 tries).

import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { sleep, waitFor } from "../helpers/watch.js";
import { makeCluster, type Cluster } from "./sync-cluster.js";

let c: Cluster;
before(async () => {
  c = await makeCluster(["alpha", "beta"], { watch: true });
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});

test("continuous: rm -rf of a nested directory is deleted on the peer and stays deleted on both", { timeout: 60_000 }, async () => {
  const { alpha, beta } = c.nodes;
  // Not the root's only entry: a check stops at a root it finds empty (an unmounted disk?).
  writeFileSync(join(alpha!.root, "keep"), "keep\n");
  mkdirSync(join(alpha!.root, "nest/a/b"), { recursive: true });
  for (const f of ["nest/f1", "nest/f2", "nest/a/g", "nest/a/b/h1", "nest/a/b/h2"]) writeFileSync(join(alpha!.root, f), `${f}\n`);
  assert.ok(await waitFor(() => existsSync(join(beta!.root, "nest/a/b/h2")), 15_000), "the tree reached beta");
  await sleep(1_500); // every watcher event of the creation handled
  rmSync(join(alpha!.root, "nest"), { recursive: true });
  const logs = () => ["alpha", "beta"].map((n) => `${n}:\n${c.nodes[n]!.daemon!.logText().split("\n").filter((l) => /nest|check|warn|error/.test(l)).slice(-25).join("\n")}`).join("\n");
  assert.ok(await waitFor(() => !existsSync(join(beta!.root, "nest")), 15_000), `beta deleted the tree\n${logs()}`);
  // A directory kept on beta would travel back to alpha within a debounce or two.
  await sleep(4_000);
  assert.equal(existsSync(join(beta!.root, "nest")), false, "still gone on beta");
  assert.equal(existsSync(join(alpha!.root, "nest")), false, "not resurrected on alpha");
});

test("continuous: a root emptied on one node stops its checks, deletes nothing on the peer, and status says so", { timeout: 60_000 }, async () => {
  const { alpha, beta } = c.nodes;
  assert.ok(existsSync(join(beta!.root, "keep")), "the previous test's kept file reached beta");
  rmSync(join(alpha!.root, "keep")); // the root's last entry: it looks like an unmounted disk now
  let status = "";
  const shown = await waitFor(() => /^ {2}SAFETY STOP at the last check, \d+ s ago: %data%: Cannot check root: it vanished or holds none of the files the index knows there/m.test(status), 15_000, async () => {
    status = (await alpha!.run(["status", "--no-probe"])).stdout;
  });
  assert.ok(shown, status);
  assert.equal(existsSync(join(beta!.root, "keep")), true, "nothing deleted on the peer");
});

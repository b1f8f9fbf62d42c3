// A big file's delta made by several librsync jobs and spliced into one stream
// (src/delta/parallel-delta.ts) reaches a real daemon intact: edits in every range, a file that
// grew, and one job as the control.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster } from "./sync-cluster.js";

const SIZE = 80 << 20; // three ranges of at least 32 MiB would need 96: 80 MiB makes two
let c: Cluster;
before(async () => {
  c = await makeCluster(["alpha", "beta"]);
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});

async function syncWith(jobs: number): Promise<void> {
  const run = await c.nodes.alpha!.run(["sync"], { PEERSYNC_DELTA_JOBS: String(jobs) });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.deepEqual(snapshot(c.nodes.beta!.root), snapshot(c.nodes.alpha!.root));
}

test("a big file's delta from several jobs, then from one, patches to the same bytes", async () => {
  const big = join(c.nodes.alpha!.root, "disk.img");
  writeFileSync(big, randomBytes(SIZE));
  await syncWith(4);
  const bytes = readFileSync(big);
  for (const at of [0, SIZE / 2 - 3, SIZE / 2 + 5, SIZE - 100]) bytes.write("edited here", at); // one edit across the cut
  writeFileSync(big, Buffer.concat([bytes, randomBytes(12345)]));
  await syncWith(4);
  const again = readFileSync(big);
  again.write("and once more with one job", Math.floor(SIZE / 3));
  writeFileSync(big, again);
  await syncWith(1);
});

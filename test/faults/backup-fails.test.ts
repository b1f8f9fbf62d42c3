// A conflict's loser whose backup cannot be made must stay where it is, however often the sync
// runs. The peer that won records a vector covering the loser as it answers (it decided), so
// once the loser's own backup had failed, the next offer of the same version was answered
// "keep-local" (merely older) and the take-back replaced it without a backup: the version was
// gone, in the same run (the early push offered it, then the update again). Found by filling
// the backup directory's filesystem; here the backup directory lies below a regular file, so
// every backup fails with ENOTDIR, until the file is removed.

import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, tempDir } from "../helpers/daemon.js";
import { makeCluster, type Cluster } from "../integration/sync-cluster.js";

const outside = tempDir("backup-fails");
const blocker = join(outside, "not-a-dir");
const backupDir = join(blocker, "bk");
let cluster: Cluster | undefined;
after(async () => {
  await cluster?.stop();
  if (cluster) cleanup(cluster.dir);
  cleanup(outside);
});

type Node = Cluster["nodes"][string];

function edit(node: Node, text: string, ageS: number): void {
  const file = join(node.root, "f.conf");
  writeFileSync(file, text);
  const t = Date.now() / 1000 - ageS;
  utimesSync(file, t, t);
}

test("a conflict's loser whose backup fails is kept, run after run, and backed up once the backup directory works", { timeout: 120_000 }, async () => {
  cluster = await makeCluster(["a", "b"], { extra: ["auto younger;", `backup-directory ${backupDir};`] });
  const { a, b } = cluster.nodes as Record<string, Node>;
  edit(a!, "base\n", 300);
  assert.equal((await a!.run(["sync"])).code, 0);

  edit(a!, "a's edit, the older one\n", 100);
  edit(b!, "b's edit, the younger one\n", 10);
  writeFileSync(blocker, "backups cannot go below a regular file\n");
  for (const run of [1, 2]) {
    const r = await a!.run(["sync"]);
    assert.equal(r.code, 1, `run ${run}: ${r.stderr}`);
    assert.match(r.stderr, /Cannot back up .*f\.conf/, `run ${run}`);
    assert.equal(readFileSync(join(a!.root, "f.conf"), "utf8"), "a's edit, the older one\n", `run ${run}: the loser is still here`);
  }

  rmSync(blocker);
  const r = await a!.run(["sync"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(a!.root, "f.conf"), "utf8"), "b's edit, the younger one\n");
  assert.equal(readFileSync(join(b!.root, "f.conf"), "utf8"), "b's edit, the younger one\n");
  const kept = join(backupDir, a!.root, "f.conf");
  assert.ok(existsSync(kept), `the loser is in ${kept}`);
  assert.equal(readFileSync(kept, "utf8"), "a's edit, the older one\n");
});

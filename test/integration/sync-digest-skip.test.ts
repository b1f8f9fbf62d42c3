// The check's directory digests (index/dir-digests.ts) between real nodes: a directory the
// receiving daemon writes into must not be skipped by that node's next check. Before the insert
// trigger (migrations/80-dir-digests-on-insert.sql), a file received and then removed there
// left the directory as its digest saw it: the check skipped it and the deletion never left
// the node, so the file stayed on every other node.

import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster } from "./sync-cluster.js";

let c: Cluster;
before(async () => {
  c = await makeCluster(["alpha", "beta"]);
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});

async function ok(node: string, args: readonly string[]): Promise<string> {
  const run = await c.nodes[node]!.run(args);
  assert.equal(run.code, 0, `${node} ${args.join(" ")}: ${run.stderr}${run.stdout}`);
  return run.stdout;
}

test("a received file removed before the receiver's next check is deleted everywhere", async () => {
  const a = c.nodes.alpha!;
  const b = c.nodes.beta!;
  mkdirSync(join(a.root, "d"));
  writeFileSync(join(a.root, "d/keep"), "kept\n");
  await ok("alpha", ["sync"]);
  await ok("beta", ["check"]); // beta stores d's digest: {keep}
  writeFileSync(join(a.root, "d/sent"), "sent\n");
  await ok("alpha", ["sync"]); // beta's daemon writes d/sent and inserts its row
  assert.ok(existsSync(join(b.root, "d/sent")));
  rmSync(join(b.root, "d/sent")); // d holds {keep} again, as its digest saw it
  await ok("beta", ["sync"]);
  assert.equal(existsSync(join(a.root, "d/sent")), false, "beta's deletion reached alpha");
  assert.deepEqual(snapshot(a.root), snapshot(b.root));
});

test("one changed file among many in a directory: only it travels, and the next run is quiet", async () => {
  const a = c.nodes.alpha!;
  const b = c.nodes.beta!;
  mkdirSync(join(a.root, "many"));
  for (let i = 0; i < 50; i++) writeFileSync(join(a.root, `many/f${i}`), `file ${i}\n`);
  await ok("alpha", ["sync"]);
  await ok("alpha", ["check"]); // a look at "many" after the sync stored its children
  appendFileSync(join(a.root, "many/f17"), "edited\n");
  const run = JSON.parse(await ok("alpha", ["sync", "--json"]));
  assert.equal(run.applied, 1, JSON.stringify(run));
  const many = (root: string) => Object.entries(snapshot(root)).filter(([path]) => path.startsWith("/many"));
  assert.deepEqual(many(b.root), many(a.root));
  assert.equal(JSON.parse(await ok("alpha", ["sync", "--json"])).offered, 0);
});

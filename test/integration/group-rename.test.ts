// A group renamed in the config of every node (`group g` → `group web`) keeps its history
// (index/group-carry.ts): the daemons carry the rows over at the reload and the sync run's
// check before it records anything, so the next edit goes out as an edit, not as a false
// conflict with every file sent again.

import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster, type ClusterNode } from "./sync-cluster.js";

const clusters: Cluster[] = [];
after(async () => {
  for (const c of clusters) {
    await c.stop();
    cleanup(c.dir);
  }
});

const at = (node: ClusterNode, name: string): string => join(node.root, name);

function renameGroup(c: Cluster, to: string): void {
  writeFileSync(c.configFile, readFileSync(c.configFile, "utf8").replace(/^group g \{/m, `group ${to} {`));
}

async function reload(node: ClusterNode): Promise<Record<string, unknown>[]> {
  const from = node.daemon!.mark();
  node.daemon!.signal("SIGHUP");
  await node.daemon!.waitForLog((r) => r.msg === "config reloaded", 10_000, from);
  return node.daemon!.logsSince(from);
}

test("renamed on every node, a group's next edit is sent as an edit: no conflict, one file sent, no backup", async () => {
  const c = await makeCluster(["alpha", "beta"]);
  clusters.push(c);
  const alpha = c.nodes["alpha"]!;
  const beta = c.nodes["beta"]!;
  for (const name of ["conf", "other", "third", "doomed"]) writeFileSync(at(alpha, name), `${name} v1\n`);
  assert.equal((await alpha.run(["sync"])).code, 0);
  rmSync(at(alpha, "doomed"));
  assert.equal((await alpha.run(["sync"])).code, 0);
  assert.equal(existsSync(at(beta, "doomed")), false);

  renameGroup(c, "web");
  const logs = await reload(beta);
  assert.ok(logs.some((r) => /group "g" is no longer in the config: 5 entries carried over to group "web"/.test(String(r.msg))),
    "the reload carries beta's rows (the root, three files and doomed's tombstone) before a push arrives");
  await reload(alpha);

  writeFileSync(at(alpha, "conf"), "conf v2\n");
  const r = await alpha.run(["sync"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /1 applied there, 1 sent with content/, "only the edit travels");
  assert.doesNotMatch(r.stderr, /conflict/);
  assert.equal(readFileSync(at(beta, "conf"), "utf8"), "conf v2\n");
  assert.equal(existsSync(join(beta.state, "backup")), false, "nothing was a conflict, nothing backed up");

  writeFileSync(at(beta, "other"), "other v2, from beta\n");
  const back = await beta.run(["sync"]);
  assert.equal(back.code, 0, back.stderr + back.stdout);
  assert.equal(readFileSync(at(alpha, "other"), "utf8"), "other v2, from beta\n");
  assert.equal(existsSync(at(alpha, "doomed")), false, "the deletion stays a deletion");
  assert.deepEqual(snapshot(alpha.root), snapshot(beta.root));
});

/** A node (no daemons) that recorded one file under group "g", then saw the group renamed. */
async function checkedThenRenamed(to: string): Promise<ClusterNode> {
  const c = await makeCluster(["alpha", "beta"], { start: false });
  clusters.push(c);
  const alpha = c.nodes["alpha"]!;
  writeFileSync(at(alpha, "conf"), "v1\n");
  assert.equal((await alpha.run(["check"])).code, 0);
  renameGroup(c, to);
  return alpha;
}

test("a check run whose config renamed the group says what it carried over", async () => {
  const alpha = await checkedThenRenamed("www");
  const r = await alpha.run(["check"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /group "g" is no longer in the config: 2 entries carried over to group "www" with their version history/);
  assert.match(r.stdout, /0 new, 0 modified, 0 deleted/);
  const json = await alpha.run(["check", "--json"]);
  assert.deepEqual(JSON.parse(json.stdout).carried, [], "once: the rows are already there");
});

test("prune after a rename keeps the renamed group's entries: they are carried over, not removed", async () => {
  const alpha = await checkedThenRenamed("www");
  const r = await alpha.run(["prune"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /group "g" is no longer in the config: 2 entries carried over to group "www"/);
  assert.match(r.stdout, /^prune: removed 0 entries/);
  const check = await alpha.run(["check"]);
  assert.match(check.stdout, /0 new, 0 modified, 0 deleted/);
});

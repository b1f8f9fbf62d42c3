// A node whose index was lost and rebuilt, as the damaged-index hint says (move index.db aside,
// check again): its index has forgotten the version counters it gave out, and its peers hold
// them. A write made there meanwhile must not read as "behind" the peers and be overwritten
// without a backup (it was, before core/lost-history.ts): it is a conflict the
// group's policy settles, with the loser in a backup; what only the peers changed still wins.

import assert from "node:assert/strict";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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

async function youngerPair(): Promise<Cluster["nodes"]> {
  const c = await makeCluster(["alpha", "beta"], { extra: ["auto younger;"] });
  clusters.push(c);
  return c.nodes;
}

const at = (node: ClusterNode | undefined, name: string): string => join(node!.root, name);

/** What the damaged-index hint asks for: mv index.db index.db.damaged (with its WAL files). */
function moveIndexAside(state: string): void {
  for (const s of ["", "-wal", "-shm"]) {
    if (existsSync(join(state, `index.db${s}`))) renameSync(join(state, `index.db${s}`), join(state, `index.db.damaged${s}`));
  }
}

test("after its index is rebuilt, a node's edit wins by the policy with the peer's copy backed up, and the peer's own edits still arrive", async () => {
  const { alpha, beta } = await youngerPair();
  // alpha writes conf three times (its counter reaches 3 on both nodes) and two other files.
  writeFileSync(at(alpha, "untouched"), "same everywhere\n");
  writeFileSync(at(alpha, "theirs"), "alpha's first\n");
  writeFileSync(at(alpha, "once"), "alpha wrote this once\n");
  for (const v of ["one", "two", "three"]) {
    writeFileSync(at(alpha, "conf"), `${v}\n`);
    const r = await alpha!.run(["sync"]);
    assert.equal(r.code, 0, r.stderr);
  }
  // beta changes "once" and alpha gets it: alpha had given out only its first version of it.
  writeFileSync(at(beta, "once"), "beta's edit of once\n");
  assert.equal((await beta!.run(["sync"])).code, 0);
  assert.equal(readFileSync(at(alpha, "once"), "utf8"), "beta's edit of once\n");
  // beta changes "theirs"; alpha is down and never hears of it before its index is lost.
  await alpha!.stop();
  writeFileSync(at(beta, "theirs"), "beta's edit\n");
  assert.equal((await beta!.run(["check"])).code, 0);

  moveIndexAside(alpha!.state);
  writeFileSync(at(alpha, "conf"), "written after the index was lost\n");
  writeFileSync(at(alpha, "once"), "alpha's write after the loss\n");
  await alpha!.start();
  const r = await alpha!.run(["sync"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);

  assert.equal(readFileSync(at(alpha, "conf"), "utf8"), "written after the index was lost\n", "alpha's write survives");
  assert.equal(readFileSync(at(beta, "conf"), "utf8"), "written after the index was lost\n", "and reaches beta as the younger version");
  assert.equal(readFileSync(join(beta!.state, "backup", beta!.root, "conf"), "utf8"), "three\n", "beta's copy lost the conflict and is kept");
  assert.equal(readFileSync(at(alpha, "theirs"), "utf8"), "beta's edit\n", "beta's own edit still wins on alpha");
  // "once": alpha's write restarted at the very counter beta saw, so it reads as behind and
  // beta's copy wins, but alpha's write is kept in alpha's backup and named as lost.
  assert.equal(readFileSync(at(alpha, "once"), "utf8"), "beta's edit of once\n");
  assert.equal(readFileSync(join(alpha!.state, "backup", alpha!.root, "once"), "utf8"), "alpha's write after the loss\n");
  assert.match(r.stderr + r.stdout, /first version replaced \(a rebuilt index\?\)/);
  assert.deepEqual(snapshot(alpha!.root), snapshot(beta!.root));
  assert.equal(existsSync(join(alpha!.state, "backup", alpha!.root, "untouched")), false, "files the same on both sides are no conflict");
  assert.equal(existsSync(join(beta!.state, "backup", beta!.root, "untouched")), false);
});

test("after its index is rebuilt, a node's write to a file it had written once is backed up when a peer's newer version arrives first", async () => {
  const { alpha, beta } = await youngerPair();
  writeFileSync(at(alpha, "once"), "alpha wrote this once\n");
  writeFileSync(at(alpha, "plain"), "never touched again\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  writeFileSync(at(beta, "once"), "beta's first edit\n");
  assert.equal((await beta!.run(["sync"])).code, 0);

  await alpha!.stop();
  moveIndexAside(alpha!.state);
  writeFileSync(at(alpha, "once"), "alpha's write after the loss\n");
  assert.equal((await alpha!.run(["check"])).code, 0, "the rebuild the hint asks for");
  await alpha!.start();

  // beta's next change of that file reaches alpha before alpha syncs.
  writeFileSync(at(beta, "once"), "beta's second edit\n");
  const r = await beta!.run(["sync"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(readFileSync(at(alpha, "once"), "utf8"), "beta's second edit\n", "the peer's newer version is taken");
  assert.equal(readFileSync(join(alpha!.state, "backup", alpha!.root, "once"), "utf8"), "alpha's write after the loss\n", "alpha's write is kept");
  const status = await alpha!.run(["status"]);
  assert.match(status.stdout, /first version replaced \(a rebuilt index\?\)/, status.stdout);

  // A file written once and acknowledged is replaced by a peer's edit without a spare copy.
  writeFileSync(at(beta, "plain"), "beta edits it\n");
  assert.equal((await beta!.run(["sync"])).code, 0);
  const sync = await alpha!.run(["sync"]);
  assert.equal(sync.code, 0, sync.stderr);
  writeFileSync(at(alpha, "fresh"), "new on alpha\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  writeFileSync(at(beta, "fresh"), "beta edits alpha's new file\n");
  assert.equal((await beta!.run(["sync"])).code, 0);
  assert.equal(readFileSync(at(alpha, "fresh"), "utf8"), "beta edits alpha's new file\n");
  assert.equal(existsSync(join(alpha!.state, "backup", alpha!.root, "fresh")), false, "an acknowledged first version is no loss");
  assert.deepEqual(snapshot(alpha!.root), snapshot(beta!.root));
});

test("under auto none an edit on a rebuilt node is a conflict, both kept; force settles it and later edits flow", async () => {
  const c = await makeCluster(["alpha", "beta"]);
  clusters.push(c);
  const { alpha, beta } = c.nodes;
  for (const v of ["v1", "v2", "v3"]) {
    writeFileSync(at(alpha, "f1"), `${v}\n`);
    assert.equal((await alpha!.run(["sync"])).code, 0);
  }
  writeFileSync(at(beta, "f1"), "edited on beta\n");
  assert.equal((await beta!.run(["sync"])).code, 0);

  await alpha!.stop();
  moveIndexAside(alpha!.state);
  await alpha!.start();
  assert.equal((await alpha!.run(["check"])).code, 0);
  writeFileSync(at(alpha, "f1"), "edited on alpha after the rebuild\n");
  const r = await alpha!.run(["sync"]);
  assert.equal(r.code, 3, `a conflict is left, not a silent take-back:\n${r.stderr}${r.stdout}`);
  assert.match(r.stderr, /^conflict: beta: %data%\/f1: both versions kept/m);
  assert.equal(readFileSync(at(alpha, "f1"), "utf8"), "edited on alpha after the rebuild\n");
  assert.equal(readFileSync(at(beta, "f1"), "utf8"), "edited on beta\n");

  assert.equal((await alpha!.run(["force", at(alpha, "f1")])).code, 0);
  const forced = await alpha!.run(["sync"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(snapshot(beta!.root), snapshot(alpha!.root));
  writeFileSync(at(alpha, "f1"), "next\n");
  const next = await alpha!.run(["sync"]);
  assert.equal(next.code, 0, next.stderr);
  assert.equal(readFileSync(at(beta, "f1"), "utf8"), "next\n", "the history goes on from the settled version");
});

test("with three nodes, the version a rebuilt node's write beat is not taken for a rival at the third", async () => {
  const c = await makeCluster(["alpha", "beta", "gamma"], { extra: ["auto younger;"] });
  clusters.push(c);
  const { alpha, beta, gamma } = c.nodes;
  for (const v of ["v1", "v2", "v3"]) {
    writeFileSync(at(alpha, "conf"), `${v}\n`);
    assert.equal((await alpha!.run(["sync"])).code, 0);
  }
  await alpha!.stop();
  moveIndexAside(alpha!.state);
  writeFileSync(at(alpha, "conf"), "written after the index was lost\n");
  await alpha!.start();
  // Only beta hears of it first; then beta passes it on to gamma, which still holds v3.
  const r = await alpha!.run(["-P", "beta", "sync"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(at(beta, "conf"), "utf8"), "written after the index was lost\n");
  const b = await beta!.run(["mark", at(beta, "conf")]);
  assert.equal(b.code, 0, b.stderr);
  const relay = await beta!.run(["sync"]);
  assert.equal(relay.code, 0, relay.stderr);
  assert.equal(readFileSync(at(gamma, "conf"), "utf8"), "written after the index was lost\n");
  assert.equal(existsSync(join(gamma!.state, "backup", gamma!.root, "conf")), false, "v3 at gamma is simply older: no conflict there");
});

// Pushing while the check goes on (sync/early-push.ts), on real daemons. PEERSYNC_CHECK_BATCH=2
// makes the check commit every two entries, so a tree of a few dozen entries goes out in many
// early lots instead of needing thousands of files. What must hold: the peer ends with the same
// tree as with the push after the check (PEERSYNC_EARLY_PUSH=0), its action runs once for the
// whole run, max-delete still stops every deletion, and a peer that had rows pending before the
// run gets nothing early.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster, type ClusterNode } from "./sync-cluster.js";

const EARLY = { PEERSYNC_CHECK_BATCH: "2" };
const WENT_EARLY = /b: (\d+) entr(?:y|ies) went while the check went on/;

let c: Cluster;
let actionLog: string;
before(async () => {
  const work = join(process.env.TMPDIR ?? "/tmp", `peersync-early-${process.pid}`);
  mkdirSync(work, { recursive: true });
  actionLog = join(work, "runs.log");
  c = await makeCluster(["a", "b"], {
    extra: [
      "max-delete 10;",
      `action { pattern %data%/*; exec "echo run >> ${actionLog}"; }`,
      `action { pattern %data%/*/fails/*; exec "exit 3"; }`,
    ],
  });
});
after(async () => {
  await c.stop();
  cleanup(c.dir, join(actionLog, ".."));
});

function tree(node: ClusterNode, dir: string, files: number): void {
  for (let d = 0; d < 3; d++) {
    mkdirSync(join(node.root, dir, `d${d}`, "deep"), { recursive: true });
    for (let f = 0; f < files; f++) writeFileSync(join(node.root, dir, `d${d}`, f % 2 ? "deep" : "", `f${f}`), `${dir} ${d} ${f}\n`.repeat(f + 1));
  }
}

function nodes(): { a: ClusterNode; b: ClusterNode } {
  return { a: c.nodes["a"]!, b: c.nodes["b"]! };
}

function actionRuns(): number {
  return existsSync(actionLog) ? readFileSync(actionLog, "utf8").split("\n").filter(Boolean).length : 0;
}

test("a sync that pushes while its check goes on leaves the peer the same tree and counts it all; actions run once, a failure is reported", async () => {
  const { a, b } = nodes();
  tree(a, "one", 10);
  mkdirSync(join(a.root, "one", "empty"));
  mkdirSync(join(a.root, "one", "fails"));
  writeFileSync(join(a.root, "one", "fails", "x"), "x");
  symlinkSync("d0/f1", join(a.root, "one", "link"));
  const runs = actionRuns();
  const r = await a.run(["sync", "-v", "--json"], EARLY);
  assert.equal(r.code, 7, `the failing action is reported (exit 7): ${r.stderr}`);
  const early = Number(WENT_EARLY.exec(r.stderr)?.[1]);
  assert.ok(early >= 1, `something went while the check went on: ${r.stderr}`);
  // What went early counts in the run's summary like the rest.
  const summary = JSON.parse(r.stdout) as { offered: number; applied: number; inSync: number; actionsFailed: number; checked: { new: number; modified: number } };
  assert.equal(summary.offered, summary.checked.new + summary.checked.modified, r.stdout);
  // Every entry applied but the include root, which b had before (made with the cluster).
  assert.equal(summary.applied + summary.inSync, summary.offered, r.stdout);
  assert.equal(summary.inSync, 1, r.stdout);
  assert.equal(summary.actionsFailed, 1, r.stdout);
  assert.deepEqual(snapshot(b.root), snapshot(a.root));
  assert.equal(actionRuns() - runs, 1, "one batch: the action ran once");

  // The same change without early pushes sends the same thing (the comparison this feature must not change).
  tree(a, "two", 10);
  const plain = await a.run(["sync", "-v"], { ...EARLY, PEERSYNC_EARLY_PUSH: "0" });
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stderr, WENT_EARLY);
  assert.deepEqual(snapshot(b.root), snapshot(a.root));
  const t = await a.run(["test"]);
  assert.equal(t.code, 2, `in sync: ${t.stdout}${t.stderr}`);
});

test("a peer with entries pending from before the run gets nothing early, and still everything", async () => {
  const { a, b } = nodes();
  await b.stop();
  tree(a, "three", 4);
  const down = await a.run(["sync"], EARLY);
  assert.equal(down.code, 4, `b unreachable: ${down.stderr}`);
  await b.start();
  tree(a, "four", 4);
  const r = await a.run(["sync", "-v"], EARLY);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, WENT_EARLY);
  assert.ok(existsSync(join(b.root, "four", "d2", "deep", "f3")), r.stderr);
  assert.ok(existsSync(join(b.root, "three", "d2", "deep", "f3")), r.stderr);
});

test("max-delete still stops every deletion when new files went while the check went on", async () => {
  const { a, b } = nodes();
  tree(a, "zz-doomed", 8);
  const first = await a.run(["sync"], EARLY);
  assert.equal(first.code, 0, first.stderr);
  rmSync(join(a.root, "zz-doomed"), { recursive: true });
  tree(a, "aa-new", 4); // before the deletions in the check's path order
  const r = await a.run(["sync"], EARLY);
  assert.equal(r.code, 5, `safety stop: ${r.stderr}`);
  assert.match(r.stderr, /Cannot sync group "g" to any of its peers: Cannot delete \d+ of \d+ entries on peer "b": .*\((nothing was sent for this group|no deletion was sent; \d+ new or changed entr(y|ies) went to peers while the check went on, before it found the deletions)\)/);
  assert.ok(existsSync(join(b.root, "zz-doomed", "d2", "deep", "f7")), "no deletion reached b");
});

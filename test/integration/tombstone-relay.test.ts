// A deletion that reached a node from another one (the relay) is remembered there until every
// peer of the group has it, as the deleting node remembers its own (DESIGN.md §4): the relay
// marks the received tombstone pending for the peers it did not come from, pushes it to them,
// and forgets it only once they all acknowledged it and the retention passed. Before, only the
// deleting node waited for acknowledgements: the relay forgot the deletion after the retention
// alone, and a node that had been away, edited the file and synced to the relay first got its
// file taken there as a new one, the deletion undone. A host removed from the group is owed
// nothing. The clock is injected (runUpdate's `now`), never slept on.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster, type ClusterNode } from "./sync-cluster.js";
import { tombstoneOf, updateLater } from "./tombstone-clock.js";



async function sync(node: ClusterNode, args: readonly string[], code: number): Promise<void> {
  const r = await node.run(["sync", ...args]);
  assert.equal(r.code, code, `${node.name} sync ${args.join(" ")}: ${r.stderr}${r.stdout}`);
}

/**
 * alpha, beta and gamma share `gone` (and `stays`: a check stops at a root it finds empty);
 * gamma goes down and alpha deletes `gone`, which reaches beta only.
 */
async function deletedWhileGammaAway(): Promise<Cluster> {
  const c = await makeCluster(["alpha", "beta", "gamma"], { extra: ["tombstone-retention 7d;"] });
  const { alpha, gamma } = c.nodes;
  writeFileSync(join(alpha!.root, "gone"), "deleted while gamma is away\n");
  writeFileSync(join(alpha!.root, "stays"), "kept\n");
  await sync(alpha!, [], 0);
  await gamma!.stop();
  rmSync(join(alpha!.root, "gone"));
  await sync(alpha!, [], 4);
  return c;
}

test("a relay remembers a received deletion past the retention while a peer has not got it: the returning node's edit meets it as a conflict, not as a new file", async () => {
  const c = await deletedWhileGammaAway();
  try {
    const { alpha, beta, gamma } = c.nodes;
    // A month later (4 × the retention) beta runs an update: gamma never acknowledged the deletion.
    await updateLater(beta!, c.configFile, 30);

    // gamma returns, edits the file it still has, and syncs to beta before alpha reaches it.
    await gamma!.start();
    writeFileSync(join(gamma!.root, "gone"), "edited by gamma, which never saw the deletion\n");
    const r = await gamma!.run(["sync", "-P", "beta"]);
    assert.equal(existsSync(join(beta!.root, "gone")), false, "beta did not bring back the file alpha deleted");
    assert.equal(r.code, 3, `a conflict left unresolved (auto none): ${r.stderr}${r.stdout}`);
    assert.equal(tombstoneOf(beta!, "gone"), "tombstone");
    const pending = await beta!.run(["list-pending"]);
    assert.match(pending.stdout, /\tbeta\tgamma\t.*gone\tconflict\n/, pending.stdout);
    // gamma's edit is not lost either (auto none): it stands on gamma until someone settles it.
    assert.equal(readFileSync(join(gamma!.root, "gone"), "utf8"), "edited by gamma, which never saw the deletion\n");
    assert.equal(existsSync(join(alpha!.root, "gone")), false);
  } finally {
    await c.stop();
    cleanup(c.dir);
  }
});

test("a relay pushes a received deletion to the peer that was away, forgets it once every peer has it and the retention passed, and owes nothing to a host removed from the group", async () => {
  const c = await deletedWhileGammaAway();
  try {
    const { alpha, beta, gamma } = c.nodes;
    await updateLater(beta!, c.configFile, 8);
    assert.equal(tombstoneOf(beta!, "gone"), "tombstone", "gamma has not acknowledged it");

    // gamma returns unchanged: beta's own run brings it the deletion (alpha's has not run).
    await gamma!.start();
    await sync(beta!, [], 0);
    assert.equal(existsSync(join(gamma!.root, "gone")), false, "beta delivered the deletion to gamma");
    // Everyone beta knows has it: within the retention it is kept, after it it is forgotten.
    await updateLater(beta!, c.configFile, 6);
    assert.equal(tombstoneOf(beta!, "gone"), "tombstone");
    await updateLater(beta!, c.configFile, 8);
    assert.equal(tombstoneOf(beta!, "gone"), "forgotten");

    // A second deletion while gamma is away, then gamma leaves the group for good: neither the
    // deleting node nor the relay waits for it any more once the retention passed.
    await gamma!.stop();
    rmSync(join(alpha!.root, "stays"));
    writeFileSync(join(alpha!.root, "next"), "a root is never left empty\n");
    await sync(alpha!, [], 4);
    await updateLater(alpha!, c.configFile, 8);
    await updateLater(beta!, c.configFile, 8);
    assert.deepEqual([tombstoneOf(alpha!, "stays"), tombstoneOf(beta!, "stays")], ["tombstone", "tombstone"]);
    const withoutGamma = join(c.dir, "without-gamma.cfg");
    const text = readFileSync(c.configFile, "utf8");
    writeFileSync(withoutGamma, text.replace(/ gamma@127\.0\.0\.1:\d+/, ""));
    assert.notEqual(readFileSync(withoutGamma, "utf8"), text);
    await updateLater(alpha!, withoutGamma, 8);
    await updateLater(beta!, withoutGamma, 8);
    assert.deepEqual([tombstoneOf(alpha!, "stays"), tombstoneOf(beta!, "stays")], ["forgotten", "forgotten"]);
  } finally {
    await c.stop();
    cleanup(c.dir);
  }
});

test("a directory renamed on one node is no mass deletion on the relay that passes its old names on", async () => {
  const c = await makeCluster(["alpha", "beta", "gamma"]);
  try {
    const { alpha, beta, gamma } = c.nodes;
    // 150 entries of 152: the old names alone are far over the default max-delete rule.
    mkdirSync(join(alpha!.root, "images"));
    for (let i = 0; i < 149; i++) writeFileSync(join(alpha!.root, "images", `p${i}`), `picture ${i}\n`);
    writeFileSync(join(alpha!.root, "stays"), "kept\n");
    await sync(alpha!, [], 0);
    await gamma!.stop();
    renameSync(join(alpha!.root, "images"), join(alpha!.root, "img"));
    await sync(alpha!, [], 4);

    // beta holds the 150 deletions for gamma, without the writes that make them a rename:
    // its run is not halted (exit 5), gamma is only unreachable.
    const r = await beta!.run(["sync"]);
    assert.equal(r.code, 4, `${r.stderr}${r.stdout}`);
    await gammaBackAndConverged(c);
  } finally {
    await c.stop();
    cleanup(c.dir);
  }
});

test("a relay that received a directory rename holds only its deletions for the peer that was away: no version of its own of the root or of any directory", async () => {
  const c = await makeCluster(["alpha", "beta", "gamma"]);
  try {
    const { alpha, beta, gamma } = c.nodes;
    // beta and gamma never ran a check of their own: their roots are first recorded when
    // alpha's push re-checks them there.
    mkdirSync(join(alpha!.root, "images", "thumbs"), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(alpha!.root, "images", `p${i}`), `picture ${i}\n`);
    writeFileSync(join(alpha!.root, "images", "thumbs", "t0"), "thumb\n");
    writeFileSync(join(alpha!.root, "stays"), "kept\n");
    await sync(alpha!, [], 0);
    await gamma!.stop();
    renameSync(join(alpha!.root, "images"), join(alpha!.root, "img"));
    await sync(alpha!, [], 4);

    const pending = (await beta!.run(["list-pending"])).stdout;
    const rows = pending.split("\n").filter((l) => l.includes("\tgamma\t") || l.includes("\talpha\t"));
    assert.ok(rows.length > 0, pending);
    // Only the old names, each a deletion passed on to gamma.
    for (const row of rows) assert.match(row, /\tbeta\tgamma\t%data%\/images(\/\S+)?$/, pending);
    assert.equal(rows.length, 6, pending);
    await gammaBackAndConverged(c);
  } finally {
    await c.stop();
    cleanup(c.dir);
  }
});

/** gamma, away during a rename, comes back: beta's push and alpha's bring it the same tree as theirs. */
async function gammaBackAndConverged(c: Awaited<ReturnType<typeof makeCluster>>): Promise<void> {
  const { alpha, beta, gamma } = c.nodes;
  await gamma!.start();
  await sync(beta!, [], 0);
  await sync(alpha!, [], 0);
  assert.deepEqual(snapshot(gamma!.root), snapshot(alpha!.root));
  assert.deepEqual(snapshot(beta!.root), snapshot(alpha!.root));
}

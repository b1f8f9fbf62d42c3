// A prefix pointed at a new, empty directory (the operator moves a node's data): the check must
// stop (it looks like an unmounted disk), name the directory the config now gives, and say that
// the files belong there; the old hint offered only --allow-empty-roots, which records every
// file as deleted and sends the deletions to every peer. Once the files are moved there, the
// next sync finds nothing changed and the peer keeps everything.

import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pairForFile, snapshot } from "./sync-cluster.js";

const pair = pairForFile();

test("a prefix moved to an empty directory stops the check, names that directory and says to move the files there", async () => {
  const { cluster, a, b } = pair;
  for (let i = 0; i < 5; i++) writeFileSync(join(a.root, `f${i}`), `file ${i}\n`);
  assert.equal((await a.run(["sync"])).code, 0);
  const peerBefore = snapshot(b.root);

  const moved = join(cluster.dir, "a", "moved-tree");
  mkdirSync(moved);
  writeFileSync(cluster.configFile, readFileSync(cluster.configFile, "utf8").replace(`on a: ${a.root};`, `on a: ${moved};`));
  const res = await a.run(["sync"]);
  assert.equal(res.code, 5, res.stderr);
  assert.match(res.stderr, new RegExp(`%data%: Cannot check root: it vanished or holds none of the files the index knows there \\(${moved}\\): an unmounted disk, or a config whose prefix or include now names another directory\\?`));
  assert.match(res.stderr, /move the files to the directory the config names; only if the files were removed on purpose, run `peersync check --allow-empty-roots` \(their deletions then go to every peer\)/);
  assert.deepEqual(snapshot(b.root), peerBefore, "nothing deleted on the peer");

  // The way through: the files go where the config now says.
  for (const name of readdirSync(a.root)) renameSync(join(a.root, name), join(moved, name));
  const after = await a.run(["sync"]);
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual(snapshot(b.root), peerBefore, "the peer keeps everything");
});
